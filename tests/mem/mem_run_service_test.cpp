// `algohost run --mem`: RunService with the built-in RSI on synthetic data — the shadow base arm,
// the report's parts and metrics, the recorded MEM fields, the saved state, the stored patterns,
// the measured improvement on the version, and a rerun that is honestly not out of sample.
#include <gtest/gtest.h>

#include "host/data/timestamp.h"
#include "host/service/mem_store.h"
#include "host/service/run_service.h"
#include "host/mem/features.h"
#include "tests/mem/run_env.h"

namespace algohost {
namespace {

using Env = memtest::RunEnv;

RunRequest rsi_request(std::optional<bool> mem) {
  RunRequest req;
  req.strategies = {"rsi"};
  req.synthetic = "symbols=2,bars=1500,seed=3,timeframe=1d";
  req.mem = mem;
  return req;
}

TEST(MemRunService, MemOnRunsBothArmsAndRecordsEverything) {
  Env env;
  auto report = env.runs.run(rsi_request(true));
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->strategies.size(), 1u);  // the shadow arm is not a strategy of the run
  const auto& sr = report->strategies[0];
  const auto& m = sr.mem;
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["mode"], "full");
  const std::string split = m["scoring_part"]["from"];
  EXPECT_EQ(m["training_part"]["until_before"], split);
  EXPECT_TRUE(m["base_arm_metrics"].is_object());
  EXPECT_TRUE(m["scoring"]["base"].is_object());
  EXPECT_TRUE(m["scoring"]["enhanced"].is_object());
  EXPECT_TRUE(m["out_of_sample"].get<bool>());
  ASSERT_TRUE(m["mem_improvement_pct"].is_number());
  EXPECT_GT(m["learned_at_split"].get<int64_t>(), 0);

  // The run's stored results carry the block; the version carries the measured improvement.
  auto run = env.cat().get_run(report->run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->results["strategies"][0]["mem"]["mem_improvement_pct"], m["mem_improvement_pct"]);
  auto ver = env.cat().get_version("rsi", "1.0.0");
  ASSERT_TRUE(ver.ok() && ver->mem_improvement_pct);
  EXPECT_DOUBLE_EQ(*ver->mem_improvement_pct, m["mem_improvement_pct"].get<double>());

  // Recorded trades: the enhanced arm's only; those entered in the scoring part carry MEM fields.
  auto trades = env.cat().trades("rsi", report->run_id, 100000);
  ASSERT_TRUE(trades.ok());
  EXPECT_EQ(static_cast<int64_t>(trades->size()), sr.trades);
  int64_t enhanced = 0;
  for (const auto& t : *trades) {
    if (t.entry_timestamp < split) {
      EXPECT_FALSE(t.was_mem_enhanced) << t.entry_timestamp;
    }
    if (t.was_mem_enhanced) {
      ++enhanced;
      ASSERT_TRUE(t.mem_reasoning.has_value());
      EXPECT_NE(t.mem_reasoning->find("P="), std::string::npos);
      EXPECT_TRUE(t.mem_confidence_boost.has_value());
    }
  }
  // The skill gate decides whether MEM acted in the scoring part; the report says which and why.
  ASSERT_TRUE(m["skill_gate"].is_object());
  EXPECT_FALSE(m["skill_gate"]["reason"].get<std::string>().empty());
  if (m["skill_gate"]["decision"] == "act") {
    EXPECT_GT(enhanced, 0);
  } else {
    EXPECT_EQ(m["skill_gate"]["decision"], "pass");
    EXPECT_EQ(enhanced, 0);
    EXPECT_GT(m["skill_gate"]["scoring_entries_passed"].get<int64_t>(), 0);
  }

  // State saved; patterns stored as the state has them.
  auto rec = env.cat().get("rsi");
  ASSERT_TRUE(rec.ok());
  auto state = load_mem_state(env.cat(), env.dir.path(), rec->strategy_id);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((**state).source, "catalog");
  auto stored = env.cat().learned_patterns("rsi");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), (**state).state["patterns"]["patterns"].size());
  for (const auto& p : *stored) {
    EXPECT_GE(p.win_rate, 0.70);
    EXPECT_GE(p.occurrences, 5);
  }

  // A rerun over the same data: the saved state has seen the scoring part, so the run learns
  // afresh — the same figures, nothing claimed from outcomes already known.
  auto continued = rsi_request(true);
  continued.mem_continue = true;
  auto again = env.runs.run(continued);
  ASSERT_TRUE(again.ok());
  const auto& m2 = again->strategies[0].mem;
  EXPECT_FALSE(m2["state_loaded"].get<bool>());
  EXPECT_TRUE(m2.contains("state_note"));
  EXPECT_EQ(m2["scoring"], m["scoring"]);
  EXPECT_EQ(again->strategies[0].metrics.to_json(), sr.metrics.to_json());
  auto fresh = env.runs.run(rsi_request(true));  // the default: MEM starts from nothing
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->strategies[0].mem["scoring"], m["scoring"]);
}

TEST(MemRunService, ARestartContinuesFromTheSavedState) {
  Env env;
  auto first = rsi_request(true);
  first.to = "2017-12-31";
  auto a = env.runs.run(first);
  ASSERT_TRUE(a.ok()) << a.status().message();
  const int64_t learned_first = a->strategies[0].mem["counters"]["learned_total"];
  ASSERT_GT(learned_first, 0);
  auto later = rsi_request(true);
  later.from = "2018-01-01";
  later.mem_continue = true;
  auto b = env.runs.run(later);
  ASSERT_TRUE(b.ok()) << b.status().message();
  const auto& m = b->strategies[0].mem;
  EXPECT_TRUE(m["state_loaded"].get<bool>());
  EXPECT_GE(m["model"]["updates"].get<int64_t>(), learned_first);
  EXPECT_GT(m["learned_at_split"].get<int64_t>(), learned_first);
}

TEST(MemRunService, MemOffRunsOneArm) {
  Env env;
  auto report = env.runs.run(rsi_request(false));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->strategies[0].mem.is_null());
  auto trades = env.cat().trades("rsi", report->run_id, 100000);
  ASSERT_TRUE(trades.ok());
  for (const auto& t : *trades) EXPECT_FALSE(t.was_mem_enhanced);
}

}  // namespace
}  // namespace algohost

namespace algohost {
namespace {

using algohost::testing::must;

TEST(MemLearnedStrategy, APromotedPatternRunsAsTheBaseStrategyFilteredByIt) {
  Env env;
  catalog::Catalog& c = env.cat();
  auto base = c.get("rsi");
  ASSERT_TRUE(base.ok());
  mem::Pattern p;
  uint8_t item = 0;
  ASSERT_TRUE(mem::parse_item("regime=trending", item));
  p.items = {item};
  p.occurrences = 10;
  p.wins = 8;
  p.finalize();
  mem::Standardizer st;
  auto id = promote_learned_strategy(c, "rsi@1.0.0", base->strategy_id, base->file_path, p, st, {{"note", "test"}});
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto again = promote_learned_strategy(c, "rsi@1.0.0", base->strategy_id, base->file_path, p, st, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);  // idempotent
  auto rec = c.get(*id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->strategy_name, "rsi-learned-regime-trending");
  EXPECT_EQ(rec->origin, "learned");
  EXPECT_EQ(rec->learned_from_strategy_id, base->strategy_id);
  // A version of its own: the base version's parameters and code, validated out of sample.
  EXPECT_EQ(rec->current_version, "1.0.0");
  const auto v = must(c.get_version(*id, "1.0.0"));
  const auto base_v = must(c.get_version("rsi", "1.0.0"));
  EXPECT_EQ(v.artifact_sha256, base_v.artifact_sha256);
  EXPECT_EQ(v.default_parameters, base_v.default_parameters);
  EXPECT_EQ(v.validation_status, "passed");
  EXPECT_NE(v.changelog.find("regime=trending"), std::string::npos);
  // The base's pattern row points at it.
  const auto patterns = must(c.learned_patterns("rsi"));
  ASSERT_EQ(patterns.size(), 1u);
  EXPECT_EQ(patterns[0].learned_strategy_id, std::optional<std::string>(*id));
  auto rel = c.related("rsi");
  ASSERT_TRUE(rel.ok());
  bool derived = false;
  for (const auto& r : *rel) derived = derived || r.to_json().dump().find("derived_from") != std::string::npos;
  EXPECT_TRUE(derived);

  RunRequest req;
  req.strategies = {"rsi-learned-regime-trending"};
  req.synthetic = "symbols=2,bars=1500,seed=3,timeframe=1d";
  auto report = env.runs.run(req);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->strategies[0].label, "rsi-learned-regime-trending");
  EXPECT_TRUE(report->strategies[0].mem.is_null());
  auto trades = c.trades(*id, report->run_id, 100000);
  ASSERT_TRUE(trades.ok());
  ASSERT_FALSE(trades->empty());
  for (const auto& t : *trades) {
    EXPECT_EQ(t.market_regime.value_or(""), "trending");
    EXPECT_EQ(t.learned_pattern_applied.value_or(""), "regime=trending");
  }
  // The base strategy over the same data takes more entries than its filtered version.
  RunRequest base_req = req;
  base_req.strategies = {"rsi"};
  base_req.mem = false;
  auto base_report = env.runs.run(base_req);
  ASSERT_TRUE(base_report.ok());
  EXPECT_GT(base_report->strategies[0].trades, report->strategies[0].trades);
}

}  // namespace
}  // namespace algohost
