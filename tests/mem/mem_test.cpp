// MEM: the parts (model, memory, patterns, formula, parameter rule), a stage fed a planted rule,
// and its state surviving a restart. The runs (two arms, the skill gate, the verdict) are tested
// through RunService in mem_effect_test.cpp.
#include <gtest/gtest.h>

#include "host/mem/adapt.h"
#include "host/mem/combine.h"
#include "host/service/mem_store.h"
#include "tests/catalog/catalog_test_util.h"
#include <random>

#include "host/mem/mem_stage.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {


ContextReading ctx(double vol, const char* regime = "trending", double volume_ratio = 1.0) {
  ContextReading c;
  c.volatility = vol;
  c.volume_ratio = volume_ratio;
  c.regime = regime;
  c.ready = true;
  return c;
}

TEST(MemModel, LearnsASeparableRuleDeterministicallyAndRoundTrips) {
  mem::LogisticModel a, b;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n01;
  for (int i = 0; i < 2000; ++i) {
    mem::FeatureVec z{};
    z[0] = n01(rng);
    a.update(z, z[0] < 0);
    b.update(z, z[0] < 0);
  }
  mem::FeatureVec lo{}, hi{};
  lo[0] = -1;
  hi[0] = 1;
  EXPECT_GT(a.predict(lo), 0.75);
  EXPECT_LT(a.predict(hi), 0.25);
  EXPECT_EQ(a.to_json(), b.to_json());
  const auto c = mem::LogisticModel::from_json(a.to_json());
  EXPECT_EQ(c.predict(lo), a.predict(lo));
  EXPECT_EQ(c.updates(), 2000);
}

TEST(MemMemory, RecallsTheNearestOnTheSameSymbolAmongTheLast50) {
  mem::TradeMemory m(50, 5);
  mem::Standardizer st;
  for (int i = 0; i < 60; ++i) {
    const bool calm = i % 2 == 0;
    const auto raw = mem::raw_features(ctx(calm ? 0.1 : 0.5), 1, 0.6);
    st.observe(raw);
    m.add(i < 40 ? 0u : 1u, raw, calm);
  }
  EXPECT_EQ(m.size(), 50u);
  const auto r0 = m.recall(0, st.apply(mem::raw_features(ctx(0.1), 1, 0.6)), st);
  EXPECT_EQ(r0.found, 5);
  EXPECT_EQ(r0.wins, 5);
  const auto r1 = m.recall(1, st.apply(mem::raw_features(ctx(0.5), 1, 0.6)), st);
  EXPECT_EQ(r1.found, 5);
  EXPECT_EQ(r1.wins, 0);
  EXPECT_EQ(m.recall(7, st.apply(mem::raw_features(ctx(0.1), 1, 0.6)), st).found, 0);
}

TEST(MemPatterns, SeedThresholdsWinRate070Over5) {
  mem::PatternMiner miner;
  mem::Standardizer st;
  // 6 low-volatility trades, 5 wins (0.83); 6 high-volatility trades, 4 wins (0.67: below 0.70).
  std::vector<std::pair<double, bool>> trades = {{0.1, true}, {0.1, true}, {0.1, true}, {0.1, true}, {0.1, true},
                                                 {0.1, false}, {0.5, true}, {0.5, true}, {0.5, true}, {0.5, true},
                                                 {0.5, false}, {0.5, false}};
  int64_t t = 0;
  for (auto [v, w] : trades) {
    const auto raw = mem::raw_features(ctx(v, "mean_reverting"), 1, 0.6);
    st.observe(raw);
    miner.add(raw, w, t += 86'400'000);
  }
  miner.discover(st);
  bool low = false;
  for (const auto& p : miner.patterns()) {
    EXPECT_GE(p.occurrences, 5);
    EXPECT_GE(p.win_rate(), 0.70);
    EXPECT_EQ(p.key().find("vol_bucket=high"), std::string::npos) << p.key();
    if (p.key() == "vol_bucket=low") {
      low = true;
      EXPECT_EQ(p.occurrences, 6);
      EXPECT_EQ(p.wins, 5);
      EXPECT_EQ(p.first_seen_ms, 86'400'000);
      EXPECT_EQ(p.last_seen_ms, 6 * 86'400'000);
    }
  }
  EXPECT_TRUE(low);
}

TEST(MemFormula, PartialChangesConfidenceOnlyFullSizesAndVetoes) {
  mem::Evidence e;
  e.model_p = 0.2;
  e.model_w = 1;
  e.model_n = 100;
  const auto partial = mem::combine(e, mem::Mode::kPartial, 0.6, 0.5, 0.2, 0.2);
  EXPECT_NEAR(partial.probability, 0.2, 1e-12);
  EXPECT_NEAR(partial.confidence, 0.3, 1e-12);
  EXPECT_EQ(partial.size, 0.5);
  EXPECT_FALSE(partial.veto);
  const auto full = mem::combine(e, mem::Mode::kFull, 0.6, 0.5, 0.4, 0.2);
  EXPECT_TRUE(full.veto);
  EXPECT_NEAR(full.size, 0.5 * 0.4 * 0.5, 1e-12);
  const std::string why = mem::reasoning(e, mem::Mode::kFull, 0.6, 0.5, full);
  EXPECT_NE(why.find("model p=0.20"), std::string::npos) << why;
  EXPECT_NE(why.find("veto"), std::string::npos) << why;
  // No evidence: nothing changes.
  const auto none = mem::combine(mem::Evidence{}, mem::Mode::kFull, 0.6, 0.5, 0, 0);
  EXPECT_EQ(none.probability, 0.5);
  EXPECT_EQ(none.confidence, 0.6);
  EXPECT_EQ(none.size, 0.5);
  EXPECT_FALSE(none.veto);
}

// A stage that learned `n` outcomes of a planted rule (calm entries win, volatile ones lose), fed
// directly — the unit under test is the stage, not the run's wiring.
mem::MemStage learned_stage(int n, mem::MemConfig mc = {}) {
  mc.symbols = {"TEST"};
  mem::MemStage stage(mc);
  std::mt19937_64 rng(5);
  for (int i = 0; i < n; ++i) {
    const bool calm = rng() % 2 == 0;
    ClosedTrade t;
    t.entry_ms = 1'000'000LL * i;
    t.exit_ms = t.entry_ms + 500'000;
    t.quantity = 1;
    t.pnl = (calm ? 1.0 : -1.0) * (rng() % 10 < 8 ? 1 : -1);
    t.confidence = 0.6;
    t.entry_context = ctx(calm ? 0.1 : 0.5);
    stage.learn(t);
  }
  return stage;
}

TEST(MemStageUnit, APlantedRuleIsLearnedAndJudged) {
  mem::MemStage stage = learned_stage(300);
  EXPECT_EQ(stage.counters().learned, 300);
  EXPECT_FALSE(stage.miner().patterns().empty());
  const auto calm = stage.judge(0, ctx(0.1), 1, 0.6, 1.0), wild = stage.judge(0, ctx(0.5), 1, 0.6, 1.0);
  EXPECT_GT(calm.probability, 0.6);
  EXPECT_LT(wild.probability, 0.4);
  EXPECT_TRUE(wild.veto);
  EXPECT_FALSE(calm.veto);
  // Without the run's parts the gate is inactive and says so.
  EXPECT_EQ(stage.gate_json()["decision"], "act");
}

using catalog::testutil::register_named;

TEST(MemState, ModelAndPatternsSurviveARestart) {
  testing::TempDir dir;
  const nlohmann::json state = learned_stage(300).to_json();
  auto cat = testing::must(catalog::Catalog::open(dir.path() / "catalog.db"));
  const std::string id = register_named(*cat, "strategy_1");
  ASSERT_TRUE(save_mem_state(*cat, id, state, 1234, 1700000000000).ok());
  // Reopened: the state comes back from the catalog, with its summary and an audit row.
  cat.reset();
  cat = testing::must(catalog::Catalog::open(dir.path() / "catalog.db"));
  auto saved = load_mem_state(*cat, dir.path(), id);
  ASSERT_TRUE(saved.ok() && saved->has_value()) << saved.status().to_string();
  EXPECT_EQ((**saved).source, "catalog");
  const auto audit = testing::must(cat->audit(id, 1));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "save_mem_state");
  EXPECT_EQ(audit[0].after["learned_outcomes"], 1234);
  EXPECT_EQ(audit[0].after["learned_through"], "2023-11-14T22:13:20Z");
  mem::MemConfig mc;
  mc.symbols = {"TEST"};
  mem::MemStage restored(mc);
  ASSERT_TRUE(restored.load_json((**saved).state).ok());
  EXPECT_EQ(restored.to_json(), state);
  EXPECT_FALSE(restored.miner().patterns().empty());
  EXPECT_GT(restored.model().updates(), 100);
  // Judgements match a stage that never stopped.
  mem::MemStage same(mc);
  ASSERT_TRUE(same.load_json(state).ok());
  for (double v : {0.05, 0.1, 0.3, 0.6}) {
    const auto a = restored.judge(0, ctx(v), 1, 0.6, 1.0), b = same.judge(0, ctx(v), 1, 0.6, 1.0);
    EXPECT_EQ(a.probability, b.probability);
  }
  // Outcomes a saved state had learned are not learned twice.
  const int64_t before = restored.counters().learned;
  ClosedTrade old;
  old.exit_ms = restored.last_learned_exit_ms();
  old.entry_context = ctx(0.1);
  restored.learn(old);
  EXPECT_EQ(restored.counters().learned, before);
  EXPECT_EQ(restored.counters().skipped, 1);
}

// A state saved by an algohost before catalog schema 3 (a file under the data directory) is read
// when the catalog has none; a corrupt one is an error naming the file.
TEST(MemState, AStateFileFromBeforeSchema3IsStillRead) {
  testing::TempDir dir;
  auto cat = testing::must(catalog::Catalog::open(dir.path() / "catalog.db"));
  const std::string id = register_named(*cat, "legacy");
  EXPECT_FALSE(testing::must(load_mem_state(*cat, dir.path(), id)).has_value());
  const auto file = dir.path() / "mem_models" / (id + ".json");
  std::filesystem::create_directories(file.parent_path());
  testing::write_file(file, R"({"last_learned_exit_ms": 5})");
  auto saved = testing::must(load_mem_state(*cat, dir.path(), id));
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->source, file.string());
  EXPECT_EQ(saved->state["last_learned_exit_ms"], 5);
  testing::write_file(file, "{not json");
  auto bad = load_mem_state(*cat, dir.path(), id);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(file.string()), std::string::npos);
  // Once the catalog has a state, it wins over the file.
  ASSERT_TRUE(save_mem_state(*cat, id, nlohmann::json{{"last_learned_exit_ms", 9}}, 1, 9).ok());
  EXPECT_EQ(testing::must(load_mem_state(*cat, dir.path(), id))->state["last_learned_exit_ms"], 9);
}

}  // namespace
}  // namespace algohost
