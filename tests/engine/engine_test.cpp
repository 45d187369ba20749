// The engine loop with in-process strategies over synthetic (and hand-made) data: no look-ahead,
// determinism, batch == per-slice, trades reconcile with equity, failure isolation, multi-symbol
// slices.
#include "host/engine/engine.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

#include <algohost/strategy.hpp>
#include <gtest/gtest.h>

#include "host/data/synthetic.h"
#include "host/instance/table_instance.h"
#include "tests/engine/engine_test_util.h"
#include "rsi/rsi_strategy.hpp"

namespace algohost {
namespace {

// ---- Probe strategies -----------------------------------------------------------------------

// What the probes saw, per slot (one slot per instance; the slot is a parameter).
struct ProbeLog {
  std::vector<int64_t> seen;                          // bar timestamps in the order received
  std::vector<std::pair<int64_t, int32_t>> signals;   // (bar ts, action) of non-hold signals
  bool violation = false;                             // a bar arrived out of order
};
std::map<long long, ProbeLog> g_logs;

// Single-symbol: on bar n (counting from 0), buys when n % period == 0 and sells when
// n % period == period / 2. Records every bar and flags one that is not strictly later than the
// previous: a strategy must decide each bar before it sees a later one.
class Alternator final : public sdk::Strategy {
 public:
  explicit Alternator(const sdk::Params& p)
      : slot_(p.get_int("slot", 0)), period_(p.get_int("period", 4)), size_(p.get_double("size", 0)) {}
  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    ProbeLog& log = g_logs[slot_];
    if (!log.seen.empty() && bar.ts_ms <= log.seen.back()) log.violation = true;
    log.seen.push_back(bar.ts_ms);
    const long long phase = n_++ % period_;
    if (phase == 0) {
      out.buy(0.8);
      if (size_ > 0) out.size(size_);
      log.signals.emplace_back(bar.ts_ms, AH_BUY);
    } else if (phase == period_ / 2) {
      out.sell(0.8);
      log.signals.emplace_back(bar.ts_ms, AH_SELL);
    }
  }

 private:
  long long slot_, period_;
  double size_;
  long long n_ = 0;
};

// Single-symbol: buys on bar `buy_at`, throws on bar `fail_at`.
class Thrower final : public sdk::Strategy {
 public:
  explicit Thrower(const sdk::Params& p) : buy_at_(p.get_int("buy_at")), fail_at_(p.get_int("fail_at")) {}
  void on_bar(const ah_bar&, sdk::Signal out) override final {
    if (n_ == fail_at_) throw std::runtime_error("exploded at bar " + std::to_string(n_));
    if (n_ == buy_at_) out.buy(1);
    ++n_;
  }

 private:
  long long buy_at_, fail_at_, n_ = 0;
};

// Multi-symbol (two legs at once): records each slice; buys leg 1 on slice 5 and closes it on
// slice 15, buys leg 0 on slice 20 (held to the end).
struct PairLog {
  std::vector<int64_t> slice_ts;
  std::vector<uint32_t> n_symbols;
  std::vector<std::vector<uint8_t>> has_bar;
  std::vector<std::vector<int64_t>> bar_ts;
  bool future_bar = false;  // a bar later than the slice's time
};
PairLog g_pair;

class PairProbe final : public sdk::Strategy {
 public:
  explicit PairProbe(const sdk::Params&) {}
  bool supports_batch() const override { return false; }
  void on_slice(const ah_slice& slice, sdk::Signals& out) override {
    g_pair.slice_ts.push_back(slice.ts_ms);
    g_pair.n_symbols.push_back(slice.n_symbols);
    std::vector<uint8_t> has;
    std::vector<int64_t> ts;
    for (uint32_t i = 0; i < slice.n_symbols; ++i) {
      has.push_back(slice.has_bar[i]);
      ts.push_back(slice.bars[i].ts_ms);
      if (slice.bars[i].ts_ms > slice.ts_ms) g_pair.future_bar = true;
    }
    g_pair.has_bar.push_back(has);
    g_pair.bar_ts.push_back(ts);
    if (n_ == 5) out.add(1).buy(0.9).size(0.5);
    if (n_ == 15) out.add(1).sell(0.9);
    if (n_ == 20) out.add(0).buy(0.9).size(0.4);
    ++n_;
  }

 private:
  long long n_ = 0;
};

// ---- Helpers --------------------------------------------------------------------------------

Manifest manifest(const std::string& name, long long symbols, bool short_selling = false) {
  return enginetest::test_manifest(name, symbols, {{"short_selling", short_selling}});
}

using enginetest::table_instance;

// One instance per symbol; `params(i)` gives symbol i's parameters.
template <class S, class F>
StrategySetup single_setup(const Manifest* m, const char* name, size_t n_symbols, F params, BrokerConfig broker) {
  StrategySetup s;
  s.manifest = m;
  s.label = std::string(name) + "@1.0.0";
  s.broker = broker;
  for (size_t i = 0; i < n_symbols; ++i) s.instances.push_back(table_instance<S>(name, params(i)));
  return s;
}

constexpr const char* kRsiParams = R"({"period": 14, "oversold": 30, "overbought": 70})";

StrategySetup rsi_setup(const Manifest* m, size_t n_symbols, BrokerConfig broker) {
  return single_setup<plugins::RsiStrategy>(m, "rsi", n_symbols, [](size_t) { return std::string(kRsiParams); },
                                            broker);
}

std::string alternator_params(size_t slot, int period = 4) {
  return "{\"slot\": " + std::to_string(slot) + ", \"period\": " + std::to_string(period) + "}";
}

BrokerConfig costly(double default_size) {
  BrokerConfig b;
  b.capital = 100'000;
  b.slippage_bps = 5;
  b.commission_per_trade = 1;
  b.commission_bps = 2;
  b.default_size = default_size;
  return b;
}

MarketData synthetic(int symbols, int64_t bars, uint64_t seed) {
  SyntheticSpec spec;
  spec.symbols = symbols;
  spec.bars = bars;
  spec.seed = seed;
  return generate_synthetic(spec);
}

size_t index_of(const BarSeries& s, int64_t ts) {
  auto it = std::lower_bound(s.ts_ms.begin(), s.ts_ms.end(), ts);
  EXPECT_TRUE(it != s.ts_ms.end() && *it == ts) << "no bar at " << ts << " in " << s.symbol;
  return static_cast<size_t>(it - s.ts_ms.begin());
}

bool has_signal(const ProbeLog& log, int64_t ts, int32_t action) {
  return std::find(log.signals.begin(), log.signals.end(), std::make_pair(ts, action)) != log.signals.end();
}

// Every field of two trades, exactly.
void expect_same_trade(const ClosedTrade& a, const ClosedTrade& b, size_t i) {
  EXPECT_EQ(a.symbol, b.symbol) << i;
  EXPECT_EQ(a.entry_ms, b.entry_ms) << i;
  EXPECT_EQ(a.exit_ms, b.exit_ms) << i;
  EXPECT_EQ(a.quantity, b.quantity) << i;
  EXPECT_EQ(a.entry_price, b.entry_price) << i;
  EXPECT_EQ(a.exit_price, b.exit_price) << i;
  EXPECT_EQ(a.pnl, b.pnl) << i;
  EXPECT_EQ(a.pnl_pct, b.pnl_pct) << i;
  EXPECT_EQ(a.mae, b.mae) << i;
  EXPECT_EQ(a.mfe, b.mfe) << i;
  EXPECT_EQ(a.commission, b.commission) << i;
  EXPECT_EQ(a.slippage_cost, b.slippage_cost) << i;
  EXPECT_EQ(a.action, b.action) << i;
  EXPECT_EQ(a.confidence, b.confidence) << i;
  EXPECT_EQ(a.exit_reason, b.exit_reason) << i;
  EXPECT_EQ(a.entry_context.volatility, b.entry_context.volatility) << i;
  EXPECT_EQ(std::string(a.entry_context.regime), std::string(b.entry_context.regime)) << i;
}

void expect_same_outcome(const StrategyOutcome& a, const StrategyOutcome& b) {
  ASSERT_EQ(a.equity.size(), b.equity.size());
  for (size_t i = 0; i < a.equity.size(); ++i) {
    ASSERT_EQ(a.equity[i].ts_ms, b.equity[i].ts_ms) << i;
    ASSERT_EQ(a.equity[i].equity, b.equity[i].equity) << i;
  }
  ASSERT_EQ(a.equity_bars.size(), b.equity_bars.size());
  for (size_t i = 0; i < a.equity_bars.size(); ++i) {
    ASSERT_EQ(a.equity_bars[i].ts_ms, b.equity_bars[i].ts_ms) << i;
    ASSERT_EQ(a.equity_bars[i].equity, b.equity_bars[i].equity) << i;
  }
  const auto& ta = a.account->closed();
  const auto& tb = b.account->closed();
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); ++i) expect_same_trade(ta[i], tb[i], i);
  EXPECT_EQ(a.signals, b.signals);
  EXPECT_EQ(a.bars_in_market, b.bars_in_market);
}

// ---- No look-ahead --------------------------------------------------------------------------

// Every fill happens at the open of the bar after the signal's bar, and every bar reaches the
// strategy strictly after the previous one.
void check_fills_follow_signals(const MarketData& md, const StrategyOutcome& o, size_t expected_per_symbol) {
  ASSERT_TRUE(o.failure.ok()) << o.failure.message();
  std::vector<size_t> per_symbol(md.series.size(), 0);
  for (const ClosedTrade& t : o.account->closed()) {
    const BarSeries& s = md.series[t.symbol];
    const ProbeLog& log = g_logs[t.symbol];
    ++per_symbol[t.symbol];
    const size_t k = index_of(s, t.entry_ms);
    ASSERT_GE(k, 1u) << "a fill on the first bar cannot follow a signal";
    EXPECT_EQ(t.entry_price, s.open[k]) << "entry at the open of the fill bar";
    EXPECT_TRUE(has_signal(log, s.ts_ms[k - 1], AH_BUY)) << "the buy came from the previous bar, ts " << s.ts_ms[k - 1];
    EXPECT_FALSE(has_signal(log, s.ts_ms[k], AH_BUY)) << "a buy on the fill bar itself would be look-ahead";
    if (t.exit_reason == "signal") {
      const size_t x = index_of(s, t.exit_ms);
      ASSERT_GE(x, k + 1);
      EXPECT_EQ(t.exit_price, s.open[x]);
      EXPECT_TRUE(has_signal(log, s.ts_ms[x - 1], AH_SELL));
    } else {
      EXPECT_EQ(t.exit_reason, "end_of_data");
    }
  }
  for (size_t i = 0; i < md.series.size(); ++i) {
    EXPECT_EQ(per_symbol[i], expected_per_symbol) << md.series[i].symbol;
    EXPECT_FALSE(g_logs[i].violation) << "slot " << i << " saw a bar out of order";
    EXPECT_EQ(g_logs[i].seen, md.series[i].ts_ms) << "slot " << i << " saw exactly its symbol's bars, in order";
  }
}

class NoLookAhead : public ::testing::TestWithParam<bool> {};

TEST_P(NoLookAhead, FillsAtTheNextOpenOnSyntheticData) {
  g_logs.clear();
  const MarketData md = synthetic(3, 300, 5);
  const Manifest m = manifest("alternator", 1);
  BrokerConfig broker;  // no costs: entry price == open exactly
  broker.default_size = 1.0 / 3;
  std::vector<StrategySetup> setups;
  setups.push_back(single_setup<Alternator>(&m, "alternator", 3, [](size_t i) { return alternator_params(i); }, broker));
  EngineOptions opt;
  opt.use_batch = GetParam();
  opt.chunk = 64;
  EngineResult res = run_engine(md, setups, opt);
  ASSERT_EQ(res.timestamps, 300u);
  // Period 4 over 300 bars: buys on bars 0, 4, ..., 296 fill on 1, 5, ..., 297; sells on 2, 6, ...,
  // 298 fill on 3, 7, ..., 299: 75 round trips per symbol, all closed by a signal.
  check_fills_follow_signals(md, res.outcomes[0], 75);
  for (const auto& t : res.outcomes[0].account->closed()) EXPECT_EQ(t.exit_reason, "signal");
}

TEST_P(NoLookAhead, FillsAtEachSymbolsOwnNextBarWhenBarsAreMissing) {
  g_logs.clear();
  // Symbol A prints every day; symbol B skips every third day, so B's "next bar" may be two days on.
  MarketData md;
  md.series.resize(2);
  md.series[0].symbol = "A";
  md.series[1].symbol = "B";
  for (int i = 0; i < 60; ++i) {
    const int64_t ts = 1'700'000'000'000 + i * 86'400'000LL;
    const double p = 100 + i + (i % 5);
    md.series[0].push({ts, p, p + 2, p - 2, p + 1, 1000});
    if (i % 3 != 1) md.series[1].push({ts, 2 * p + 1, 2 * p + 5, 2 * p - 3, 2 * p + 2, 1000});
  }
  const Manifest m = manifest("alternator", 1);
  BrokerConfig broker;
  broker.default_size = 0.5;
  std::vector<StrategySetup> setups;
  setups.push_back(single_setup<Alternator>(&m, "alternator", 2, [](size_t i) { return alternator_params(i); }, broker));
  EngineOptions opt;
  opt.use_batch = GetParam();
  opt.chunk = 7;
  EngineResult res = run_engine(md, setups, opt);
  EXPECT_EQ(res.timestamps, 60u);
  const StrategyOutcome& o = res.outcomes[0];
  ASSERT_TRUE(o.failure.ok());
  // A: 60 bars, buys on 0..56 step 4 (15), sells on 2..58 (15, filled on 3..59): 15 trades.
  // B: 40 bars, buys on its bars 0..36 (10), sells on 2..38 (10, filled on 3..39): 10 trades.
  size_t a = 0, b = 0;
  for (const auto& t : o.account->closed()) (t.symbol == 0 ? a : b)++;
  EXPECT_EQ(a, 15u);
  EXPECT_EQ(b, 10u);
  for (const ClosedTrade& t : o.account->closed()) {
    const BarSeries& s = md.series[t.symbol];
    const size_t k = index_of(s, t.entry_ms);
    ASSERT_GE(k, 1u);
    EXPECT_EQ(t.entry_price, s.open[k]);
    EXPECT_TRUE(has_signal(g_logs[t.symbol], s.ts_ms[k - 1], AH_BUY));
  }
  EXPECT_FALSE(g_logs[0].violation);
  EXPECT_FALSE(g_logs[1].violation);
  EXPECT_EQ(g_logs[1].seen, md.series[1].ts_ms);
}

INSTANTIATE_TEST_SUITE_P(Engine, NoLookAhead, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Batch" : "PerSlice"; });

// Sizing an order filled at a bar's open must not use any price printed later in that bar. Two
// symbols at one timestamp: symbol 0 is bought at its open 100 and closes at 110; symbol 1 is
// bought at its open 50. At the open the account is worth 10000 (5000 cash + 50 shares at 100),
// so half of it buys 100 shares of symbol 1 — using symbol 0's close (110) would buy 105.
TEST(Engine, OrderSizingUsesNoPriceFromLaterInTheBar) {
  g_logs.clear();
  MarketData md;
  md.series.resize(2);
  md.series[0].symbol = "A";
  md.series[1].symbol = "B";
  const int64_t t0 = 1'700'000'000'000, d = 86'400'000;
  md.series[0].push({t0, 100, 100, 100, 100, 1});
  md.series[0].push({t0 + d, 100, 112, 99, 110, 1});
  md.series[0].push({t0 + 2 * d, 110, 110, 110, 110, 1});
  md.series[1].push({t0, 50, 50, 50, 50, 1});
  md.series[1].push({t0 + d, 50, 51, 39, 40, 1});
  md.series[1].push({t0 + 2 * d, 40, 40, 40, 40, 1});
  const Manifest m = manifest("alternator", 1);
  BrokerConfig broker;
  broker.capital = 10'000;
  broker.default_size = 0.5;
  std::vector<StrategySetup> setups;
  // Period 1000: one buy, on the first bar of each symbol.
  setups.push_back(single_setup<Alternator>(&m, "alternator", 2, [](size_t i) { return alternator_params(i, 1000); }, broker));
  EngineResult res = run_engine(md, setups, EngineOptions{});
  const auto& trades = res.outcomes[0].account->closed();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_NEAR(trades[0].quantity, 50, 1e-9);
  EXPECT_NEAR(trades[1].quantity, 100, 1e-9) << "symbol 1 was sized with symbol 0's close of the same bar";
}

// ---- Determinism, batch equivalence ---------------------------------------------------------

EngineResult run_rsi(const MarketData& md, bool use_batch, size_t chunk = 4096) {
  static const Manifest m = manifest("rsi", 1);
  std::vector<StrategySetup> setups;
  setups.push_back(rsi_setup(&m, md.series.size(), costly(1.0 / static_cast<double>(md.series.size()))));
  EngineOptions opt;
  opt.use_batch = use_batch;
  opt.chunk = chunk;
  return run_engine(md, setups, opt);
}

TEST(Engine, SameSeedAndDataGiveIdenticalResults) {
  const MarketData a = synthetic(3, 2000, 11), b = synthetic(3, 2000, 11);
  EngineResult r1 = run_rsi(a, true), r2 = run_rsi(b, true);
  ASSERT_GT(r1.outcomes[0].account->closed().size(), 10u);
  expect_same_outcome(r1.outcomes[0], r2.outcomes[0]);
  EXPECT_EQ(r1.outcomes[0].metrics.to_json().dump(), r2.outcomes[0].metrics.to_json().dump());
  // Another seed is another market: the check above is not vacuous.
  EngineResult r3 = run_rsi(synthetic(3, 2000, 12), true);
  EXPECT_NE(r1.outcomes[0].equity.back().equity, r3.outcomes[0].equity.back().equity);
}

TEST(Engine, BatchAndPerSliceGiveIdenticalTrades) {
  const MarketData md = synthetic(4, 3000, 21);
  EngineResult batch = run_rsi(md, true, 97);  // chunks that do not divide the series
  EngineResult slice = run_rsi(md, false);
  ASSERT_GT(batch.outcomes[0].account->closed().size(), 20u);
  expect_same_outcome(batch.outcomes[0], slice.outcomes[0]);
  EXPECT_EQ(batch.outcomes[0].bars, slice.outcomes[0].bars);
  EngineResult big_chunks = run_rsi(md, true);
  expect_same_outcome(big_chunks.outcomes[0], slice.outcomes[0]);
}

// ---- One series: the engine walks its columns directly ----------------------------------------

// Changes nothing, but is not the pass-through stage: the engine reads the market context for
// every actionable signal it is shown.
class CountingStage final : public EnhancementStage {
 public:
  void enhance(const StageInput& in, ah_signal&, SignalNote&) override {
    ++calls;
    if (in.context && in.context->ready) ++ready;
  }
  int64_t calls = 0, ready = 0;
};

// Two strategies (RSI allowed to short, and the alternator) on one symbol, through a sink that
// logs (strategy, trade) in arrival order.
struct OneSeriesRun {
  EngineResult result;
  std::vector<std::pair<size_t, ClosedTrade>> sunk;
};
OneSeriesRun run_one_series(const MarketData& md, bool use_batch, size_t chunk, bool every_bar,
                            EnhancementStage* rsi_stage = nullptr) {
  g_logs.clear();
  static const Manifest rsi = manifest("rsi", 1, /*short_selling=*/true), alt = manifest("alternator", 1);
  std::vector<StrategySetup> setups;
  BrokerConfig shorting = costly(0.8);
  shorting.allow_short = true;
  setups.push_back(rsi_setup(&rsi, 1, shorting));
  setups.back().stage = rsi_stage;
  setups.push_back(single_setup<Alternator>(&alt, "alternator", 1, [](size_t i) { return alternator_params(i, 9); },
                                            costly(0.5)));
  EngineOptions opt;
  opt.use_batch = use_batch;
  opt.chunk = chunk;
  opt.equity_every_bar = every_bar;
  OneSeriesRun run;
  run.result = run_engine(md, setups, opt, [&](size_t k, const std::vector<ClosedTrade>& trades) {
    for (const auto& t : trades) run.sunk.emplace_back(k, t);
  });
  return run;
}

void expect_same_runs(const OneSeriesRun& a, const OneSeriesRun& b) {
  ASSERT_EQ(a.result.timestamps, b.result.timestamps);
  ASSERT_EQ(a.result.outcomes.size(), b.result.outcomes.size());
  for (size_t k = 0; k < a.result.outcomes.size(); ++k) {
    SCOPED_TRACE(a.result.outcomes[k].label);
    expect_same_outcome(a.result.outcomes[k], b.result.outcomes[k]);
    EXPECT_EQ(a.result.outcomes[k].bars, b.result.outcomes[k].bars);
    EXPECT_EQ(a.result.outcomes[k].metrics.to_json().dump(), b.result.outcomes[k].metrics.to_json().dump());
  }
  ASSERT_EQ(a.sunk.size(), b.sunk.size());
  for (size_t i = 0; i < a.sunk.size(); ++i) {
    EXPECT_EQ(a.sunk[i].first, b.sunk[i].first) << "trade " << i << " reached the sink in another order";
    expect_same_trade(a.sunk[i].second, b.sunk[i].second, i);
  }
}

TEST(Engine, OneSeriesInBatchesGivesWhatPerSliceGives) {
  const MarketData md = synthetic(1, 6000, 23);
  for (bool every_bar : {false, true}) {
    const OneSeriesRun slice = run_one_series(md, false, 4096, every_bar);
    ASSERT_GT(slice.result.outcomes[0].account->closed().size(), 20u);
    ASSERT_GT(slice.result.outcomes[1].account->closed().size(), 20u);
    for (size_t chunk : {4096u, 97u, 1u}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk) + (every_bar ? ", every bar" : ", daily"));
      expect_same_runs(run_one_series(md, true, chunk, every_bar), slice);
    }
  }
}

// Signals the broker ignores (the side already held) are not shown a context when the stage is the
// pass-through; through any other stage every actionable signal is, and the trades are the same.
TEST(Engine, ThePassThroughStageGivesWhatAnyStageThatChangesNothingGives) {
  const MarketData md = synthetic(1, 6000, 29);
  CountingStage counting;
  const OneSeriesRun plain = run_one_series(md, true, 4096, false);
  const OneSeriesRun counted = run_one_series(md, true, 4096, false, &counting);
  expect_same_runs(plain, counted);
  EXPECT_EQ(counting.calls, counted.result.outcomes[0].signals);
  EXPECT_GT(counting.calls, static_cast<int64_t>(2 * counted.result.outcomes[0].account->closed().size()))
      << "the RSI repeats signals on the side it holds: the check above is not vacuous";
  EXPECT_GT(counting.ready, 0);
}

// ---- Trades reconcile ------------------------------------------------------------------------

TEST(Engine, SinkSeesEveryClosedTradeAndPnlReconcilesWithEquity) {
  g_logs.clear();
  const MarketData md = synthetic(3, 1500, 3);
  const Manifest rsi = manifest("rsi", 1), alt = manifest("alternator", 1);
  std::vector<StrategySetup> setups;
  setups.push_back(rsi_setup(&rsi, 3, costly(1.0 / 3)));
  setups.push_back(single_setup<Alternator>(&alt, "alternator", 3, [](size_t i) { return alternator_params(i, 7); },
                                            costly(1.0 / 3)));
  std::map<size_t, std::vector<ClosedTrade>> sunk;
  auto sink = [&](size_t k, const std::vector<ClosedTrade>& trades) {
    for (const auto& t : trades) sunk[k].push_back(t);
  };
  EngineResult res = run_engine(md, setups, EngineOptions{}, sink);
  ASSERT_EQ(res.outcomes.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const StrategyOutcome& o = res.outcomes[k];
    SCOPED_TRACE(o.label);
    ASSERT_TRUE(o.failure.ok());
    const auto& closed = o.account->closed();
    ASSERT_GT(closed.size(), 5u);
    ASSERT_EQ(sunk[k].size(), closed.size());
    for (size_t i = 0; i < closed.size(); ++i) expect_same_trade(sunk[k][i], closed[i], i);
    EXPECT_EQ(o.metrics.trades, static_cast<int64_t>(closed.size()));
    EXPECT_FALSE(o.account->in_market());
    ASSERT_EQ(o.equity.size(), res.timestamps);
    double pnl = 0, fees = 0;
    for (const auto& t : closed) {
      pnl += t.pnl;
      fees += t.commission;
    }
    EXPECT_NEAR(o.equity.back().equity - 100'000, pnl, 0.005);
    EXPECT_NEAR(o.account->equity() - 100'000, pnl, 0.005);
    EXPECT_NEAR(o.account->total_fees(), fees, 0.005);
    EXPECT_NEAR(o.metrics.total_return, pnl / 100'000, 1e-9);
  }
}

// ---- Equity curve ---------------------------------------------------------------------------

// Hourly bars over ten days, two symbols (the general walk) and one (the single-series walk): the
// equity curve the metrics use is one point per UTC day (the day's last) with or without
// equity_every_bar; that option only adds the per-timestamp curve (for exports), whose points at
// each day's end are the daily points. The metrics do not depend on it.
TEST(Engine, MetricsComeFromTheDailyCurveWhetherOrNotEveryBarIsKept) {
  for (int symbols : {2, 1}) {
    SCOPED_TRACE(std::to_string(symbols) + " symbol(s)");
    g_logs.clear();
    SyntheticSpec spec;
    spec.symbols = symbols;
    spec.bars = 240;
    spec.seed = 4;
    spec.step_ms = 3'600'000;
    spec.timeframe = "1h";
    spec.start_ms = 1'704'067'200'000;  // 2024-01-01T00:00Z
    const MarketData md = generate_synthetic(spec);
    const Manifest m = manifest("alternator", 1);
    auto run = [&](bool every_bar) {
      g_logs.clear();
      std::vector<StrategySetup> setups;
      setups.push_back(single_setup<Alternator>(&m, "alternator", static_cast<size_t>(symbols),
                                                [](size_t i) { return alternator_params(i, 6); }, costly(0.5)));
      EngineOptions opt;
      opt.equity_every_bar = every_bar;
      return run_engine(md, setups, opt);
    };
    EngineResult daily = run(false), every = run(true);
    const StrategyOutcome &d = daily.outcomes[0], &e = every.outcomes[0];
    ASSERT_EQ(e.equity_bars.size(), 240u);
    EXPECT_TRUE(d.equity_bars.empty()) << "the per-bar curve is kept only when asked for";
    ASSERT_EQ(d.equity.size(), 10u);
    ASSERT_EQ(e.equity.size(), 10u);
    for (size_t day = 0; day < 10; ++day) {
      const size_t last = day * 24 + 23;
      EXPECT_EQ(d.equity[day].ts_ms, md.series[0].ts_ms[last]) << day;
      EXPECT_EQ(d.equity[day].equity, e.equity_bars[last].equity) << day;
      EXPECT_EQ(e.equity[day].ts_ms, d.equity[day].ts_ms) << day;
      EXPECT_EQ(e.equity[day].equity, d.equity[day].equity) << day;
    }
    // The per-bar curve is a different curve: a metric computed from it would differ.
    metrics::MetricsInput per_bar;
    per_bar.equity = e.equity_bars;
    per_bar.starting_capital = 100'000;
    ASSERT_GT(metrics::compute(per_bar).max_drawdown, d.metrics.max_drawdown)
        << "the data does not tell the two curves apart: the check below would be vacuous";
    EXPECT_EQ(d.metrics.to_json().dump(), e.metrics.to_json().dump());
    ASSERT_GT(d.account->closed().size(), 5u);
    ASSERT_EQ(d.account->closed().size(), e.account->closed().size());
    EXPECT_EQ(d.account->equity(), e.account->equity());
    EXPECT_EQ(e.equity_bars.back().equity, e.account->equity());
  }
}

// ---- Failure isolation ----------------------------------------------------------------------

// Thrower buys on bar 10 (filled on bar 11) and throws on bar 100; Alternator runs beside it.
EngineResult run_with_thrower(const MarketData& md, bool use_batch) {
  g_logs.clear();
  static const Manifest thrower = manifest("thrower", 1), alt = manifest("alternator", 1);
  std::vector<StrategySetup> setups;
  BrokerConfig broker;
  setups.push_back(single_setup<Thrower>(&thrower, "thrower", 1,
                                         [](size_t) { return std::string(R"({"buy_at": 10, "fail_at": 100})"); }, broker));
  setups.push_back(single_setup<Alternator>(&alt, "alternator", 1, [](size_t i) { return alternator_params(i); }, broker));
  EngineOptions opt;
  opt.use_batch = use_batch;
  return run_engine(md, setups, opt);
}

void check_thrower_outcome(const MarketData& md, const EngineResult& res) {
  const BarSeries& s = md.series[0];
  const StrategyOutcome& bad = res.outcomes[0];
  ASSERT_FALSE(bad.failure.ok());
  EXPECT_EQ(bad.failure.code(), StatusCode::kPluginError);
  EXPECT_NE(bad.failure.message().find("exploded at bar 100"), std::string::npos) << bad.failure.message();
  // Its account stopped at bar 100: the position bought on bar 11 closed at that bar's mark.
  EXPECT_FALSE(bad.account->in_market());
  EXPECT_EQ(bad.equity.size(), 101u);
  ASSERT_EQ(bad.account->closed().size(), 1u);
  const ClosedTrade& t = bad.account->closed()[0];
  EXPECT_EQ(t.entry_ms, s.ts_ms[11]);
  EXPECT_EQ(t.entry_price, s.open[11]);
  EXPECT_EQ(t.exit_ms, s.ts_ms[100]);
  EXPECT_EQ(t.exit_price, s.close[100]);
  EXPECT_NEAR(bad.account->equity() - 100'000, t.pnl, 1e-6);
  // The other strategy ran to the end.
  const StrategyOutcome& good = res.outcomes[1];
  EXPECT_TRUE(good.failure.ok()) << good.failure.message();
  EXPECT_EQ(good.equity.size(), s.size());
  EXPECT_EQ(good.account->closed().size(), 75u);
  EXPECT_EQ(res.timestamps, s.size());
}

TEST(Engine, AThrowingStrategyStopsAloneWhenDrivenPerSlice) {
  const MarketData md = synthetic(1, 300, 9);
  check_thrower_outcome(md, run_with_thrower(md, false));
}

// The batch drive is the default (and what `algohost run` uses). A strategy that throws on bar
// 100 must trade bars 0..99 as it does per slice, not lose them because the chunk failed.
TEST(Engine, AThrowingStrategyStopsAtTheSameBarWhenDrivenInBatches) {
  const MarketData md = synthetic(1, 300, 9);
  check_thrower_outcome(md, run_with_thrower(md, true));
}

// One instance per symbol; only the instance of `failing` throws (on bar 100). Both buy on bar
// 10. Driven per slice, the strategy stops at bar 100 with both positions closed there; driven in
// batches (any chunk size) it must stop at the same bar, whichever symbol's chunk failed first.
EngineResult run_two_symbol_thrower(const MarketData& md, bool use_batch, size_t failing, size_t chunk,
                                    bool prefetch = true) {
  static const Manifest thrower = manifest("thrower", 1);
  std::vector<StrategySetup> setups;
  setups.push_back(single_setup<Thrower>(&thrower, "thrower", 2,
                                         [failing](size_t i) {
                                           return std::string(R"({"buy_at": 10, "fail_at": )") +
                                                  (i == failing ? "100" : "-1") + "}";
                                         },
                                         costly(0.5)));
  EngineOptions opt;
  opt.use_batch = use_batch;
  opt.chunk = chunk;
  opt.prefetch_signals = prefetch;
  return run_engine(md, setups, opt);
}

TEST(Engine, ABatchFailureInOneSymbolStopsTheStrategyAtTheFailingBar) {
  const MarketData md = synthetic(2, 300, 13);
  for (size_t failing : {0u, 1u})
    for (size_t chunk : {4096u, 64u, 7u}) {
      SCOPED_TRACE("failing symbol " + std::to_string(failing) + ", chunk " + std::to_string(chunk));
      EngineResult slice = run_two_symbol_thrower(md, false, failing, chunk);
      EngineResult batch = run_two_symbol_thrower(md, true, failing, chunk);
      const StrategyOutcome& o = slice.outcomes[0];
      ASSERT_FALSE(o.failure.ok());
      ASSERT_EQ(o.equity.size(), 101u);
      ASSERT_EQ(o.account->closed().size(), 2u);
      for (const auto& t : o.account->closed()) EXPECT_EQ(t.exit_ms, md.series[t.symbol].ts_ms[100]);
      const StrategyOutcome& b = batch.outcomes[0];
      ASSERT_FALSE(b.failure.ok());
      EXPECT_NE(b.failure.message().find("exploded at bar 100"), std::string::npos) << b.failure.message();
      EXPECT_EQ(b.equity.size(), 101u) << "the batch-driven strategy stopped at another bar";
      expect_same_outcome(b, o);
    }
}

// ---- Multi-symbol strategies ----------------------------------------------------------------

TEST(Engine, MultiSymbolStrategyReceivesBothLegsInEachSlice) {
  g_pair = PairLog{};
  const MarketData md = synthetic(2, 200, 17);
  const Manifest m = manifest("pair", 2);
  ASSERT_EQ(m.symbols, 2);
  std::vector<StrategySetup> setups;
  StrategySetup s;
  s.manifest = &m;
  s.label = "pair@1.0.0";
  s.instances.push_back(table_instance<PairProbe>("pair", "{}"));
  ASSERT_FALSE(s.instances[0]->supports_batch());
  setups.push_back(std::move(s));
  EngineResult res = run_engine(md, setups, EngineOptions{});
  const StrategyOutcome& o = res.outcomes[0];
  ASSERT_TRUE(o.failure.ok()) << o.failure.message();
  ASSERT_EQ(g_pair.slice_ts.size(), 200u);
  EXPECT_EQ(o.bars, 200);
  for (size_t i = 0; i < 200; ++i) {
    EXPECT_EQ(g_pair.slice_ts[i], md.series[0].ts_ms[i]);
    ASSERT_EQ(g_pair.n_symbols[i], 2u);
    EXPECT_EQ(g_pair.has_bar[i], (std::vector<uint8_t>{1, 1})) << i;
    EXPECT_EQ(g_pair.bar_ts[i], (std::vector<int64_t>{md.series[0].ts_ms[i], md.series[1].ts_ms[i]})) << i;
  }
  EXPECT_FALSE(g_pair.future_bar);
  // Leg 1: bought on slice 5 (filled at its open on slice 6), sold on 15 (filled on 16).
  // Leg 0: bought on slice 20, held to the end.
  const auto& trades = o.account->closed();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].symbol, 1u);
  EXPECT_EQ(trades[0].entry_ms, md.series[1].ts_ms[6]);
  EXPECT_EQ(trades[0].entry_price, md.series[1].open[6]);
  EXPECT_EQ(trades[0].exit_ms, md.series[1].ts_ms[16]);
  EXPECT_EQ(trades[0].exit_price, md.series[1].open[16]);
  EXPECT_EQ(trades[1].symbol, 0u);
  EXPECT_EQ(trades[1].entry_price, md.series[0].open[21]);
  EXPECT_EQ(trades[1].exit_reason, "end_of_data");
  EXPECT_EQ(trades[1].exit_price, md.series[0].close.back());
}

TEST(Engine, MultiSymbolSlicesNeverCarryAFutureBar) {
  g_pair = PairLog{};
  MarketData md;
  md.series.resize(2);
  md.series[0].symbol = "A";
  md.series[1].symbol = "B";
  const int64_t t0 = 1'700'000'000'000, d = 86'400'000;
  for (int i = 0; i < 30; ++i) {
    md.series[0].push({t0 + i * d, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1});
    if (i % 4 != 2) md.series[1].push({t0 + i * d, 20.0 + i, 21.0 + i, 19.0 + i, 20.5 + i, 1});
  }
  const Manifest m = manifest("pair", 2);
  std::vector<StrategySetup> setups;
  StrategySetup s;
  s.manifest = &m;
  s.label = "pair@1.0.0";
  s.instances.push_back(table_instance<PairProbe>("pair", "{}"));
  setups.push_back(std::move(s));
  EngineResult res = run_engine(md, setups, EngineOptions{});
  ASSERT_TRUE(res.outcomes[0].failure.ok());
  ASSERT_EQ(g_pair.slice_ts.size(), 30u);
  EXPECT_FALSE(g_pair.future_bar);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(g_pair.has_bar[i][1], i % 4 != 2 ? 1 : 0) << i;
    // A missing bar repeats B's previous bar, one day earlier.
    if (i % 4 == 2) {
      EXPECT_EQ(g_pair.bar_ts[i][1], t0 + (i - 1) * d) << i;
    }
  }
}

// ---- Signal sharing (StrategySetup::signals_from: MEM's shadow base arm) ---------------------

// Vetoes every other actionable signal it is shown: the arm it enhances trades differently from
// the strategy's own signals.
class VetoEveryOther final : public EnhancementStage {
 public:
  void enhance(const StageInput&, ah_signal& signal, SignalNote&) override {
    if (n_++ % 2) signal.action = AH_HOLD;
  }

 private:
  int64_t n_ = 0;
};

// Setups: [0] RSI (allowed to short) through the veto stage, [1] the alternator, [2] RSI's base
// arm, the same strategy and parameters without a stage: its own instances, or (share) taking
// [0]'s raw signals.
EngineResult run_arms(const MarketData& md, bool share, bool use_batch, size_t chunk, bool prefetch = true) {
  g_logs.clear();
  static const Manifest rsi = manifest("rsi", 1, /*short_selling=*/true), alt = manifest("alternator", 1);
  const size_t n = md.series.size();
  BrokerConfig shorting = costly(1.0 / static_cast<double>(n));
  shorting.allow_short = true;
  VetoEveryOther veto;
  std::vector<StrategySetup> setups;
  setups.push_back(rsi_setup(&rsi, n, shorting));
  setups.back().stage = &veto;
  setups.push_back(single_setup<Alternator>(&alt, "alternator", n, [](size_t i) { return alternator_params(i, 9); },
                                            costly(1.0 / static_cast<double>(n))));
  StrategySetup base = rsi_setup(&rsi, n, shorting);
  base.label = "rsi@1.0.0 [base]";
  if (share) {
    base.instances.clear();
    base.signals_from = 0;
  }
  setups.push_back(std::move(base));
  EngineOptions opt;
  opt.use_batch = use_batch;
  opt.chunk = chunk;
  opt.prefetch_signals = prefetch;
  return run_engine(md, setups, opt);
}

// Symbol 1 skips every fifth bar: the general walk (slices), not the columns walk.
MarketData with_gaps(MarketData md) {
  BarSeries& s = md.series[1];
  BarSeries kept;
  kept.symbol = s.symbol;
  for (size_t i = 0; i < s.size(); ++i)
    if (i % 5 != 3) kept.push(s.bar(i));
  s = std::move(kept);
  return md;
}

TEST(Engine, ABaseArmTakingAnotherArmsSignalsTradesAsASeparatelyRunCopy) {
  struct Case {
    const char* name;
    MarketData md;
    bool use_batch;
    size_t chunk;
  };
  const Case cases[] = {{"one symbol, batches", synthetic(1, 4000, 31), true, 4096},
                        {"three aligned symbols, batches", synthetic(3, 3000, 32), true, 97},
                        {"three symbols with gaps, batches", with_gaps(synthetic(3, 3000, 33)), true, 97},
                        {"three symbols, per slice", synthetic(3, 3000, 34), false, 4096}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const EngineResult separate = run_arms(c.md, false, c.use_batch, c.chunk);
    const EngineResult shared = run_arms(c.md, true, c.use_batch, c.chunk);
    for (size_t k = 0; k < 3; ++k) {
      SCOPED_TRACE(separate.outcomes[k].label);
      ASSERT_TRUE(shared.outcomes[k].failure.ok()) << shared.outcomes[k].failure.message();
      expect_same_outcome(shared.outcomes[k], separate.outcomes[k]);
      EXPECT_EQ(shared.outcomes[k].bars, separate.outcomes[k].bars);
      EXPECT_EQ(shared.outcomes[k].metrics.to_json().dump(), separate.outcomes[k].metrics.to_json().dump());
    }
    // The vetoes change the enhanced arm's trades: the base arm takes the raw signals, not those.
    const auto &enhanced = shared.outcomes[0].account->closed(), &base = shared.outcomes[2].account->closed();
    ASSERT_GT(base.size(), 20u);
    EXPECT_NE(enhanced.size(), base.size());
  }
}

TEST(Engine, AMultiSymbolBaseArmTakingAnotherArmsSignalsTradesAsASeparatelyRunCopy) {
  const MarketData md = with_gaps(synthetic(2, 200, 35));
  const Manifest m = manifest("pair", 2);
  auto run = [&](bool share) {
    g_pair = PairLog{};
    std::vector<StrategySetup> setups(2);
    for (size_t k = 0; k < 2; ++k) {
      setups[k].manifest = &m;
      setups[k].label = k ? "pair [base]" : "pair";
      if (k == 0 || !share) setups[k].instances.push_back(table_instance<PairProbe>("pair", "{}"));
    }
    if (share) setups[1].signals_from = 0;
    return run_engine(md, setups, EngineOptions{});
  };
  const EngineResult separate = run(false), shared = run(true);
  ASSERT_EQ(separate.outcomes[1].account->closed().size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    ASSERT_TRUE(shared.outcomes[k].failure.ok()) << shared.outcomes[k].failure.message();
    expect_same_outcome(shared.outcomes[k], separate.outcomes[k]);
  }
}

// The source's strategy fails on symbol `failing`'s bar 100: the taker fails at the same bar with
// the same error, as a separately run copy does, in batches (any chunk) and per slice.
TEST(Engine, ABaseArmTakingAFailingArmsSignalsFailsAtTheSameBar) {
  const MarketData md = synthetic(2, 300, 13);
  static const Manifest thrower = manifest("thrower", 1);
  auto run = [&](bool share, bool use_batch, size_t failing, size_t chunk) {
    auto params = [failing](size_t i) {
      return std::string(R"({"buy_at": 10, "fail_at": )") + (i == failing ? "100" : "-1") + "}";
    };
    std::vector<StrategySetup> setups;
    setups.push_back(single_setup<Thrower>(&thrower, "thrower", 2, params, costly(0.5)));
    setups.push_back(single_setup<Thrower>(&thrower, "thrower", 2, params, costly(0.5)));
    setups.back().label = "thrower [base]";
    if (share) {
      setups.back().instances.clear();
      setups.back().signals_from = 0;
    }
    EngineOptions opt;
    opt.use_batch = use_batch;
    opt.chunk = chunk;
    return run_engine(md, setups, opt);
  };
  for (bool use_batch : {true, false})
    for (size_t failing : {0u, 1u})
      for (size_t chunk : {4096u, 7u}) {
        SCOPED_TRACE(std::string(use_batch ? "batches" : "per slice") + ", failing symbol " + std::to_string(failing) +
                     ", chunk " + std::to_string(chunk));
        const EngineResult separate = run(false, use_batch, failing, chunk), shared = run(true, use_batch, failing, chunk);
        const StrategyOutcome &a = shared.outcomes[1], &b = separate.outcomes[1];
        ASSERT_FALSE(b.failure.ok());
        ASSERT_FALSE(a.failure.ok());
        EXPECT_EQ(a.failure.message(), b.failure.message());
        EXPECT_EQ(a.equity.size(), 101u);
        expect_same_outcome(a, b);
        expect_same_outcome(shared.outcomes[0], separate.outcomes[0]);
      }
}

// The columns walk computes batch strategies' next chunks on a second thread (SignalPrefetcher):
// the same calls in the same order, so a run with it equals one without, failures included
// (chunks of 7 and 64 bars end before, at and after the failing bar 100 of one symbol).
TEST(Engine, SignalsComputedAheadOnASecondThreadGiveTheSameRun) {
  const MarketData md = synthetic(2, 300, 13);
  for (size_t failing : {0u, 1u})
    for (size_t chunk : {7u, 64u, 100u, 101u}) {
      SCOPED_TRACE("failing symbol " + std::to_string(failing) + ", chunk " + std::to_string(chunk));
      const EngineResult ahead = run_two_symbol_thrower(md, true, failing, chunk, true);
      const EngineResult inline_ = run_two_symbol_thrower(md, true, failing, chunk, false);
      ASSERT_FALSE(ahead.outcomes[0].failure.ok());
      EXPECT_EQ(ahead.outcomes[0].failure.message(), inline_.outcomes[0].failure.message());
      EXPECT_EQ(ahead.outcomes[0].equity.size(), 101u);
      expect_same_outcome(ahead.outcomes[0], inline_.outcomes[0]);
    }
  // Three strategies, one taking another's signals, through a stage that vetoes: every outcome.
  const MarketData three = synthetic(3, 5000, 36);
  for (size_t chunk : {97u, 4096u}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    const EngineResult ahead = run_arms(three, true, true, chunk, true);
    const EngineResult inline_ = run_arms(three, true, true, chunk, false);
    ASSERT_GT(ahead.outcomes[2].account->closed().size(), 20u);
    for (size_t k = 0; k < 3; ++k) {
      SCOPED_TRACE(ahead.outcomes[k].label);
      expect_same_outcome(ahead.outcomes[k], inline_.outcomes[k]);
      EXPECT_EQ(ahead.outcomes[k].metrics.to_json().dump(), inline_.outcomes[k].metrics.to_json().dump());
    }
  }
}

TEST(Engine, SignalsFromALaterSetupFailsThatSetupAlone) {
  g_logs.clear();
  const MarketData md = synthetic(1, 300, 9);
  const Manifest m = manifest("alternator", 1);
  std::vector<StrategySetup> setups;
  setups.push_back(single_setup<Alternator>(&m, "alternator", 1, [](size_t) { return alternator_params(0); }, costly(1)));
  setups.back().instances.clear();
  setups.back().signals_from = 1;
  setups.push_back(single_setup<Alternator>(&m, "alternator", 1, [](size_t) { return alternator_params(1); }, costly(1)));
  const EngineResult res = run_engine(md, setups, EngineOptions{});
  ASSERT_FALSE(res.outcomes[0].failure.ok());
  EXPECT_NE(res.outcomes[0].failure.message().find("signals_from 1"), std::string::npos) << res.outcomes[0].failure.message();
  EXPECT_TRUE(res.outcomes[0].account->closed().empty());
  ASSERT_TRUE(res.outcomes[1].failure.ok());
  EXPECT_GT(res.outcomes[1].account->closed().size(), 50u);
}

}  // namespace
}  // namespace algohost
