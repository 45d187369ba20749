// Seeded synthetic market data — the embedded default data source.
//
// Several symbols follow geometric Brownian motion whose drift and volatility switch between
// market-wide regimes (trending, mean-reverting, volatile; a Markov chain), with correlated shocks
// across symbols, a per-symbol carry (interest-rate) series, OHLC bars with realistic ranges and
// volume that rises with the size of the move. The generator uses its own PRNG (xoshiro256**)
// and Box-Muller normals, so the same spec gives the same bars on every machine.
//
// Spec text: comma-separated key=value, e.g. "symbols=4,bars=2520,seed=7,timeframe=1d,start=2020-01-01".
//   symbols    number of symbols (1..1000), named SYN000, SYN001, ...   default 3
//   bars       bars per symbol (1..100000000)                            default 2520
//   seed       unsigned integer                                          default 42
//   timeframe  1m, 5m, 15m, 1h, 4h or 1d                                 default 1d
//   start      ISO-8601 date or date-time of the first bar               default 2015-01-01
//   correlation  0..0.99 between symbols' shocks                         default 0.5
#pragma once

#include <cstdint>
#include <string>

#include "host/data/bar_series.h"
#include "registry/common/status.h"

namespace algohost {

struct SyntheticSpec {
  int symbols = 3;
  int64_t bars = 2520;
  uint64_t seed = 42;
  int64_t step_ms = 86'400'000;
  std::string timeframe = "1d";
  int64_t start_ms = 1420070400000;  // 2015-01-01
  double correlation = 0.5;

  // InvalidArgument naming the key at fault.
  static Result<SyntheticSpec> parse(const std::string& text);
  std::string to_string() const;
};

// Regime labels used by the generator (and reported per bar in `regimes` when asked).
enum class Regime : uint8_t { kTrending = 0, kMeanReverting = 1, kVolatile = 2 };
const char* regime_name(Regime r);

MarketData generate_synthetic(const SyntheticSpec& spec);

}  // namespace algohost
