// Market context — readings of one symbol's market as of a bar, computed from that bar and the
// bars before it (never the future): realized volatility, volume ratio and a regime label. They
// are recorded with every trade (strategy_performance.market_regime, volatility, volume_ratio)
// and are what the MEM stage conditions on.
//
//   volatility    sample stdev of the last `window` simple returns, annualized by sqrt(periods/year)
//   volume_ratio  this bar's volume / mean volume of the previous `window` bars
//   window_return close / close `window` bars earlier - 1 (the recent return)
//   regime        "volatile" when that stdev exceeds 1.5 x the stdev of the returns over the last
//                 kLongWindow bars; else "trending" when the absolute `window`-bar return exceeds
//                 the volatility over the window (|close/close_w - 1| > sigma_bar * sqrt(window));
//                 else "mean_reverting"; "unknown" until `window` returns exist
//
// Computed on demand, only for bars that carry an actionable signal: O(window + kLongWindow) per
// reading and nothing per bar, so the engine's walk does not pay for it.
#pragma once

#include <cmath>
#include <cstddef>

#include "host/data/bar_series.h"

namespace algohost {

struct ContextReading {
  double volatility = 0;  // annualized
  double volume_ratio = 1;
  double window_return = 0;
  const char* regime = "unknown";
  bool ready = false;
};

constexpr size_t kLongWindow = 250;

// The reading as of bar `i` of `s`.
inline ContextReading read_context(const BarSeries& s, size_t i, int window = 20, double periods_per_year = 252) {
  ContextReading r;
  const size_t w = window < 2 ? 2 : static_cast<size_t>(window);
  if (i > 0) {
    const size_t from = i >= w ? i - w : 0;
    double vol_sum = 0;
    for (size_t k = from; k < i; ++k) vol_sum += s.volume[k];
    const double avg = vol_sum / static_cast<double>(i - from);
    if (avg > 0) r.volume_ratio = s.volume[i] / avg;
  }
  if (i < w) return r;
  // Sample variance of simple returns over [first + 1, i].
  auto variance = [&](size_t first) {
    double sum = 0, sum2 = 0;
    size_t n = 0;
    for (size_t k = first + 1; k <= i; ++k) {
      if (s.close[k - 1] <= 0) continue;
      const double ret = s.close[k] / s.close[k - 1] - 1.0;
      sum += ret;
      sum2 += ret * ret;
      ++n;
    }
    if (n < 2) return 0.0;
    const double v = (sum2 - sum * sum / static_cast<double>(n)) / static_cast<double>(n - 1);
    return v > 0 ? v : 0.0;
  };
  const double sigma_bar = std::sqrt(variance(i - w));
  r.volatility = sigma_bar * std::sqrt(periods_per_year);
  const size_t long_first = i >= kLongWindow ? i - kLongWindow : 0;
  const double long_sigma = std::sqrt(variance(long_first));
  const double old_close = s.close[i - w];
  const double window_ret = old_close > 0 ? s.close[i] / old_close - 1.0 : 0.0;
  r.window_return = window_ret;
  if (i >= 2 * w && sigma_bar > 1.5 * long_sigma)
    r.regime = "volatile";
  else if (std::fabs(window_ret) > sigma_bar * std::sqrt(static_cast<double>(w)))
    r.regime = "trending";
  else
    r.regime = "mean_reverting";
  r.ready = true;
  return r;
}

}  // namespace algohost
