// Catalog MEM: saved MEM state (replaced whole, audited by summary, survives reopening), learned
// patterns (upserted by key, counts checked, count on the strategy), enhancer plugins' states, the link from a pattern to
// the learned strategy made from it, and the measured improvement on a version; plus the
// parameters of one version, which runs read.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using testutil::scalar;

std::string add(Catalog& cat, const std::string& name) { return testutil::register_named(cat, name); }

VersionRecord add_version(Catalog& cat, const std::string& name, const std::string& number, int default_period) {
  VersionCreate v;
  v.version = number;
  v.artifact_sha256 = std::string(64, number[0]);
  v.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 100}})");
  v.default_parameters = Json{{"period", default_period}};
  return must(cat.create_version(name, v), name + "@" + number);
}

LearnedPattern pattern(const std::string& key, int64_t occurrences, int64_t wins) {
  LearnedPattern p;
  p.pattern_key = key;
  p.conditions = Json{{"regime", key}};
  p.occurrences = occurrences;
  p.wins = wins;
  p.first_seen = "2024-01-02T00:00:00Z";
  p.last_seen = "2024-03-04T00:00:00Z";
  return p;
}

TEST(CatalogMem, StateIsReplacedWholeAuditedBySummaryAndSurvivesReopening) {
  TempDir dir;
  std::string id;
  {
    auto cat = must(Catalog::open(dir / "catalog.db"));
    id = add(*cat, "mem_owner");
    EXPECT_FALSE(must(cat->mem_state("mem_owner")).has_value());
    must(cat->save_mem_state("mem_owner", Json{{"model", {1, 2, 3}}, {"old", true}}, 10, "2024-01-01T00:00:00Z"));
    must(cat->save_mem_state(id, Json{{"model", {4, 5}}}, 25, std::nullopt));
    const auto audit = must(cat->audit("mem_owner", 2));
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].action, "save_mem_state");
    EXPECT_EQ(audit[0].before["learned_outcomes"], 10);
    EXPECT_EQ(audit[0].after["learned_outcomes"], 25);
    EXPECT_TRUE(audit[0].after["learned_through"].is_null());
    EXPECT_GT(audit[0].after["state_bytes"].get<int64_t>(), 0);
    EXPECT_TRUE(audit[1].before.is_null());
    EXPECT_FALSE(must(cat->get(id)).last_mem_update.value_or("").empty());
  }
  auto cat = must(Catalog::open(dir / "catalog.db"));
  const auto state = must(cat->mem_state(id));
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*state, (Json{{"model", {4, 5}}}));  // replaced, not merged
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM mem_models"), 1);
}

TEST(CatalogMem, BadStateOrUnknownStrategyWritesNothing) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "s");
  const int64_t audit_rows = scalar(*cat, "SELECT count(*) FROM audit_log");
  EXPECT_EQ(cat->save_mem_state("s", Json::array({1}), 1, std::nullopt).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->save_mem_state("nobody", Json::object(), 1, std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->mem_state("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM mem_models"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audit_rows);
  // A state that is not an object (written by hand) is reported, not returned.
  must(cat->database().exec("INSERT INTO mem_models (strategy_id, state_json, updated_at) SELECT strategy_id, '[1]', 'x' "
                            "FROM strategies WHERE strategy_name = 's'"));
  EXPECT_EQ(cat->mem_state("s").status().code(), StatusCode::kCorruption);
}

// Enhancer plugins' states: one per (strategy, enhancer), replaced whole, audited by size, kept
// apart from each other and from the built-in stage's mem_models row.
TEST(CatalogMem, EnhancerStatesAreKeptPerStrategyAndEnhancer) {
  TempDir dir;
  std::string id;
  {
    auto cat = must(Catalog::open(dir / "catalog.db"));
    id = add(*cat, "owner");
    EXPECT_FALSE(must(cat->enhancer_state("owner", "vol_gate")).has_value());
    must(cat->save_enhancer_state("owner", "vol_gate", Json{{"a", 1}}));
    must(cat->save_enhancer_state("owner", "vol_gate", Json{{"b", 2}}));
    must(cat->save_enhancer_state(id, "regime_win_rate", Json{{"c", 3}}));
    const auto audit = must(cat->audit("owner", 1));
    EXPECT_EQ(audit[0].action, "save_enhancer_state");
    EXPECT_EQ(audit[0].after["enhancer"], "regime_win_rate");
    EXPECT_EQ(audit[0].after["state_bytes"], 7);
    EXPECT_EQ(cat->save_enhancer_state("owner", "", Json::object()).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cat->save_enhancer_state("owner", "x", Json(3)).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cat->save_enhancer_state("nobody", "x", Json::object()).code(), StatusCode::kNotFound);
  }
  auto cat = must(Catalog::open(dir / "catalog.db"));
  EXPECT_EQ(*must(cat->enhancer_state(id, "vol_gate")), (Json{{"b", 2}}));
  EXPECT_EQ(*must(cat->enhancer_state("owner", "regime_win_rate")), (Json{{"c", 3}}));
  EXPECT_FALSE(must(cat->mem_state("owner")).has_value());
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM enhancer_states"), 2);
}

TEST(CatalogMem, PatternsAreUpsertedByKeyWithTheirCountsAndCounted) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "base");
  must(cat->store_learned_patterns("base", {pattern("trending", 10, 8), pattern("quiet", 6, 5)}));
  must(cat->store_learned_patterns("base", {pattern("trending", 20, 15)}));
  const auto stored = must(cat->learned_patterns("base"));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].pattern_key, "quiet");  // by win rate: 5/6 > 15/20
  EXPECT_EQ(stored[1].occurrences, 20);
  EXPECT_DOUBLE_EQ(stored[1].win_rate, 0.75);
  EXPECT_EQ(stored[1].first_seen, std::optional<std::string>("2024-01-02T00:00:00Z"));
  EXPECT_EQ(must(cat->get("base")).mem_learned_patterns_count, 2);
  EXPECT_EQ(must(cat->audit("base", 1))[0].action, "store_learned_patterns");
  // Wins above occurrences: refused, nothing written.
  EXPECT_EQ(cat->store_learned_patterns("base", {pattern("new", 3, 4)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(must(cat->learned_patterns("base")).size(), 2u);
}

TEST(CatalogMem, APatternPointsAtTheLearnedStrategyMadeFromIt) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "base");
  const std::string learned = add(*cat, "base-learned-trending");
  must(cat->store_learned_patterns("base", {pattern("trending", 10, 8)}));
  must(cat->attach_learned_strategy("base", "trending", "base-learned-trending"));
  EXPECT_EQ(must(cat->learned_patterns("base"))[0].learned_strategy_id, std::optional<std::string>(learned));
  EXPECT_EQ(cat->attach_learned_strategy("base", "no-such-pattern", learned).code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->attach_learned_strategy("base", "trending", "nobody").code(), StatusCode::kNotFound);
}

TEST(CatalogMem, ImprovementIsStoredOnTheVersionWithItsAuditRow) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "base");
  const VersionRecord v = add_version(*cat, "base", "1.0.0", 14);
  must(cat->set_mem_improvement(v.version_id, 12.5));
  EXPECT_EQ(must(cat->get_version(v.version_id)).mem_improvement_pct, std::optional<double>(12.5));
  const auto audit = must(cat->audit("base", 1));
  EXPECT_EQ(audit[0].action, "set_mem_improvement");
  EXPECT_TRUE(audit[0].before["mem_improvement_pct"].is_null());
  EXPECT_EQ(audit[0].after["mem_improvement_pct"], 12.5);
  EXPECT_EQ(cat->set_mem_improvement("no-such-version", 1).code(), StatusCode::kNotFound);
}

// Parameter changes belong to the version that was current when they were made; each version's
// effective values are its defaults overlaid with its own changes.
TEST(CatalogMem, VersionParametersAreThatVersionsDefaultsAndChanges) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "base");
  add_version(*cat, "base", "1.0.0", 14);
  must(cat->update_parameter("base", "period", 20, "tuned on 1.0.0", "mem_learning"));
  add_version(*cat, "base", "2.0.0", 30);
  EXPECT_EQ(must(cat->version_parameters("base", "1.0.0"))["period"], 20);
  EXPECT_EQ(must(cat->version_parameters("base", "2.0.0"))["period"], 30);
  EXPECT_EQ(must(cat->current_parameters("base"))["period"], 30);
  EXPECT_EQ(cat->version_parameters("base", "9.9.9").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace algohost::catalog
