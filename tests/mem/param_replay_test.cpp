// MEM's parameter replay (host/service/param_replay.h): the strategy backtested again without MEM
// with the values used and with the proposed ones, scored on the scoring part as MEM's arms are.
#include <cmath>

#include <gtest/gtest.h>

#include "host/data/synthetic.h"
#include "host/data/timestamp.h"
#include "host/service/param_replay.h"
#include "host/service/run_service.h"
#include "tests/mem/run_env.h"

namespace algohost {
namespace {

using Env = memtest::RunEnv;

constexpr const char* kData = "symbols=2,bars=1500,seed=3,timeframe=1d";

struct Replay {
  MarketData md = generate_synthetic(*SyntheticSpec::parse(kData));
  ReplaySetup rs;
  explicit Replay(PluginService& plugins, int64_t split_ms) {
    rs.data = &md;
    rs.manifest = *plugins.find("rsi");
    rs.broker.default_size = 0.5;  // 1 / symbols, as a run sets it
    rs.broker.allow_short = rs.manifest->short_selling;
    rs.split_ms = split_ms;
    rs.engine.periods_per_year = 252;
  }
};

mem::ParamChange change(const char* name, nlohmann::json before, nlohmann::json after) {
  return {name, "risk_scale", std::move(before), std::move(after), "test"};
}

// The replay with the values used scores exactly what the run's shadow base arm scored: the same
// backtest, the same scoring part. And nothing changed means nothing better or worse.
TEST(MemParamReplay, TheValuesUsedScoreAsTheRunsBaseArm) {
  Env env;
  RunRequest req;
  req.strategies = {"rsi"};
  req.synthetic = kData;
  req.mem = true;
  auto run = env.runs.run(req);
  ASSERT_TRUE(run.ok()) << run.status().message();
  const auto& mem = run->strategies[0].mem;
  const int64_t split = *parse_timestamp_ms(mem["scoring_part"]["from"].get<std::string>());
  Replay r(env.plugins, split);
  r.rs.engine.periods_per_year = run->periods_per_year;
  const ReplayVerdict same = replay_parameter_change(env.plugins, r.rs, {});
  ASSERT_TRUE(same.before_sharpe && same.after_sharpe) << same.why;
  EXPECT_DOUBLE_EQ(*same.before_sharpe, mem["scoring"]["base"]["sharpe"].get<double>());
  EXPECT_EQ(*same.before_sharpe, *same.after_sharpe);
  EXPECT_TRUE(same.accepted);
}

// Swapping the two sets swaps the Sharpes: exactly one direction is accepted unless they tie.
TEST(MemParamReplay, AcceptedOnlyWhenTheProposedValuesAreNoWorse) {
  Env env;
  Replay r(env.plugins, *parse_timestamp_ms("2018-01-01"));
  const ReplayVerdict up = replay_parameter_change(env.plugins, r.rs, {change("period", 14, 30)});
  ASSERT_TRUE(up.before_sharpe && up.after_sharpe) << up.why;
  r.rs.overrides = {{"period", "30"}};
  const ReplayVerdict down = replay_parameter_change(env.plugins, r.rs, {change("period", 30, 14)});
  ASSERT_TRUE(down.before_sharpe && down.after_sharpe) << down.why;
  EXPECT_DOUBLE_EQ(*up.before_sharpe, *down.after_sharpe);
  EXPECT_DOUBLE_EQ(*up.after_sharpe, *down.before_sharpe);
  ASSERT_NE(*up.after_sharpe, *up.before_sharpe);  // the data tells them apart
  EXPECT_NE(up.accepted, down.accepted);
  const ReplayVerdict& better = up.accepted ? up : down;
  EXPECT_GT(*better.after_sharpe, *better.before_sharpe);
  EXPECT_NEAR(*better.improvement_pct, 100 * (*better.after_sharpe - *better.before_sharpe) / std::fabs(*better.before_sharpe), 1e-9);
  const ReplayVerdict& worse = up.accepted ? down : up;
  EXPECT_NE(worse.why.find("not written"), std::string::npos) << worse.why;
}

// A value the plugin refuses when the trial instance is created is never accepted.
TEST(MemParamReplay, ATrialInstanceThatCannotBeCreatedRefusesTheChange) {
  Env env;
  Replay r(env.plugins, *parse_timestamp_ms("2018-01-01"));
  const ReplayVerdict v = replay_parameter_change(env.plugins, r.rs, {change("oversold", 30.0, 90.0)});  // above overbought
  EXPECT_FALSE(v.accepted);
  EXPECT_NE(v.why.find("trial instance"), std::string::npos) << v.why;
  EXPECT_NE(v.why.find("oversold"), std::string::npos) << v.why;
}

// A scoring part too short to annualize has no Sharpe: nothing is accepted.
TEST(MemParamReplay, AnUnmeasurableSharpeRefusesTheChange) {
  Env env;
  Replay r(env.plugins, 0);
  r.rs.split_ms = r.md.series[0].ts_ms[r.md.series[0].size() - 5];
  const ReplayVerdict v = replay_parameter_change(env.plugins, r.rs, {change("period", 14, 20)});
  EXPECT_FALSE(v.accepted);
  EXPECT_NE(v.why.find("could not be measured"), std::string::npos) << v.why;
}

}  // namespace
}  // namespace algohost
