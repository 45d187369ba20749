// EngineCore, the slice-at-a-time engine the live host drives: the same trades as run_engine on
// the same bars (built-in strategies through in-process function tables, synthetic data aligned
// and not, examples/data/sample.csv, a multi-symbol strategy, a stage that reads the market
// context), hot swaps that process every slice exactly once, rollback during probation, canaries,
// adding and removing lanes mid-stream, and bad input refused without a change.
#include "host/engine/engine_core.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include <algohost/strategy.hpp>
#include <gtest/gtest.h>

#include "host/data/csv_reader.h"
#include "host/data/slice_aligner.h"
#include "host/data/synthetic.h"
#include "host/instance/table_instance.h"
#include "tests/engine/engine_test_util.h"
#include "tests/support/test_support.h"
#include "macd/macd_strategy.hpp"
#include "mfi/mfi_strategy.hpp"
#include "momentum/momentum_strategy.hpp"
#include "rsi/rsi_strategy.hpp"
#include "vwap/vwap_strategy.hpp"

namespace algohost {
namespace {

using algohost::testing::must;
using enginetest::table_instance;

Manifest manifest(const std::string& name, long long symbols, long long min_data_points = 0) {
  return enginetest::test_manifest(name, symbols, {{"min_data_points", min_data_points}});
}

// Multi-symbol (any number of legs): per leg, buys after a close 1% above the leg's previous close
// and sells after one 1% below; has no batch entry.
class LegFlipper final : public sdk::Strategy {
 public:
  explicit LegFlipper(const sdk::Params&) {}
  bool supports_batch() const override { return false; }
  void on_slice(const ah_slice& slice, sdk::Signals& out) override {
    prev_.resize(slice.n_symbols, 0.0);
    for (uint32_t i = 0; i < slice.n_symbols; ++i) {
      if (!slice.has_bar[i]) continue;
      const double c = slice.bars[i].close;
      if (prev_[i] > 0 && c > prev_[i] * 1.01) out.add(i).buy(0.7).size(0.3);
      if (prev_[i] > 0 && c < prev_[i] * 0.99) out.add(i).sell(0.7);
      prev_[i] = c;
    }
  }

 private:
  std::vector<double> prev_;
};

// A built-in strategy: its manifest and how to make one instance.
struct Kind {
  const char* name;
  const Manifest* manifest;
  std::unique_ptr<StrategyInstance> (*make)();
};

const Manifest& manifest_of(const char* name) {
  static std::map<std::string, Manifest> all = {
      {"rsi", manifest("rsi", 1, 15)},         {"momentum", manifest("momentum", 1, 21)},
      {"macd", manifest("macd", 1, 34)},       {"mfi", manifest("mfi", 1, 15)},
      {"vwap", manifest("vwap", 1, 20)},       {"legs", manifest("legs", 0, 2)},
  };
  return all.at(name);
}

std::vector<Kind> builtins() {
  return {
      {"rsi", &manifest_of("rsi"),
       [] { return table_instance<plugins::RsiStrategy>("rsi", R"({"period": 14, "oversold": 30, "overbought": 70})"); }},
      {"momentum", &manifest_of("momentum"),
       [] { return table_instance<plugins::MomentumStrategy>("momentum", R"({"lookback": 20, "threshold": 0.02})"); }},
      {"macd", &manifest_of("macd"),
       [] { return table_instance<plugins::MacdStrategy>("macd", R"({"fast": 12, "slow": 26, "signal": 9})"); }},
      {"mfi", &manifest_of("mfi"),
       [] { return table_instance<plugins::MfiStrategy>("mfi", R"({"period": 14, "oversold": 20, "overbought": 80})"); }},
      {"vwap", &manifest_of("vwap"),
       [] {
         return table_instance<plugins::VwapStrategy>("vwap",
                                             R"({"mode": "rolling", "price": "typical", "window": 20, "band_pct": 0.01})");
       }},
  };
}

Kind legs_kind() {
  return {"legs", &manifest_of("legs"), [] { return table_instance<LegFlipper>("legs", "{}"); }};
}

// Reads the market context and acts on it: sizes by volatility, vetoes some entries in volatile
// markets, notes the regime. Trades then depend on every context read being exact.
class ContextStage final : public EnhancementStage {
 public:
  void enhance(const StageInput& in, ah_signal& sig, SignalNote& note) override {
    ++calls;
    if (!in.context || !in.bar) return;
    const ContextReading& c = *in.context;
    if (c.ready && std::string(c.regime) == "volatile" && sig.confidence < 0.6 && in.account->quantity(in.symbol) == 0)
      sig.action = AH_HOLD;
    sig.position_size = std::clamp(0.2 + c.volatility + 0.05 * c.volume_ratio, 0.1, 1.0);
    note.enhanced = true;
    note.reasoning = c.regime;
  }
  int64_t calls = 0;
};

BrokerConfig costly() {
  BrokerConfig b;
  b.capital = 100'000;
  b.slippage_bps = 5;
  b.commission_per_trade = 1;
  b.commission_bps = 2;
  b.default_size = 0.5;
  return b;
}

MarketData synthetic(int symbols, int64_t bars, uint64_t seed) {
  SyntheticSpec spec;
  spec.symbols = symbols;
  spec.bars = bars;
  spec.seed = seed;
  return generate_synthetic(spec);
}

// The same data with holes: every 7th bar of the second symbol and a run of the third's missing.
MarketData with_holes(MarketData md) {
  auto drop = [](BarSeries& s, auto keep) {
    BarSeries out;
    out.symbol = s.symbol;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!keep(i)) continue;
      out.push(s.bar(i));
      if (!s.carry.empty()) out.carry.push_back(s.carry[i]);
    }
    s = std::move(out);
  };
  drop(md.series[1], [](size_t i) { return i % 7 != 3; });
  drop(md.series[2], [](size_t i) { return i < 400 || i >= 460; });
  return md;
}

std::vector<std::string> names_of(const MarketData& md) {
  std::vector<std::string> names;
  for (const auto& s : md.series) names.push_back(s.symbol);
  return names;
}

// Calls f(index, slice) for every slice of the data, in time order.
template <class F>
void for_each_slice(const MarketData& md, F&& f) {
  std::vector<const BarSeries*> all;
  for (const auto& s : md.series) all.push_back(&s);
  SliceAligner aligner(all);
  size_t i = 0;
  while (aligner.next()) f(i++, aligner.slice());
}

std::vector<int64_t> all_timestamps(const MarketData& md) {
  std::vector<int64_t> ts;
  for_each_slice(md, [&](size_t, const ah_slice& s) { ts.push_back(s.ts_ms); });
  return ts;
}

// ---- Comparisons ----------------------------------------------------------------------------

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
  EXPECT_EQ(a.stop_loss, b.stop_loss) << i;
  EXPECT_EQ(a.take_profit, b.take_profit) << i;
  EXPECT_EQ(a.commission, b.commission) << i;
  EXPECT_EQ(a.slippage_cost, b.slippage_cost) << i;
  EXPECT_EQ(a.action, b.action) << i;
  EXPECT_EQ(a.confidence, b.confidence) << i;
  EXPECT_EQ(a.exit_reason, b.exit_reason) << i;
  EXPECT_EQ(a.entry_context.volatility, b.entry_context.volatility) << i;
  EXPECT_EQ(a.entry_context.volume_ratio, b.entry_context.volume_ratio) << i;
  EXPECT_EQ(a.entry_context.window_return, b.entry_context.window_return) << i;
  EXPECT_EQ(std::string(a.entry_context.regime), std::string(b.entry_context.regime)) << i;
  EXPECT_EQ(a.was_enhanced, b.was_enhanced) << i;
  EXPECT_EQ(a.mem_reasoning, b.mem_reasoning) << i;
}

void expect_same_trades(const std::vector<ClosedTrade>& a, const std::vector<ClosedTrade>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expect_same_trade(a[i], b[i], i);
}

void expect_same_outcome(const StrategyOutcome& core, const StrategyOutcome& batch) {
  SCOPED_TRACE(batch.label);
  EXPECT_TRUE(core.failure.ok()) << core.failure.message();
  expect_same_trades(core.account->closed(), batch.account->closed());
  EXPECT_EQ(core.account->equity(), batch.account->equity());
  ASSERT_EQ(core.equity.size(), batch.equity.size());
  for (size_t i = 0; i < core.equity.size(); ++i) {
    ASSERT_EQ(core.equity[i].ts_ms, batch.equity[i].ts_ms) << i;
    ASSERT_EQ(core.equity[i].equity, batch.equity[i].equity) << i;
  }
  EXPECT_EQ(core.signals, batch.signals);
  EXPECT_EQ(core.bars, batch.bars);
  EXPECT_EQ(core.bars_in_market, batch.bars_in_market);
  EXPECT_EQ(core.metrics.to_json().dump(), batch.metrics.to_json().dump());
}

// ---- Drivers --------------------------------------------------------------------------------

using Sunk = std::vector<std::pair<size_t, ClosedTrade>>;

struct BatchRun {
  EngineResult result;
  Sunk sunk;
};

// run_engine (use_batch = true) over the data, one setup per kind, each with `stage` if given.
BatchRun run_batch(const MarketData& md, const std::vector<Kind>& kinds, EnhancementStage* stage = nullptr) {
  std::vector<StrategySetup> setups;
  for (const Kind& k : kinds) {
    StrategySetup s;
    s.manifest = k.manifest;
    s.label = std::string(k.name) + "@1.0.0";
    s.broker = costly();
    s.stage = stage;
    const size_t n = k.manifest->symbols == 1 ? md.series.size() : 1;
    for (size_t i = 0; i < n; ++i) s.instances.push_back(k.make());
    setups.push_back(std::move(s));
  }
  EngineOptions opt;
  opt.use_batch = true;
  BatchRun run;
  run.result = run_engine(md, setups, opt, [&](size_t k, const std::vector<ClosedTrade>& trades) {
    for (const auto& t : trades) run.sunk.emplace_back(k, t);
  });
  return run;
}

LaneSpec spec_of(const Kind& k, size_t n_symbols, EnhancementStage* stage = nullptr, std::vector<uint32_t> symbols = {},
                 const std::string& version = "1.0.0") {
  LaneSpec s;
  s.manifest = k.manifest;
  s.label = std::string(k.name) + "@" + version;
  s.version = version;
  s.symbols = std::move(symbols);
  s.broker = costly();
  s.stage = stage;
  const size_t n = k.manifest->symbols == 1 ? (s.symbols.empty() ? n_symbols : s.symbols.size()) : 1;
  for (size_t i = 0; i < n; ++i) s.instances.push_back(k.make());
  return s;
}

struct CoreRun {
  std::vector<StrategyOutcome> outcomes;  // per lane, in the order added
  Sunk sunk;                              // (lane id, trade)
  std::vector<CoreEvent> events;
  std::vector<LaneId> ids;
};

// EngineCore over the data slice by slice, one lane per kind from the start; every lane removed at
// the end (its outcome).
CoreRun run_core(const MarketData& md, const std::vector<Kind>& kinds, EnhancementStage* stage = nullptr,
                 size_t history_bars = 0) {
  CoreRun run;
  EngineCore core(
      names_of(md), EngineOptions{},
      [&](size_t k, const std::vector<ClosedTrade>& trades) {
        for (const auto& t : trades) run.sunk.emplace_back(k, t);
      },
      [&](const CoreEvent& e) { run.events.push_back(e); }, history_bars);
  for (const Kind& k : kinds) run.ids.push_back(must(core.add(spec_of(k, md.series.size(), stage))));
  for_each_slice(md, [&](size_t, const ah_slice& s) { EXPECT_TRUE(core.step(s).ok()); });
  for (LaneId id : run.ids) run.outcomes.push_back(must(core.remove(id)));
  return run;
}


// ---- 1. The same trades as run_engine -------------------------------------------------------

void expect_core_equals_batch(const MarketData& md, const std::vector<Kind>& kinds, bool with_stage,
                              size_t history_bars, size_t min_trades = 5) {
  ContextStage batch_stage, core_stage;
  BatchRun batch = run_batch(md, kinds, with_stage ? &batch_stage : nullptr);
  CoreRun core = run_core(md, kinds, with_stage ? &core_stage : nullptr, history_bars);
  ASSERT_EQ(core.outcomes.size(), batch.result.outcomes.size());
  for (size_t k = 0; k < kinds.size(); ++k) {
    EXPECT_GE(batch.result.outcomes[k].account->closed().size(), min_trades) << kinds[k].name << " hardly trades here";
    expect_same_outcome(core.outcomes[k], batch.result.outcomes[k]);
  }
  // The sink: the same trades in the same order, each lane's under its LaneId.
  ASSERT_EQ(core.sunk.size(), batch.sunk.size());
  for (size_t i = 0; i < core.sunk.size(); ++i) {
    EXPECT_EQ(core.sunk[i].first, core.ids[batch.sunk[i].first]) << i;
    expect_same_trade(core.sunk[i].second, batch.sunk[i].second, i);
  }
  if (with_stage) {
    EXPECT_GT(batch_stage.calls, 0);
    EXPECT_EQ(core_stage.calls, batch_stage.calls);
  }
  EXPECT_TRUE(core.events.empty());
}

TEST(EngineCore, GivesRunEnginesTradesOnSyntheticData) {
  expect_core_equals_batch(synthetic(3, 3000, 11), builtins(), false, 4096);
}

// A history of the minimum length: it is trimmed many times, and every context read on it still
// equals the one on the whole series.
TEST(EngineCore, GivesRunEnginesTradesThroughAStageThatReadsTheContextOnAShortHistory) {
  expect_core_equals_batch(synthetic(3, 3000, 13), builtins(), true, 1);
}

TEST(EngineCore, GivesRunEnginesTradesWhenSymbolsMissBars) {
  const MarketData md = with_holes(synthetic(3, 3000, 17));
  ASSERT_FALSE(md.aligned());
  auto kinds = builtins();
  kinds.push_back(legs_kind());
  expect_core_equals_batch(md, kinds, false, 1);
  expect_core_equals_batch(md, kinds, true, 1);
}

TEST(EngineCore, GivesRunEnginesTradesOnTheSampleCsv) {
  const MarketData md = must(read_market_data(ALGOHOST_SAMPLE_CSV, CsvOptions{}));
  ASSERT_GE(md.series.size(), 2u);
  std::vector<Kind> kinds = {builtins()[0], builtins()[1], legs_kind()};  // rsi, momentum, a multi-symbol one
  expect_core_equals_batch(md, kinds, false, 4096, 3);
  expect_core_equals_batch(md, kinds, true, 1, 3);
}

// A lane on symbols {2, 0} of three trades as run_engine on the data of those two symbols (its
// trades name the core's symbol indexes).
TEST(EngineCore, ALaneOnSomeSymbolsTradesAsRunEngineOnThoseSymbols) {
  const MarketData md = with_holes(synthetic(3, 2000, 19));
  MarketData two;
  two.series = {md.series[0], md.series[2]};
  for (const Kind& kind : {builtins()[1], legs_kind()}) {
    SCOPED_TRACE(kind.name);
    // Instance (or slot) k of the lane is symbol {2, 0}[k]; run_engine's is {0, 2}[k].
    BatchRun batch = run_batch(two, {kind});
    EngineCore core(names_of(md), EngineOptions{}, nullptr);
    const LaneId id = must(core.add(spec_of(kind, 3, nullptr, {2, 0})));
    for_each_slice(md, [&](size_t, const ah_slice& s) { ASSERT_TRUE(core.step(s).ok()); });
    StrategyOutcome out = must(core.remove(id));
    std::vector<ClosedTrade> expected = batch.result.outcomes[0].account->closed();
    ASSERT_GT(expected.size(), 5u);
    for (auto& t : expected) t.symbol = t.symbol == 0 ? 0 : 2;
    expect_same_trades(out.account->closed(), expected);
    EXPECT_EQ(out.account->equity(), batch.result.outcomes[0].account->equity());
    EXPECT_EQ(out.metrics.to_json().dump(), batch.result.outcomes[0].metrics.to_json().dump());
  }
}

TEST(EngineCore, KeepsABoundedHistoryOfTheLatestBars) {
  const MarketData md = synthetic(2, 3000, 3);
  EngineCore core(names_of(md), EngineOptions{}, nullptr, nullptr, 300);
  for_each_slice(md, [&](size_t, const ah_slice& s) { ASSERT_TRUE(core.step(s).ok()); });
  EXPECT_EQ(core.slices(), 3000);
  EXPECT_EQ(core.bars(), 6000);
  for (uint32_t s = 0; s < 2; ++s) {
    const BarSeries& h = core.history(s);
    ASSERT_GE(h.size(), 300u);
    ASSERT_LE(h.size(), 600u);
    const size_t off = md.series[s].size() - h.size();
    for (size_t i = 0; i < h.size(); ++i) {
      ASSERT_EQ(h.ts_ms[i], md.series[s].ts_ms[off + i]);
      ASSERT_EQ(h.close[i], md.series[s].close[off + i]);
    }
  }
  EXPECT_TRUE(core.history(7).empty());
}

// ---- Instrumented instances -----------------------------------------------------------------

// What one wrapped instance saw.
struct Log {
  std::vector<int64_t> seen;                // on_slice timestamps, in call order
  std::vector<std::string> from_versions;   // import_state_from's from_version
};

// Wraps a real instance and records its calls; optionally cannot export or import, or fails on its
// n-th on_slice call.
class Counting final : public StrategyInstance {
 public:
  Counting(std::unique_ptr<StrategyInstance> inner, std::shared_ptr<Log> log, bool exportable, int fail_on_call = 0)
      : inner_(std::move(inner)), log_(std::move(log)), exportable_(exportable), fail_on_call_(fail_on_call) {}
  const std::string& label() const override { return inner_->label(); }
  const std::vector<std::string>& diagnostics() const override { return inner_->diagnostics(); }
  bool supports_batch() const override { return false; }
  Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) override {
    log_->seen.push_back(slice.ts_ms);
    if (failed()) return failure();
    if (++calls_ == fail_on_call_) {
      out.clear();
      return fail(Status::PluginError(label() + ": boom on call " + std::to_string(calls_)));
    }
    return pass(inner_->on_slice(slice, out));
  }
  Status on_batch(const ah_series&, ah_signal*, uint64_t*) override { return Status::Unsupported("no batch"); }
  Result<std::string> export_state() override {
    if (!exportable_) return Status::Unsupported(label() + ": no export_state");
    return inner_->export_state();
  }
  Status import_state(std::string_view state) override {
    if (!exportable_) return Status::Unsupported(label() + ": no import_state");
    return pass(inner_->import_state(state));
  }
  Status import_state_from(std::string_view state, const std::string& from_version) override {
    log_->from_versions.push_back(from_version);
    if (!exportable_) return Status::Unsupported(label() + ": no import_state");
    return pass(inner_->import_state_from(state, from_version));
  }

 private:
  Status pass(Status st) { return st.ok() ? st : fail(std::move(st)); }
  std::unique_ptr<StrategyInstance> inner_;
  std::shared_ptr<Log> log_;
  bool exportable_;
  int fail_on_call_, calls_ = 0;
};

// One version's instances (one per symbol), wrapped, with their logs.
struct Generation {
  std::string version;
  std::vector<std::shared_ptr<Log>> logs;
};

LaneSpec counted_spec(const Kind& kind, size_t n_symbols, const std::string& version, bool exportable,
                      Generation* gen, int fail_on_call = 0, size_t failing_instance = 1) {
  LaneSpec s = spec_of(kind, n_symbols, nullptr, {}, version);
  gen->version = version;
  for (size_t k = 0; k < s.instances.size(); ++k) {
    gen->logs.push_back(std::make_shared<Log>());
    s.instances[k] = std::make_unique<Counting>(std::move(s.instances[k]), gen->logs.back(), exportable,
                                                k == failing_instance ? fail_on_call : 0);
  }
  return s;
}

// The timestamps in `seen` after `after` (the live ones), and those at or before it (a warm-up).
std::vector<int64_t> after(const std::vector<int64_t>& seen, int64_t ts) {
  std::vector<int64_t> out;
  for (int64_t t : seen)
    if (t > ts) out.push_back(t);
  return out;
}
std::vector<int64_t> up_to(const std::vector<int64_t>& seen, int64_t ts) {
  std::vector<int64_t> out;
  for (int64_t t : seen)
    if (t <= ts) out.push_back(t);
  return out;
}

// ---- 2. Swaps -------------------------------------------------------------------------------

struct SwapRun {
  std::vector<ClosedTrade> trades;
  double equity = 0;
  std::vector<Generation> gens;
  std::vector<size_t> swap_at;  // per generation: the slice index after which it took over (gen 0: none)
  std::vector<CoreEvent> events;
  Sunk sunk;
  LaneStats stats;
  size_t retired = 0;
  std::vector<std::string> statuses;  // the lane's status after each slice
};

// Momentum on every symbol through wrapped instances; after every `every` slices (up to `swaps`
// times) a swap to a new generation, versions alternating 1.0.0 / 1.0.1.
SwapRun run_swaps(const MarketData& md, int swaps, size_t every, bool exportable, SwapOptions opt) {
  const Kind kind = builtins()[1];
  SwapRun run;
  EngineCore core(
      names_of(md), EngineOptions{},
      [&](size_t k, const std::vector<ClosedTrade>& trades) {
        for (const auto& t : trades) run.sunk.emplace_back(k, t);
      },
      [&](const CoreEvent& e) { run.events.push_back(e); });
  const size_t n = md.series.size();
  run.gens.emplace_back();
  run.swap_at.push_back(SIZE_MAX);
  const LaneId id = must(core.add(counted_spec(kind, n, "1.0.0", exportable, &run.gens.back())));
  int done = 0;
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    run.statuses.push_back(must(core.stats(id)).status);
    if ((i + 1) % every == 0 && done < swaps) {
      Generation g;
      LaneSpec next = counted_spec(kind, n, done % 2 ? "1.0.0" : "1.0.1", exportable, &g);
      ASSERT_TRUE(core.begin_swap(id, std::move(next), opt).ok());
      run.gens.push_back(std::move(g));
      run.swap_at.push_back(i);
      ++done;
    }
    run.retired += core.take_retired().size();  // as the host does, off the bar path
  });
  run.stats = must(core.stats(id));
  StrategyOutcome out = must(core.remove(id));
  run.retired += core.take_retired().size();
  run.trades = out.account->closed();
  run.equity = out.account->equity();
  return run;
}

SwapOptions no_probation(size_t warmup_bars = 0) {
  SwapOptions o;
  o.probation_slices = 0;
  o.warmup_bars = warmup_bars;
  return o;
}

// Each slice went to exactly one generation: per symbol, the generations' live timestamps (after
// their swap, up to the next swap), in order, are the symbol's timestamps, once each.
void expect_each_slice_once(const SwapRun& run, const std::vector<int64_t>& ts, size_t n_symbols) {
  for (size_t k = 0; k < n_symbols; ++k) {
    std::vector<int64_t> live;
    for (size_t g = 0; g < run.gens.size(); ++g) {
      const int64_t from = g == 0 ? INT64_MIN : ts[run.swap_at[g]];
      const auto mine = after(run.gens[g].logs[k]->seen, from);
      if (g + 1 < run.gens.size()) {
        ASSERT_FALSE(mine.empty());
        EXPECT_EQ(mine.back(), ts[run.swap_at[g + 1]]) << "generation " << g << " ran up to its successor's swap";
      }
      live.insert(live.end(), mine.begin(), mine.end());
    }
    EXPECT_EQ(live, ts) << "symbol " << k << ": a slice skipped or processed twice";
  }
}

TEST(EngineCore, SwappingAHundredTimesWithStateHandedOverProcessesEverySliceOnceAndKeepsTheTrades) {
  const MarketData md = synthetic(3, 3000, 41);
  const auto ts = all_timestamps(md);
  const SwapRun base = run_swaps(md, 0, 25, true, no_probation());
  ASSERT_GT(base.trades.size(), 20u);
  const SwapRun run = run_swaps(md, 100, 25, true, no_probation());
  ASSERT_EQ(run.gens.size(), 101u);
  expect_each_slice_once(run, ts, 3);
  for (size_t g = 1; g < run.gens.size(); ++g)
    for (const auto& log : run.gens[g].logs) {
      EXPECT_TRUE(up_to(log->seen, ts[run.swap_at[g]]).empty()) << "state was imported: no warm-up";
      EXPECT_EQ(log->from_versions, std::vector<std::string>{run.gens[g - 1].version})
          << "the importer is told which version wrote the state";
    }
  expect_same_trades(run.trades, base.trades);
  EXPECT_EQ(run.equity, base.equity);
  ASSERT_EQ(run.events.size(), 100u);
  for (const auto& e : run.events) {
    EXPECT_EQ(e.kind, "swap");
    EXPECT_TRUE(e.ok);
    EXPECT_EQ(e.detail, "imported");
  }
  EXPECT_EQ(run.events[0].from, "momentum@1.0.0");
  EXPECT_EQ(run.events[0].to, "momentum@1.0.1");
  EXPECT_EQ(run.events[0].ts_ms, ts[24]);
  EXPECT_EQ(run.stats.errors, 0u);
  EXPECT_EQ(run.stats.status, "running");
  EXPECT_EQ(run.stats.slices, 3000);
  EXPECT_EQ(run.retired, 3u * 101u);  // every generation's instances, the last one's at removal
  ASSERT_EQ(run.sunk.size(), run.trades.size());
}

// Without export the new instances replay the last min_data_points bars (21, the lookback of 20
// plus one): enough for momentum to continue exactly; 5 bars are not.
TEST(EngineCore, SwappingWithoutExportWarmsUpOnTheDeclaredBarsAndThenKeepsTheTrades) {
  const MarketData md = synthetic(3, 3000, 43);
  const auto ts = all_timestamps(md);
  const SwapRun base = run_swaps(md, 0, 25, false, no_probation());
  const SwapRun run = run_swaps(md, 100, 25, false, no_probation());
  expect_each_slice_once(run, ts, 3);
  for (size_t g = 1; g < run.gens.size(); ++g) {
    const size_t at = run.swap_at[g];
    const std::vector<int64_t> expected(ts.begin() + static_cast<std::ptrdiff_t>(at) - 20,
                                        ts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    for (const auto& log : run.gens[g].logs)
      EXPECT_EQ(up_to(log->seen, ts[at]), expected) << "generation " << g << " warmed up on the last 21 bars";
  }
  expect_same_trades(run.trades, base.trades);
  EXPECT_EQ(run.equity, base.equity);
  ASSERT_EQ(run.events.size(), 100u);
  EXPECT_EQ(run.events[0].detail.rfind("warmed up on 21 bars", 0), 0u) << run.events[0].detail;

  const SwapRun short_warmup = run_swaps(md, 100, 25, false, no_probation(5));
  EXPECT_EQ(short_warmup.events[0].detail.rfind("warmed up on 5 bars", 0), 0u) << short_warmup.events[0].detail;
  EXPECT_NE(short_warmup.trades.size(), base.trades.size()) << "a warm-up shorter than the lookback loses signals";
}

// With probation the old generation goes on seeing the next three slices (its signals discarded);
// the trades are those of the run without swaps, and the old instances are retired afterwards.
TEST(EngineCore, SwappingWithProbationFeedsTheOldVersionForThoseSlicesOnly) {
  const MarketData md = synthetic(3, 2000, 47);
  const auto ts = all_timestamps(md);
  SwapOptions opt;
  opt.probation_slices = 3;
  const SwapRun base = run_swaps(md, 0, 10, true, opt);
  const SwapRun run = run_swaps(md, 100, 10, true, opt);
  expect_same_trades(run.trades, base.trades);
  EXPECT_EQ(run.equity, base.equity);
  for (size_t g = 0; g < run.gens.size(); ++g) {
    const size_t first = g == 0 ? 0 : run.swap_at[g] + 1;
    const size_t last = g + 1 < run.gens.size() ? run.swap_at[g + 1] + 3 : ts.size() - 1;
    const std::vector<int64_t> expected(ts.begin() + static_cast<std::ptrdiff_t>(first),
                                        ts.begin() + static_cast<std::ptrdiff_t>(last) + 1);
    for (const auto& log : run.gens[g].logs) EXPECT_EQ(log->seen, expected) << "generation " << g;
  }
  // Probation for the three slices after each swap, then running again.
  EXPECT_EQ(run.statuses[9], "running");
  EXPECT_EQ(run.statuses[10], "probation");
  EXPECT_EQ(run.statuses[11], "probation");
  EXPECT_EQ(run.statuses[12], "running");
  EXPECT_EQ(run.stats.errors, 0u);
  EXPECT_EQ(run.retired, 3u * 101u);
}

// ---- 3. Rollback ----------------------------------------------------------------------------

struct RollbackRun {
  SwapRun run;
  Generation old_gen, new_gen;
  StrategyOutcome outcome;
  size_t retired_after_rollback = 0;
  int64_t other_lane_slices = 0;
};

// Momentum on 3 symbols; after slice `swap_after` a swap to a version whose instance 1 fails on
// its `fail_on_call`-th call. A second lane (rsi) runs beside it.
RollbackRun run_rollback(const MarketData& md, size_t swap_after, int fail_on_call, int probation) {
  const Kind kind = builtins()[1];
  RollbackRun r;
  EngineCore core(names_of(md), EngineOptions{}, nullptr, [&](const CoreEvent& e) { r.run.events.push_back(e); });
  const LaneId id = must(core.add(counted_spec(kind, 3, "1.0.0", true, &r.old_gen)));
  const LaneId other = must(core.add(spec_of(builtins()[0], 3)));
  SwapOptions opt;
  opt.probation_slices = probation;
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    if (i == swap_after) {
      ASSERT_TRUE(core.begin_swap(id, counted_spec(kind, 3, "2.0.0", true, &r.new_gen, fail_on_call), opt).ok());
    }
    if (i == swap_after + 5) r.retired_after_rollback = core.take_retired().size();
  });
  r.run.stats = must(core.stats(id));
  r.other_lane_slices = must(core.stats(other)).slices;
  r.outcome = must(core.remove(id));
  return r;
}

TEST(EngineCore, ANewVersionFailingOnItsFirstCallRollsBackAndTheOldOneContinues) {
  const MarketData md = synthetic(3, 1500, 53);
  const auto ts = all_timestamps(md);
  const SwapRun base = run_swaps(md, 0, 10, true, no_probation());
  for (int fail_on_call : {1, 2}) {
    SCOPED_TRACE("fails on call " + std::to_string(fail_on_call));
    RollbackRun r = run_rollback(md, 500, fail_on_call, 3);
    const size_t failing_slice = 500 + static_cast<size_t>(fail_on_call);
    ASSERT_EQ(r.run.events.size(), 2u);
    EXPECT_EQ(r.run.events[0].kind, "swap");
    EXPECT_EQ(r.run.events[1].kind, "rollback");
    EXPECT_TRUE(r.run.events[1].ok);
    EXPECT_EQ(r.run.events[1].from, "momentum@2.0.0");
    EXPECT_EQ(r.run.events[1].to, "momentum@1.0.0");
    EXPECT_NE(r.run.events[1].detail.find("boom"), std::string::npos) << r.run.events[1].detail;
    EXPECT_EQ(r.run.events[1].ts_ms, ts[failing_slice]);
    EXPECT_EQ(r.run.stats.status, "running");
    EXPECT_EQ(r.run.stats.label, "momentum@1.0.0");
    EXPECT_EQ(r.run.stats.errors, 1u);
    EXPECT_NE(r.run.stats.last_error.find("boom"), std::string::npos);
    EXPECT_EQ(r.run.stats.slices, 1500);
    EXPECT_TRUE(r.outcome.failure.ok());
    // The old version saw every slice exactly once: in the background during the probation, then
    // as the lane's again. The new one saw none after the failing slice.
    for (const auto& log : r.old_gen.logs) EXPECT_EQ(log->seen, ts);
    for (const auto& log : r.new_gen.logs) EXPECT_TRUE(after(log->seen, ts[failing_slice]).empty());
    EXPECT_EQ(r.retired_after_rollback, 3u) << "the failed version's instances are retired";
    expect_same_trades(r.outcome.account->closed(), base.trades);
    EXPECT_EQ(r.outcome.account->equity(), base.equity);
    EXPECT_EQ(r.other_lane_slices, 1500);
  }
}

// Without probation there is no old version to go back to: the lane stops like any failing lane;
// the other lane goes on.
TEST(EngineCore, ANewVersionFailingWithoutProbationStopsTheLane) {
  const MarketData md = synthetic(3, 1000, 59);
  const auto ts = all_timestamps(md);
  RollbackRun r = run_rollback(md, 500, 1, 0);
  ASSERT_EQ(r.run.events.size(), 2u);
  EXPECT_EQ(r.run.events[1].kind, "failure");
  EXPECT_FALSE(r.run.events[1].ok);
  EXPECT_EQ(r.run.events[1].ts_ms, ts[501]);
  EXPECT_EQ(r.run.stats.status, "failed");
  EXPECT_EQ(r.run.stats.errors, 1u);
  EXPECT_EQ(r.run.stats.slices, 502);
  EXPECT_FALSE(r.outcome.failure.ok());
  EXPECT_EQ(r.other_lane_slices, 1000);
}

// A swap whose new version can neither import nor warm up (it fails during the warm-up) is refused
// before the switch: the old version runs on as if nothing happened.
TEST(EngineCore, ASwapFailingBeforeTheSwitchLeavesTheOldVersionRunning) {
  const MarketData md = synthetic(3, 1000, 79);
  const SwapRun base = run_swaps(md, 0, 10, true, no_probation());
  std::vector<CoreEvent> events;
  EngineCore core(names_of(md), EngineOptions{}, nullptr, [&](const CoreEvent& e) { events.push_back(e); });
  Generation old_gen, new_gen;
  const LaneId id = must(core.add(counted_spec(builtins()[1], 3, "1.0.0", true, &old_gen)));
  Status swap;
  size_t retired = 0;
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    if (i == 400) {
      swap = core.begin_swap(id, counted_spec(builtins()[1], 3, "2.0.0", false, &new_gen, 3));
      retired = core.take_retired().size();
    }
  });
  EXPECT_EQ(swap.code(), StatusCode::kPluginError) << swap.to_string();
  EXPECT_NE(swap.message().find("boom"), std::string::npos);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "swap");
  EXPECT_FALSE(events[0].ok);
  EXPECT_EQ(retired, 3u) << "the refused instances are handed back for destruction";
  const LaneStats st = must(core.stats(id));
  EXPECT_EQ(st.label, "momentum@1.0.0");
  EXPECT_EQ(st.status, "running");
  for (const auto& log : old_gen.logs) EXPECT_EQ(log->seen, all_timestamps(md));
  expect_same_trades(must(core.remove(id)).account->closed(), base.trades);
}

// ---- 4. Canary ------------------------------------------------------------------------------

struct CanaryRun {
  std::vector<ClosedTrade> trades;
  Sunk sunk;
  LaneId id = 0;
  std::vector<CoreEvent> events;
  Generation lane_gen, canary_gen;
  LaneStats during, end;
  const Manifest* manifest_at_end = nullptr;
  size_t retired_at_end_action = 0;
  // The canary's window as canary() gave it after slice 1999 (copied out of the core), the lane's
  // equity when the canary began, and the trades begin_canary's own sink was given.
  CanaryView window;
  std::vector<metrics::EquityPoint> lane_window, canary_window;
  size_t canary_closed_in_window = 0;
  double lane_equity_at_start = 0;
  Sunk canary_sunk;
  std::vector<metrics::EquityPoint> lane_daily;  // the lane's own daily curve over the whole run
};

// Momentum on 3 symbols; a MACD canary begun after slice 1000; after slice 2000 promoted (or
// dropped).
CanaryRun run_canary(const MarketData& md, bool promote, bool with_canary = true) {
  CanaryRun r;
  EngineCore core(
      names_of(md), EngineOptions{},
      [&](size_t k, const std::vector<ClosedTrade>& trades) {
        for (const auto& t : trades) r.sunk.emplace_back(k, t);
      },
      [&](const CoreEvent& e) { r.events.push_back(e); });
  r.id = must(core.add(counted_spec(builtins()[1], 3, "1.0.0", true, &r.lane_gen)));
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    if (!with_canary) return;
    if (i == 1000) {
      EXPECT_FALSE(core.canary(r.id).has_value()) << "no canary yet";
      r.lane_equity_at_start = must(core.stats(r.id)).equity;
      ASSERT_TRUE(core.begin_canary(r.id, counted_spec(builtins()[2], 3, "2.0.0", true, &r.canary_gen),
                                    [&](size_t k, const std::vector<ClosedTrade>& trades) {
                                      for (const auto& t : trades) r.canary_sunk.emplace_back(k, t);
                                    })
                      .ok());
      EXPECT_FALSE(core.canary(r.id).has_value()) << "no window before the canary's first slice";
    }
    if (i == 1999) {
      r.during = must(core.stats(r.id));
      auto v = core.canary(r.id);
      ASSERT_TRUE(v.has_value());
      r.window = *v;
      r.lane_window.assign(v->lane_equity.begin(), v->lane_equity.end());
      r.canary_window.assign(v->canary_equity.begin(), v->canary_equity.end());
      r.canary_closed_in_window = v->canary_closed.size();
    }
    if (i == 2000) {
      core.take_retired();
      ASSERT_TRUE((promote ? core.promote(r.id) : core.drop_canary(r.id)).ok());
      r.retired_at_end_action = core.take_retired().size();
    }
  });
  r.end = must(core.stats(r.id));
  r.manifest_at_end = core.manifest(r.id);
  StrategyOutcome out = must(core.remove(r.id));
  r.trades = out.account->closed();
  r.lane_daily = out.equity;
  return r;
}

std::vector<ClosedTrade> closed_by(const std::vector<ClosedTrade>& trades, int64_t ts) {
  std::vector<ClosedTrade> out;
  for (const auto& t : trades)
    if (t.exit_ms <= ts) out.push_back(t);
  return out;
}

TEST(EngineCore, ACanaryTradesInItsOwnAccountAndDroppingItLeavesTheLaneAsWithout) {
  const MarketData md = synthetic(3, 3000, 61);
  const auto ts = all_timestamps(md);
  const CanaryRun base = run_canary(md, false, false);
  const CanaryRun r = run_canary(md, false);
  ASSERT_TRUE(r.during.canary_label.has_value());
  EXPECT_EQ(*r.during.canary_label, "macd@2.0.0");
  EXPECT_GT(r.during.canary_trades, 3) << "the canary traded in its shadow account";
  EXPECT_GT(r.during.canary_signals, 0);
  EXPECT_NE(r.during.canary_equity, 100'000.0);
  EXPECT_FALSE(r.end.canary_label.has_value());
  expect_same_trades(r.trades, base.trades);
  ASSERT_EQ(r.sunk.size(), r.trades.size()) << "the canary's trades never reach the sink";
  for (const auto& [k, t] : r.sunk) EXPECT_EQ(k, r.id);
  EXPECT_EQ(r.retired_at_end_action, 3u);
  // MACD cannot take momentum's state: warmed up on its 34 declared bars.
  for (const auto& log : r.canary_gen.logs) {
    EXPECT_EQ(up_to(log->seen, ts[1000]).size(), 34u);
    EXPECT_TRUE(after(log->seen, ts[2000]).empty());
  }
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].kind, "canary");
  EXPECT_EQ(r.events[1].kind, "drop_canary");
  EXPECT_TRUE(r.events[1].ok);
}

// The comparison window: both curves anchored at the equity each arm began it with, dated the
// day before the canary's; after the anchor, the lane's window is the lane's own daily curve; the
// canary's ends at its account's equity; its trades went to its own sink, in close order.
TEST(EngineCore, ACanaryKeepsAWindowOfBothArmsFromItsStart) {
  const MarketData md = synthetic(3, 3000, 61);
  const auto ts = all_timestamps(md);
  const CanaryRun r = run_canary(md, false);
  constexpr int64_t kDay = 86'400'000;
  EXPECT_EQ(r.window.label, "macd@2.0.0");
  EXPECT_EQ(r.window.since_ms, ts[1000] + 1);
  EXPECT_EQ(r.window.split_ms, ts[1000] / kDay * kDay);
  ASSERT_GE(r.lane_window.size(), 3u);
  ASSERT_EQ(r.lane_window.size(), r.canary_window.size());
  EXPECT_EQ(r.lane_window[0].ts_ms, r.window.split_ms - 1);
  EXPECT_DOUBLE_EQ(r.lane_window[0].equity, r.lane_equity_at_start);
  EXPECT_DOUBLE_EQ(r.canary_window[0].equity, 100'000.0);
  for (size_t k = 0; k < r.lane_window.size(); ++k) EXPECT_EQ(r.lane_window[k].ts_ms, r.canary_window[k].ts_ms);
  // After the anchor: one point per UTC day, the day's last — the lane's own daily curve there
  // (but the window's last day, which went on after slice 1999).
  std::vector<metrics::EquityPoint> own;
  for (const auto& p : r.lane_daily)
    if (p.ts_ms >= r.window.since_ms && p.ts_ms <= ts[1999]) own.push_back(p);
  ASSERT_EQ(own.size(), r.lane_window.size() - 1);
  for (size_t k = 1; k + 1 < r.lane_window.size(); ++k) {
    EXPECT_EQ(r.lane_window[k].ts_ms, own[k - 1].ts_ms) << k;
    EXPECT_DOUBLE_EQ(r.lane_window[k].equity, own[k - 1].equity) << k;
  }
  EXPECT_EQ(r.lane_window.back().ts_ms, ts[1999]);
  EXPECT_DOUBLE_EQ(r.lane_window.back().equity, r.during.equity);
  EXPECT_DOUBLE_EQ(r.canary_window.back().equity, r.during.canary_equity);
  // The canary's trades: to its sink, under the lane's id, every one closed in the window.
  EXPECT_EQ(static_cast<int64_t>(r.canary_closed_in_window), r.during.canary_trades);
  ASSERT_GE(r.canary_sunk.size(), r.canary_closed_in_window);
  for (const auto& [k, t] : r.canary_sunk) {
    EXPECT_EQ(k, r.id);
    EXPECT_GT(t.entry_ms, ts[1000]);
  }
}

TEST(EngineCore, PromotingACanaryGivesTheLaneItsWarmInstancesAndKeepsTheAccount) {
  const MarketData md = synthetic(3, 3000, 67);
  const auto ts = all_timestamps(md);
  const CanaryRun base = run_canary(md, true, false);
  const CanaryRun r = run_canary(md, true);
  EXPECT_GT(r.during.canary_trades, 3);
  // Up to the promotion the lane traded as without a canary, in the same account.
  const auto before = closed_by(r.trades, ts[2000]);
  ASSERT_GT(before.size(), 5u);
  expect_same_trades(before, closed_by(base.trades, ts[2000]));
  EXPECT_NE(r.trades.size(), base.trades.size()) << "after the promotion MACD trades";
  // The canary's instances are the lane's: they saw every slice from the canary's start, once; the
  // lane's old instances saw none after the promotion.
  for (const auto& log : r.canary_gen.logs)
    EXPECT_EQ(after(log->seen, ts[1000]), std::vector<int64_t>(ts.begin() + 1001, ts.end()));
  for (const auto& log : r.lane_gen.logs) EXPECT_EQ(log->seen, std::vector<int64_t>(ts.begin(), ts.begin() + 2001));
  EXPECT_EQ(r.end.label, "macd@2.0.0");
  EXPECT_EQ(r.end.version, "2.0.0");
  EXPECT_FALSE(r.end.canary_label.has_value());
  EXPECT_EQ(r.manifest_at_end, builtins()[2].manifest);
  EXPECT_EQ(r.retired_at_end_action, 3u) << "momentum's instances";
  ASSERT_EQ(r.sunk.size(), r.trades.size());
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].kind, "promote");
  EXPECT_EQ(r.events[1].from, "momentum@1.0.0");
  EXPECT_EQ(r.events[1].to, "macd@2.0.0");
  EXPECT_EQ(r.events[1].ts_ms, ts[2000]);
}

// A canary that fails is dropped by itself; the lane is not disturbed.
TEST(EngineCore, AFailingCanaryIsDroppedAndTheLaneGoesOn) {
  const MarketData md = synthetic(3, 1500, 83);
  const SwapRun base = run_swaps(md, 0, 10, true, no_probation());
  std::vector<CoreEvent> events;
  EngineCore core(names_of(md), EngineOptions{}, nullptr, [&](const CoreEvent& e) { events.push_back(e); });
  Generation lane_gen, canary_gen;
  const LaneId id = must(core.add(counted_spec(builtins()[1], 3, "1.0.0", true, &lane_gen)));
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    if (i == 300) {  // warmed up on 34 bars, then fails on its 20th slice
      ASSERT_TRUE(core.begin_canary(id, counted_spec(builtins()[2], 3, "2.0.0", true, &canary_gen, 54)).ok());
    }
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "drop_canary");
  EXPECT_FALSE(events[1].ok);
  EXPECT_NE(events[1].detail.find("boom"), std::string::npos);
  EXPECT_EQ(events[1].ts_ms, all_timestamps(md)[320]);
  const LaneStats st = must(core.stats(id));
  EXPECT_FALSE(st.canary_label.has_value());
  EXPECT_EQ(st.status, "running");
  EXPECT_EQ(st.errors, 1u);
  EXPECT_EQ(st.last_error.rfind("canary: ", 0), 0u) << st.last_error;
  EXPECT_EQ(core.take_retired().size(), 3u);
  expect_same_trades(must(core.remove(id)).account->closed(), base.trades);
}

// ---- 4b. Held lanes: halt on a failure, restart from a checkpoint, or stop -------------------

// A held lane whose instance 1 fails on its `fail_on_call`-th call, restarted at once with fresh
// instances of the same version; a plain lane of the same strategy beside it as the reference.
struct HeldRun {
  std::vector<CoreEvent> events;
  Generation failing, restarted;
  std::vector<ClosedTrade> held_trades, reference_trades;
  LaneStats at_failure;
  double qty_before = 0, qty_at_failure = 0;
};

HeldRun run_held(const MarketData& md, int fail_on_call, int checkpoint_every, bool restart) {
  const Kind kind = builtins()[1];
  HeldRun r;
  EngineCore core(names_of(md), EngineOptions{}, nullptr, [&](const CoreEvent& e) { r.events.push_back(e); });
  LaneSpec held = counted_spec(kind, 3, "1.0.0", true, &r.failing, fail_on_call);
  held.hold_on_failure = true;
  held.checkpoint_every = checkpoint_every;
  const LaneId id = must(core.add(std::move(held)));
  const LaneId ref = must(core.add(spec_of(kind, 3)));
  bool restarted = false;
  for_each_slice(md, [&](size_t, const ah_slice& s) {
    ASSERT_TRUE(core.step(s).ok());
    if (!restarted && !r.events.empty() && r.events.back().kind == "failure") {
      r.at_failure = must(core.stats(id));
      restarted = true;
      if (restart) ASSERT_TRUE(core.begin_swap(id, counted_spec(kind, 3, "1.0.0", true, &r.restarted)).ok());
      else ASSERT_TRUE(core.stop_lane(id, Status::PluginError("given up")).ok());
    }
  });
  r.held_trades = must(core.remove(id)).account->closed();
  r.reference_trades = must(core.remove(ref)).account->closed();
  return r;
}

// The slice index at or after `from` whose signals on symbols 1 and 2 changed nothing in the
// reference run (no trade of theirs opened or closed at the next bar's open): losing them loses nothing.
size_t quiet_slice(const MarketData& md, size_t from) {
  const HeldRun ref = run_held(md, 0, 0, true);
  const auto ts = all_timestamps(md);
  for (size_t i = from; i + 1 < ts.size(); ++i) {
    bool quiet = true;
    for (const auto& t : ref.reference_trades)
      if (t.symbol != 0 && (t.entry_ms == ts[i + 1] || t.exit_ms == ts[i + 1])) quiet = false;
    if (quiet) return i;
  }
  return from;
}

// Restarted at once from its checkpoint (taken every 50 slices), the lane's new instances replay
// the bars since the checkpoint and stand where the failed ones did: the lane trades as if nothing
// had failed.
TEST(EngineCore, AHeldLaneRestartedFromItsCheckpointTradesAsIfNothingFailed) {
  const MarketData md = synthetic(3, 1500, 97);
  const auto ts = all_timestamps(md);
  const size_t f = quiet_slice(md, 700);
  const HeldRun r = run_held(md, static_cast<int>(f) + 1, 50, true);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].kind, "failure");
  EXPECT_TRUE(r.events[0].held);
  EXPECT_EQ(r.events[0].ts_ms, ts[f]);
  EXPECT_EQ(r.at_failure.status, "halted");
  EXPECT_EQ(r.events[1].kind, "swap");
  EXPECT_EQ(r.events[1].detail.rfind("restored from the checkpoint", 0), 0u) << r.events[1].detail;
  // The last checkpoint was taken at the end of slice 50k - 1 <= f - 1; the new instances replayed
  // every bar after it through the failing slice, then went on live.
  const size_t cp = (f / 50) * 50 - 1;
  for (const auto& log : r.restarted.logs)
    EXPECT_EQ(log->seen, std::vector<int64_t>(ts.begin() + static_cast<std::ptrdiff_t>(cp) + 1, ts.end()));
  ASSERT_GT(r.reference_trades.size(), 10u);
  expect_same_trades(r.held_trades, r.reference_trades);
}

// Without a checkpoint (none taken) the restart warms up on the declared bars; stop_lane() ends a
// halted lane as a failure does: positions closed, status failed.
TEST(EngineCore, AHeldLaneWithoutACheckpointWarmsUpAndAStoppedOneCloses) {
  const MarketData md = synthetic(3, 1200, 101);
  const HeldRun warm = run_held(md, 600, 0, true);
  ASSERT_EQ(warm.events.size(), 2u);
  EXPECT_NE(warm.events[1].detail.find("warmed up on"), std::string::npos) << warm.events[1].detail;
  const HeldRun stopped = run_held(md, 600, 50, false);
  ASSERT_EQ(stopped.events.size(), 2u);
  EXPECT_EQ(stopped.events[1].kind, "failure");
  EXPECT_FALSE(stopped.events[1].held);
  EXPECT_EQ(stopped.events[1].detail, "given up");
  const auto ts = all_timestamps(md);
  for (const auto& t : stopped.held_trades) EXPECT_LE(t.exit_ms, ts[599]) << "closed when stopped";
}

// ---- 5. Lanes come and go; bad input changes nothing ------------------------------------------

MarketData cut(const MarketData& md, size_t from, size_t to) {
  MarketData out;
  for (const auto& s : md.series) {
    BarSeries c;
    c.symbol = s.symbol;
    for (size_t i = from; i < to; ++i) {
      c.push(s.bar(i));
      if (!s.carry.empty()) c.carry.push_back(s.carry[i]);
    }
    out.series.push_back(std::move(c));
  }
  return out;
}

std::vector<ClosedTrade> without_context(std::vector<ClosedTrade> trades) {
  for (auto& t : trades) t.entry_context = ContextReading{};
  return trades;
}

// A lane added after slice 999 and removed after slice 2499 trades as run_engine on those 1500
// bars (the contexts differ: the core has the bars before), and its removal gives the metrics.
TEST(EngineCore, ALaneAddedAndRemovedMidStreamTradesAsARunOverItsSlices) {
  const MarketData md = synthetic(3, 3000, 71);
  const BatchRun whole = run_batch(md, {builtins()[0]});
  const BatchRun part = run_batch(cut(md, 1000, 2500), {builtins()[1]});
  Sunk sunk;
  EngineCore core(names_of(md), EngineOptions{}, [&](size_t k, const std::vector<ClosedTrade>& trades) {
    for (const auto& t : trades) sunk.emplace_back(k, t);
  });
  const LaneId a = must(core.add(spec_of(builtins()[0], 3)));
  LaneId b = 0;
  std::optional<StrategyOutcome> removed;
  for_each_slice(md, [&](size_t i, const ah_slice& s) {
    if (i == 1000) b = must(core.add(spec_of(builtins()[1], 3)));
    ASSERT_TRUE(core.step(s).ok());
    if (i == 2499) removed = must(core.remove(b));
  });
  ASSERT_TRUE(removed.has_value());
  const auto& expected = part.result.outcomes[0];
  ASSERT_GT(expected.account->closed().size(), 5u);
  expect_same_trades(without_context(removed->account->closed()), without_context(expected.account->closed()));
  EXPECT_EQ(removed->account->equity(), expected.account->equity());
  EXPECT_EQ(removed->metrics.to_json().dump(), expected.metrics.to_json().dump());
  EXPECT_EQ(removed->bars, expected.bars);
  EXPECT_EQ(core.lanes(), std::vector<LaneId>{a});
  const LaneStats gone = must(core.stats(b));
  EXPECT_EQ(gone.status, "removed");
  EXPECT_EQ(gone.slices, 1500);
  EXPECT_EQ(gone.trades, static_cast<int64_t>(expected.account->closed().size()));
  EXPECT_EQ(core.remove(b).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(core.begin_swap(b, spec_of(builtins()[1], 3)).code(), StatusCode::kNotFound);
  EXPECT_EQ(core.manifest(b), nullptr);
  // Lane a was not disturbed.
  StrategyOutcome out_a = must(core.remove(a));
  expect_same_outcome(out_a, whole.result.outcomes[0]);
  size_t sunk_b = 0;
  for (const auto& [k, t] : sunk) sunk_b += k == b;
  EXPECT_EQ(sunk_b, expected.account->closed().size()) << "the removed lane's final trades reached the sink";
}

TEST(EngineCore, BadSpecsAreInvalidArguments) {
  EngineCore core({"A", "B", "C"}, EngineOptions{}, nullptr);
  const Kind mom = builtins()[1];
  auto expect_invalid = [&](LaneSpec spec, const char* what) {
    auto r = core.add(std::move(spec));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
  };
  LaneSpec no_manifest = spec_of(mom, 3);
  no_manifest.manifest = nullptr;
  expect_invalid(std::move(no_manifest), "no manifest");
  expect_invalid(spec_of(mom, 3, nullptr, {0, 3}), "unknown symbol");
  expect_invalid(spec_of(mom, 3, nullptr, {1, 1}), "a symbol twice");
  LaneSpec short_one = spec_of(mom, 3);
  short_one.instances.pop_back();
  expect_invalid(std::move(short_one), "two instances for three symbols");
  LaneSpec null_one = spec_of(mom, 3);
  null_one.instances[1].reset();
  expect_invalid(std::move(null_one), "a null instance");
  LaneSpec two_multi = spec_of(legs_kind(), 3);
  two_multi.instances.push_back(legs_kind().make());
  expect_invalid(std::move(two_multi), "two instances of a multi-symbol strategy");
  EXPECT_TRUE(core.lanes().empty());

  const LaneId id = must(core.add(spec_of(mom, 3)));
  LaneSpec other_symbols = spec_of(mom, 3, nullptr, {0, 1});
  EXPECT_EQ(core.begin_swap(id, std::move(other_symbols)).code(), StatusCode::kInvalidArgument);
  LaneSpec too_few = spec_of(mom, 3);
  too_few.instances.pop_back();
  EXPECT_EQ(core.begin_swap(id, std::move(too_few)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.begin_canary(id, spec_of(mom, 3, nullptr, {2})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.promote(id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(core.drop_canary(id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(must(core.stats(id)).label, "momentum@1.0.0");
  EXPECT_EQ(core.stats(999).status().code(), StatusCode::kNotFound);
}

TEST(EngineCore, AStepWithTheWrongSymbolsOrANonIncreasingTimeIsRefusedAndChangesNothing) {
  const MarketData md = synthetic(3, 300, 73);
  EngineCore core(names_of(md), EngineOptions{}, nullptr);
  const LaneId id = must(core.add(spec_of(builtins()[1], 3)));
  std::vector<ah_slice> slices;  // copies, their arrays kept here (the aligner's live until its next())
  std::vector<std::vector<ah_bar>> bars;
  std::vector<std::vector<uint8_t>> has;
  for_each_slice(md, [&](size_t, const ah_slice& s) {
    bars.emplace_back(s.bars, s.bars + s.n_symbols);
    has.emplace_back(s.has_bar, s.has_bar + s.n_symbols);
    slices.push_back(s);
  });
  std::vector<const char*> names;
  for (const auto& sr : md.series) names.push_back(sr.symbol.c_str());
  for (size_t i = 0; i < slices.size(); ++i) {
    slices[i].symbols = names.data();
    slices[i].bars = bars[i].data();
    slices[i].has_bar = has[i].data();
    slices[i].carry = nullptr;
  }
  for (size_t i = 0; i < 100; ++i) ASSERT_TRUE(core.step(slices[i]).ok());
  const LaneStats before = must(core.stats(id));
  const size_t history = core.history(0).size();

  ah_slice wrong = slices[100];
  wrong.n_symbols = 2;
  EXPECT_EQ(core.step(wrong).code(), StatusCode::kInvalidArgument);
  ah_slice same_time = slices[100];
  same_time.ts_ms = slices[99].ts_ms;
  EXPECT_EQ(core.step(same_time).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.step(slices[50]).code(), StatusCode::kInvalidArgument);
  ah_slice no_bars = slices[100];
  no_bars.bars = nullptr;
  EXPECT_EQ(core.step(no_bars).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(core.slices(), 100);
  EXPECT_EQ(core.bars(), 300);
  EXPECT_EQ(core.history(0).size(), history);
  const LaneStats after_bad = must(core.stats(id));
  EXPECT_EQ(after_bad.slices, before.slices);
  EXPECT_EQ(after_bad.bars, before.bars);
  EXPECT_EQ(after_bad.signals, before.signals);
  EXPECT_EQ(after_bad.equity, before.equity);
  EXPECT_EQ(after_bad.last_ts_ms, before.last_ts_ms);
  EXPECT_TRUE(core.step(slices[100]).ok()) << "the next good slice is taken";
  EXPECT_EQ(core.slices(), 101);
}

}  // namespace
}  // namespace algohost
