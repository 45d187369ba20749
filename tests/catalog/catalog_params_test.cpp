// Catalog parameters (changes checked against the manifest's specs, effective values, history)
// and relationships (types, self-links, duplicates, both directions).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;

using algohost::testing::must;

using testutil::scalar;

void add(Catalog& cat, const std::string& name) { testutil::register_named(cat, name); }

const char* kSpecs = R"({
  "period": {"type": "integer", "default": 14, "min": 2, "max": 100},
  "threshold": {"type": "float", "default": 0.5, "min": 0.0, "max": 1.0},
  "mode": {"type": "string", "default": "session", "choices": ["rolling", "session"]},
  "use_volume": {"type": "boolean", "default": false}
})";

class CatalogParams : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = must(Catalog::open(dir / "catalog.db"), "open");
    add(*cat, "rsi_basic");
    VersionCreate v;
    v.version = "1.0.0";
    v.artifact_sha256 = std::string(64, 'a');
    v.parameters = Json::parse(kSpecs);
    v.default_parameters = Json{{"period", 14}, {"threshold", 0.5}, {"mode", "session"}, {"use_volume", false}};
    version_id = must(cat->create_version("rsi_basic", v)).version_id;
  }
  int64_t param_rows() { return scalar(*cat, "SELECT count(*) FROM strategy_parameters"); }
  int64_t audit_rows() { return scalar(*cat, "SELECT count(*) FROM audit_log"); }

  TempDir dir;
  std::unique_ptr<Catalog> cat;
  std::string version_id;
};

// A change measured before it was written (MEM's replay) keeps its evidence in the seed's columns;
// a manual one leaves them null.
TEST_F(CatalogParams, AMeasuredChangeKeepsItsBeforeAndAfterSharpe) {
  must(cat->update_parameter("rsi_basic", "threshold", 0.4, "replayed", "mem_learning", std::nullopt,
                             ParameterEvidence{0.8, 1.0, 25.0}));
  must(cat->update_parameter("rsi_basic", "period", 20, "by hand"));
  auto h = must(cat->parameter_history("rsi_basic"));
  ASSERT_EQ(h.size(), 2u);
  const ParameterChange& measured = h[0].parameter_name == "threshold" ? h[0] : h[1];
  const ParameterChange& manual = h[0].parameter_name == "threshold" ? h[1] : h[0];
  EXPECT_EQ(measured.changed_by, "mem_learning");
  EXPECT_EQ(measured.evidence.before_sharpe, 0.8);
  EXPECT_EQ(measured.evidence.after_sharpe, 1.0);
  EXPECT_EQ(measured.evidence.improvement_pct, 25.0);
  EXPECT_EQ(measured.to_json()["after_sharpe"], 1.0);
  EXPECT_FALSE(manual.evidence.before_sharpe || manual.evidence.after_sharpe || manual.evidence.improvement_pct);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_parameters WHERE before_sharpe = 0.8 AND after_sharpe = 1.0 "
                         "AND improvement_pct = 25.0 AND parameter_name = 'threshold'"),
            1);
}

TEST_F(CatalogParams, DefaultsAreTheCurrentVersionsDefaults) {
  auto p = must(cat->current_parameters("rsi_basic"));
  EXPECT_EQ(p["period"], 14);
  EXPECT_EQ(p["threshold"], 0.5);
  EXPECT_EQ(p["mode"], "session");
  EXPECT_EQ(p["use_volume"], false);
  EXPECT_TRUE(must(cat->parameter_history("rsi_basic")).empty());
  EXPECT_TRUE(must(cat->parameter_history("rsi_basic", "period")).empty()) << "declared, never changed";
}

TEST_F(CatalogParams, ChangesWithinRangeShowInCurrentAndHistory) {
  must(cat->update_parameter("rsi_basic", "period", 20, "tuning after backtest", "backtest_optimization"));
  must(cat->update_parameter("rsi_basic", "period", 25, "MEM found longer works", "mem_learning", std::string("B")));
  must(cat->update_parameter("rsi_basic", "threshold", 1.0, "edge of the range", "manual"));  // max is inclusive
  must(cat->update_parameter("rsi_basic", "mode", "rolling", "switch mode"));
  must(cat->update_parameter("rsi_basic", "use_volume", true, "enable"));

  auto p = must(cat->current_parameters("rsi_basic"));
  EXPECT_EQ(p["period"], 25);
  EXPECT_EQ(p["threshold"], 1.0);
  EXPECT_EQ(p["mode"], "rolling");
  EXPECT_EQ(p["use_volume"], true);

  auto h = must(cat->parameter_history("rsi_basic", "period"));
  ASSERT_EQ(h.size(), 2u);
  // Newest first.
  EXPECT_EQ(Json::parse(h[0].parameter_value), 25);
  ASSERT_TRUE(h[0].previous_value.has_value());
  EXPECT_EQ(Json::parse(*h[0].previous_value), 20);
  EXPECT_EQ(h[0].changed_by, "mem_learning");
  EXPECT_EQ(h[0].change_reason, std::optional<std::string>("MEM found longer works"));
  EXPECT_TRUE(h[0].is_ab_test);
  EXPECT_EQ(h[0].ab_test_group, std::optional<std::string>("B"));
  EXPECT_EQ(h[0].parameter_type, "integer");
  EXPECT_EQ(h[0].version_id, version_id);
  EXPECT_FALSE(h[0].applied_to.has_value());  // still in force

  EXPECT_EQ(Json::parse(h[1].parameter_value), 20);
  ASSERT_TRUE(h[1].previous_value.has_value());
  EXPECT_EQ(Json::parse(*h[1].previous_value), 14);  // the default it replaced
  EXPECT_EQ(h[1].changed_by, "backtest_optimization");
  EXPECT_FALSE(h[1].is_ab_test);
  EXPECT_FALSE(h[1].ab_test_group.has_value());
  EXPECT_TRUE(h[1].applied_to.has_value());  // superseded

  EXPECT_EQ(must(cat->parameter_history("rsi_basic")).size(), 5u);
  EXPECT_EQ(must(cat->parameter_history("rsi_basic", "mode")).size(), 1u);
  EXPECT_EQ(cat->parameter_history("rsi_basic", "unknown").status().code(), StatusCode::kNotFound)
      << "a parameter no version declares is an error, not an empty history";
  EXPECT_EQ(cat->parameter_history("rsi_basic", "'; DROP TABLE strategies; --").status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogParams, RefusedChangesWriteNothing) {
  must(cat->update_parameter("rsi_basic", "period", 20, "first"));
  const int64_t rows = param_rows(), audits = audit_rows();
  struct Case {
    const char* what;
    std::string parameter;
    Json value;
    std::string reason, changed_by;
  };
  const std::vector<Case> cases = {
      {"above max", "period", 101, "r", "manual"},
      {"below min", "period", 1, "r", "manual"},
      {"float above max", "threshold", 1.5, "r", "manual"},
      {"negative float", "threshold", -0.1, "r", "manual"},
      {"string for integer", "period", "20", "r", "manual"},
      {"fraction for integer", "period", 14.5, "r", "manual"},
      {"number for boolean", "use_volume", 1, "r", "manual"},
      {"not a choice", "mode", "weekly", "r", "manual"},
      {"null value", "period", nullptr, "r", "manual"},
      {"unknown parameter", "no_such_param", 5, "r", "manual"},
      {"bad changed_by", "period", 30, "r", "robot"},
      {"empty reason", "period", 30, "", "manual"},
  };
  for (const auto& c : cases) {
    Status st = cat->update_parameter("rsi_basic", c.parameter, c.value, c.reason, c.changed_by);
    ASSERT_FALSE(st.ok()) << c.what;
    EXPECT_NE(st.code(), StatusCode::kInternal) << c.what << ": " << st.to_string();
    EXPECT_EQ(param_rows(), rows) << c.what;
    EXPECT_EQ(audit_rows(), audits) << c.what;
  }
  // Messages say what is wrong.
  Status st = cat->update_parameter("rsi_basic", "period", 101, "r");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("period"), std::string::npos) << st.message();
  st = cat->update_parameter("rsi_basic", "no_such_param", 5, "r");
  EXPECT_NE(st.message().find("no_such_param"), std::string::npos) << st.message();
  st = cat->update_parameter("rsi_basic", "period", 30, "r", "robot");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("changed_by"), std::string::npos) << st.message();
  st = cat->update_parameter("rsi_basic", "period", 30, "");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("reason"), std::string::npos) << st.message();
  EXPECT_EQ(must(cat->current_parameters("rsi_basic"))["period"], 20);
}

TEST_F(CatalogParams, StrategyWithoutVersionHasNoParameters) {
  add(*cat, "bare");
  EXPECT_FALSE(cat->current_parameters("bare").ok());
  EXPECT_FALSE(cat->update_parameter("bare", "period", 5, "r").ok());
  EXPECT_EQ(cat->update_parameter("ghost", "period", 5, "r").code(), StatusCode::kNotFound);
}

TEST_F(CatalogParams, ANewVersionStartsFromItsOwnDefaults) {
  must(cat->update_parameter("rsi_basic", "period", 30, "tuned"));
  VersionCreate v;
  v.version = "1.1.0";
  v.artifact_sha256 = std::string(64, 'b');
  v.parameters = Json::parse(kSpecs);
  v.default_parameters = Json{{"period", 21}, {"threshold", 0.5}, {"mode", "session"}, {"use_volume", false}};
  must(cat->create_version("rsi_basic", v));
  EXPECT_EQ(must(cat->current_parameters("rsi_basic"))["period"], 21);
}

// ---- Relationships -----------------------------------------------------------------------

TEST(CatalogRelationships, AllSixTypesAreAccepted) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "hub");
  const std::vector<std::string> types = {"derived_from", "mem_enhanced_version", "combined_with",
                                          "alternative_to", "replaces", "portfolio_component"};
  for (const auto& t : types) {
    add(*cat, "leaf_" + t);
    must(cat->link("hub", "leaf_" + t, t, "a " + t + " link", 0.5), t);
  }
  auto rel = must(cat->related("hub"));
  ASSERT_EQ(rel.size(), types.size());
  std::vector<std::string> got;
  for (const auto& r : rel) {
    got.push_back(r.relationship_type);
    EXPECT_EQ(r.strategy.strategy_name, "leaf_" + r.relationship_type);
    EXPECT_EQ(r.description, "a " + r.relationship_type + " link");
    EXPECT_EQ(r.similarity_score, std::optional<double>(0.5));
  }
  std::sort(got.begin(), got.end());
  auto want = types;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(CatalogRelationships, RelatedShowsBothDirections) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "parent_s");
  add(*cat, "middle_s");
  add(*cat, "child_s");
  must(cat->link("parent_s", "middle_s", "derived_from"));
  must(cat->link("middle_s", "child_s", "combined_with"));
  auto rel = must(cat->related("middle_s"));
  ASSERT_EQ(rel.size(), 2u);
  const RelatedStrategy* up = nullptr;
  const RelatedStrategy* down = nullptr;
  for (const auto& r : rel) (r.strategy.strategy_name == "parent_s" ? up : down) = &r;
  ASSERT_TRUE(up && down);
  EXPECT_EQ(up->relationship_type, "derived_from");
  EXPECT_EQ(down->strategy.strategy_name, "child_s");
  EXPECT_EQ(down->relationship_type, "combined_with");
  EXPECT_NE(up->direction, down->direction);  // one is the parent, the other the child
  EXPECT_EQ(up->direction, "parent");
  EXPECT_EQ(down->direction, "child");
  EXPECT_EQ(must(cat->related("parent_s")).size(), 1u);
  EXPECT_EQ(must(cat->related("child_s")).size(), 1u);
  EXPECT_EQ(cat->related("ghost").status().code(), StatusCode::kNotFound);
}

TEST(CatalogRelationships, RefusesSelfLinksUnknownTypesDuplicatesAndBadScores) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  add(*cat, "a_s");
  add(*cat, "b_s");
  must(cat->link("a_s", "b_s", "alternative_to"));
  const int64_t rows = scalar(*cat, "SELECT count(*) FROM strategy_relationships");
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");

  Status st = cat->link("a_s", "a_s", "alternative_to");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  st = cat->link("a_s", "b_s", "cousin_of");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("cousin_of"), std::string::npos) << st.message();
  st = cat->link("a_s", "b_s", "alternative_to");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  st = cat->link("a_s", "b_s", "combined_with", "", 1.5);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  st = cat->link("a_s", "ghost", "combined_with");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_relationships"), rows);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits);

  // The same pair with another type, or the other way round, is a different relationship.
  must(cat->link("a_s", "b_s", "combined_with"));
  must(cat->link("b_s", "a_s", "alternative_to"));
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_relationships"), rows + 2);
}

}  // namespace
}  // namespace algohost::catalog
