// PluginEnhancerStage with in-process enhancers (the SDK's function table, no .so, and a fake
// EnhancerInstance): what is applied by mode and role, when the plugin is not called, failures and
// the limit, and learning — every closed trade of the base arm once, in close order, the scoring
// part's after the run.
#include "host/mem/plugin_enhancer_stage.h"

#include <gtest/gtest.h>

#include <algohost/enhancer.hpp>

#include <cmath>
#include <vector>

#include "host/instance/table_enhancer.h"
#include "tests/mem/mem_fixture.h"

namespace algohost {
namespace {

// What the scripted enhancer saw (one test at a time; reset by each test).
std::vector<ah_enhance_input> g_inputs;
std::vector<ah_trade_outcome> g_outcomes;

// Sets confidence, size and veto from its parameters (a negative value: leave it).
class Scripted final : public sdk::Enhancer {
 public:
  explicit Scripted(const sdk::Params& p)
      : conf_(p.get_double("confidence", -1)), size_(p.get_double("size", -1)), veto_(p.get_bool("veto", false)) {}
  void enhance(const ah_enhance_input& in, sdk::Enhancement out) override {
    g_inputs.push_back(in);
    if (conf_ >= 0) out.confidence(conf_);
    if (size_ >= 0) out.size(size_);
    if (veto_) out.veto("scripted veto");
    out.reasoning("scripted");
  }
  void learn(const ah_trade_outcome& t) override { g_outcomes.push_back(t); }

 private:
  double conf_, size_;
  bool veto_;
};

std::unique_ptr<EnhancerInstance> scripted(const std::string& params_json) {
  g_inputs.clear();
  g_outcomes.clear();
  auto e = TableEnhancer::create(sdk::enhancer_api_for<Scripted>("scripted"), nullptr, "scripted@1.0.0", params_json);
  EXPECT_TRUE(e.ok()) << e.status().message();
  return std::move(*e);
}

mem::PluginEnhancerConfig config(mem::Mode mode = mem::Mode::kFull) {
  mem::PluginEnhancerConfig c;
  c.strategy = "s@1.0.0";
  c.mode = mode;
  c.default_size = 0.5;
  c.symbols = {"X"};
  c.max_consecutive_failures = 3;
  return c;
}

// One symbol's account, moved into a position by filling an order, and a signal through the stage.
struct Rig {
  PaperAccount account;
  ah_bar bar{86'400'000, 100, 101, 99, 100, 1000};
  ContextReading ctx;
  SignalNote note;
  explicit Rig(bool allow_short = false) : account(BrokerConfig{100'000, 0, 0, 0, allow_short, 0.5}, 1) {
    ctx.ready = true;
    ctx.volatility = 0.2;
    ctx.volume_ratio = 1.5;
    ctx.window_return = 0.03;
    ctx.regime = "volatile";
  }
  void hold(double fraction) {
    ah_signal s{};
    s.action = AH_TARGET;
    s.target_position = fraction;
    account.on_signal(0, s, ctx);
    account.on_open(0, bar);
  }
  ah_signal run(mem::PluginEnhancerStage& stage, int32_t action, double size = 0, double target = 0) {
    ah_signal s{};
    s.ts_ms = bar.ts_ms;
    s.action = action;
    s.confidence = 0.6;
    s.position_size = size;
    s.target_position = target;
    note = SignalNote{};
    stage.enhance(StageInput{nullptr, 0, &bar, &ctx, &account}, s, note);
    return s;
  }
};

TEST(PluginEnhancerStage, FullModeEntryTakesConfidenceSizeAndVeto) {
  mem::PluginEnhancerStage stage(scripted(R"({"confidence": 0.8, "size": 0.3})"), config());
  Rig rig;
  const ah_signal s = rig.run(stage, AH_BUY);
  EXPECT_EQ(s.action, AH_BUY);
  EXPECT_DOUBLE_EQ(s.confidence, 0.8);
  EXPECT_DOUBLE_EQ(s.position_size, 0.3);
  EXPECT_TRUE(rig.note.enhanced);
  EXPECT_NEAR(rig.note.confidence_boost, 0.2, 1e-12);
  EXPECT_EQ(rig.note.reasoning, "scripted@1.0.0: scripted");
  // What the plugin was given: an entry with the context, the default size and the names.
  ASSERT_EQ(g_inputs.size(), 1u);
  const ah_enhance_input& in = g_inputs[0];
  EXPECT_EQ(in.role, AH_ROLE_ENTRY);
  EXPECT_EQ(in.side, 1);
  EXPECT_DOUBLE_EQ(in.size, 0.5);
  EXPECT_DOUBLE_EQ(in.confidence, 0.6);
  EXPECT_EQ(in.ts_ms, rig.bar.ts_ms);
  EXPECT_EQ(in.context.regime, AH_REGIME_VOLATILE);
  EXPECT_DOUBLE_EQ(in.context.window_return, 0.03);
  EXPECT_DOUBLE_EQ(in.context.volume_ratio, 1.5);
  EXPECT_DOUBLE_EQ(in.bar.close, 100);

  mem::PluginEnhancerStage veto(scripted(R"({"veto": true})"), config());
  EXPECT_EQ(rig.run(veto, AH_BUY).action, AH_HOLD);
  EXPECT_EQ(veto.counters().vetoed, 1);
  EXPECT_EQ(rig.note.reasoning, "scripted@1.0.0: scripted");
  // A size of 0 on an entry is a veto too.
  mem::PluginEnhancerStage zero(scripted(R"({"size": 0})"), config());
  EXPECT_EQ(rig.run(zero, AH_BUY, 0.4).action, AH_HOLD);
}

// A target beyond the account's range is shown as the broker will fill it: a plugin that changes
// nothing keeps the contract (size within [0, 1]) and is not counted as failing; a short target
// the account cannot take leaves a flat account flat and is not shown at all.
TEST(PluginEnhancerStage, TargetsAreShownAsTheBrokerFillsThem) {
  mem::PluginEnhancerStage stage(scripted("{}"), config());
  Rig rig;
  const ah_signal big = rig.run(stage, AH_TARGET, 0, 1.5);
  ASSERT_EQ(g_inputs.size(), 1u);
  EXPECT_EQ(g_inputs[0].side, 1);
  EXPECT_DOUBLE_EQ(g_inputs[0].size, 1.0);
  EXPECT_EQ(stage.counters().failures, 0);
  EXPECT_EQ(big.action, AH_TARGET);
  EXPECT_DOUBLE_EQ(big.target_position, 1.5) << "an unchanged size leaves the signal as it was";
  rig.run(stage, AH_TARGET, 0, -0.5);  // no shorting, flat: the broker fills a target of 0, a no-op
  EXPECT_EQ(g_inputs.size(), 1u);
  Rig shorting(true);
  shorting.run(stage, AH_TARGET, 0, -2.0);
  ASSERT_EQ(g_inputs.size(), 2u);
  EXPECT_EQ(g_inputs[1].side, -1);
  EXPECT_DOUBLE_EQ(g_inputs[1].size, 1.0);
  EXPECT_EQ(stage.counters().failures, 0);
}

TEST(PluginEnhancerStage, PartialModeChangesConfidenceOnly) {
  mem::PluginEnhancerStage stage(scripted(R"({"confidence": 0.1, "size": 0.9, "veto": true})"), config(mem::Mode::kPartial));
  Rig rig;
  const ah_signal s = rig.run(stage, AH_BUY, 0.4);
  EXPECT_EQ(s.action, AH_BUY);
  EXPECT_DOUBLE_EQ(s.confidence, 0.1);
  EXPECT_DOUBLE_EQ(s.position_size, 0.4);
  EXPECT_EQ(stage.counters().vetoed, 0);
}

TEST(PluginEnhancerStage, AnExitIsNeverVetoedOrResizedAndAResizeTakesOnlyTheSize) {
  mem::PluginEnhancerStage stage(scripted(R"({"confidence": 0.9, "size": 0.25, "veto": true})"), config());
  Rig rig;
  rig.hold(0.5);
  ASSERT_GT(rig.account.quantity(0), 0);
  ah_signal s = rig.run(stage, AH_SELL);  // long, no shorting: closes
  EXPECT_EQ(s.action, AH_SELL);
  EXPECT_DOUBLE_EQ(s.confidence, 0.9);
  EXPECT_EQ(g_inputs.back().role, AH_ROLE_EXIT);
  EXPECT_EQ(g_inputs.back().side, 0);
  EXPECT_GT(g_inputs.back().position, 0);
  s = rig.run(stage, AH_TARGET, 0, 0.8);  // resize
  EXPECT_EQ(g_inputs.back().role, AH_ROLE_RESIZE);
  EXPECT_EQ(s.action, AH_TARGET);
  EXPECT_DOUBLE_EQ(s.target_position, 0.25);
  EXPECT_EQ(stage.counters().vetoed, 0);
  // A buy that would change nothing (already long) is not even shown to the plugin.
  const size_t calls = g_inputs.size();
  rig.run(stage, AH_BUY);
  EXPECT_EQ(g_inputs.size(), calls);

  // Shorting allowed: a sell while long turns the position (a resize), so it takes the size.
  mem::PluginEnhancerStage turn(scripted(R"({"size": 0.2, "veto": true})"), config());
  Rig shorting(true);
  shorting.hold(0.5);
  s = shorting.run(turn, AH_SELL, 0.4);
  EXPECT_EQ(g_inputs.back().role, AH_ROLE_RESIZE);
  EXPECT_EQ(g_inputs.back().side, -1);
  EXPECT_EQ(s.action, AH_SELL);
  EXPECT_DOUBLE_EQ(s.position_size, 0.2);
}

TEST(PluginEnhancerStage, TheTrainingPartIsNotShownToThePlugin) {
  auto cfg = config();
  cfg.enhance_from_ms = 2 * 86'400'000;
  mem::PluginEnhancerStage stage(scripted(R"({"confidence": 0.9})"), cfg);
  Rig rig;
  EXPECT_DOUBLE_EQ(rig.run(stage, AH_BUY).confidence, 0.6);
  EXPECT_FALSE(rig.note.enhanced);
  EXPECT_EQ(stage.counters().calls, 0);
  rig.bar.ts_ms = cfg.enhance_from_ms;
  EXPECT_DOUBLE_EQ(rig.run(stage, AH_BUY).confidence, 0.9);
}

// An enhancer whose calls fail or return what it is told.
class Fake final : public EnhancerInstance {
 public:
  std::vector<bool> fail;  // per call; past the end: succeed
  double confidence = 0.5;
  size_t calls = 0;
  const std::string& label() const override { return label_; }
  Status enhance(const ah_enhance_input&, ah_enhance_output& out) override {
    const bool f = calls < fail.size() && fail[calls];
    ++calls;
    if (f) return Status::PluginError("fake@1.0.0: enhance failed: boom " + std::to_string(calls));
    out.confidence = confidence;
    return Status::Ok();
  }
  Status learn(const ah_trade_outcome&) override { return Status::PluginError("fake@1.0.0: learn failed: no"); }
  Result<std::string> export_state() override { return std::string(); }
  Status import_state(std::string_view) override { return Status::Ok(); }

 private:
  std::string label_ = "fake@1.0.0";
};

TEST(PluginEnhancerStage, FailuresLeaveTheSignalAreCountedAndOnlyConsecutiveOnesDisable) {
  auto fake = std::make_unique<Fake>();
  Fake& f = *fake;
  f.fail = {true, true, false, true, true, true};
  mem::PluginEnhancerStage stage(std::move(fake), config());
  Rig rig;
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(rig.run(stage, AH_BUY).confidence, 0.6);
  EXPECT_DOUBLE_EQ(rig.run(stage, AH_BUY).confidence, 0.5);  // a success resets the run of failures
  EXPECT_FALSE(stage.disabled());
  for (int i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(rig.run(stage, AH_BUY).confidence, 0.6);
  EXPECT_TRUE(stage.disabled());
  EXPECT_EQ(f.calls, 6u);  // disabled after the third failure in a row: not called again
  EXPECT_EQ(stage.counters().failures, 5);
  EXPECT_EQ(stage.last_error(), "fake@1.0.0: enhance failed: boom 6");
  EXPECT_NE(stage.disabled_reason().find("enhancer fake@1.0.0 was disabled"), std::string::npos);

  // Out-of-contract output counts as a failure too.
  auto nan = std::make_unique<Fake>();
  nan->confidence = std::nan("");
  mem::PluginEnhancerStage bad(std::move(nan), config());
  EXPECT_DOUBLE_EQ(rig.run(bad, AH_BUY).confidence, 0.6);
  EXPECT_EQ(bad.counters().failures, 1);
  EXPECT_NE(bad.last_error().find("enhance returned confidence nan outside [0, 1]"), std::string::npos) << bad.last_error();
  // Failed learning is counted the same way.
  ClosedTrade t;
  t.exit_ms = 5;
  bad.learn(t);
  EXPECT_EQ(bad.counters().failures, 2);
  EXPECT_EQ(bad.counters().learned, 0);
}

TEST(PluginEnhancerStage, LearnsEveryBaseArmTradeOnceInCloseOrderTheScoringPartAfterTheRun) {
  const MarketData md = memtest::make_data(800, 11, false);
  const auto& ts = md.series[0].ts_ms;
  const int64_t split = ts[ts.size() / 2];
  auto cfg = config();
  cfg.default_size = 1.0;
  cfg.enhance_from_ms = split;
  cfg.learn_before_ms = split;
  cfg.symbols = {md.series[0].symbol};
  mem::PluginEnhancerStage stage(scripted(R"({"size": 0.5})"), cfg);
  std::vector<StrategySetup> setups(2);
  for (int k = 0; k < 2; ++k) {
    setups[k].label = k == 0 ? "periodic@1.0.0" : "periodic@1.0.0 [base]";
    setups[k].instances.push_back(std::make_unique<memtest::PeriodicStrategy>());
    setups[k].broker.default_size = 1.0;
  }
  setups[0].stage = &stage;
  std::vector<ClosedTrade> delivered;
  size_t learned_during_run = 0;
  EngineResult res = run_engine(md, setups, EngineOptions{}, [&](size_t k, const std::vector<ClosedTrade>& trades) {
    if (k != 1) return;
    for (const auto& t : trades) {
      delivered.push_back(t);
      stage.learn(t);
    }
    learned_during_run = g_outcomes.size();
  });
  stage.finish();
  const auto& base = res.outcomes[1].account->closed();
  ASSERT_GT(base.size(), 20u);
  ASSERT_EQ(g_outcomes.size(), base.size());  // each once
  ASSERT_EQ(delivered.size(), base.size());
  size_t before_split = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    EXPECT_EQ(g_outcomes[i].exit_ts_ms, delivered[i].exit_ms) << i;  // in the order they closed
    EXPECT_EQ(g_outcomes[i].entry_ts_ms, delivered[i].entry_ms) << i;
    EXPECT_EQ(g_outcomes[i].won, delivered[i].pnl > 0 ? 1 : 0);
    EXPECT_STREQ(g_outcomes[i].symbol, "TEST");
    if (i) {
      EXPECT_LE(g_outcomes[i - 1].exit_ts_ms, g_outcomes[i].exit_ts_ms);
    }
    before_split += delivered[i].exit_ms < split;
  }
  ASSERT_GT(before_split, 0u) << "no trade closed in the training part: the checks below would be vacuous";
  ASSERT_LT(before_split, base.size()) << "no trade closed in the scoring part";
  EXPECT_EQ(learned_during_run, before_split);  // the scoring part's outcomes wait for finish()
  EXPECT_EQ(stage.counters().deferred, static_cast<int64_t>(base.size() - before_split));
  // Enhanced from the split only: the arms agree on every trade entered before it.
  const auto& enh = res.outcomes[0].account->closed();
  for (size_t i = 0; i < enh.size() && enh[i].exit_ms < split; ++i) {
    EXPECT_EQ(enh[i].entry_ms, base[i].entry_ms);
    EXPECT_DOUBLE_EQ(enh[i].quantity, base[i].quantity);
    EXPECT_FALSE(enh[i].was_enhanced);
  }
  bool halved_after_split = false;
  for (const auto& t : enh)
    if (t.entry_ms >= split && t.was_enhanced) halved_after_split = true;
  EXPECT_TRUE(halved_after_split);
  for (const auto& in : g_inputs) EXPECT_GE(in.ts_ms, split);
}

}  // namespace
}  // namespace algohost
