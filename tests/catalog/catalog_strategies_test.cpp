// Catalog strategies: registration, updates, deprecation and archiving; discovery through list()
// filters, sorting and paging; get() by id and name; ranked full-text search.
#include <algorithm>
#include <ctime>
#include <regex>
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

std::unique_ptr<Catalog> open_catalog(const TempDir& dir) { return must(Catalog::open(dir / "catalog.db"), "open"); }

Registration reg(const std::string& name, const std::string& category = "momentum",
                 std::vector<std::string> tags = {}) {
  Registration r;
  r.name = name;
  r.display_name = name;
  r.language = "cpp";
  r.category = category;
  r.tags = std::move(tags);
  return r;
}

std::vector<std::string> names(const std::vector<StrategyRecord>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.strategy_name);
  return out;
}
std::vector<std::string> names(const std::vector<SearchHit>& v) {
  std::vector<std::string> out;
  for (const auto& h : v) out.push_back(h.strategy.strategy_name);
  return out;
}
std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using testutil::scalar;

void set_summary(Catalog& c, const std::string& name, std::optional<double> sharpe, std::optional<double> win_rate) {
  auto st = must(c.database().prepare(
      "UPDATE strategies SET lifetime_sharpe_ratio = ?, lifetime_win_rate = ? WHERE strategy_name = ?"));
  st->bind(1, sharpe).bind(2, win_rate).bind(3, name);
  must(st->run(), "set_summary");
}

// ---- Registration ------------------------------------------------------------------------

TEST(CatalogStrategies, RegisterStoresEveryFieldAndGetFindsByIdAndName) {
  TempDir dir;
  auto cat = open_catalog(dir);
  Registration r;
  r.name = "vol_breakout";
  r.display_name = "Volatility Breakout";
  r.description = "Buys range expansions after quiet periods.";
  r.category = "breakout";
  r.sub_category = "volatility";
  r.complexity = "moderate";
  r.language = "python";
  r.file_path = "plugins/vol_breakout/strategy.py";
  r.class_name = "VolBreakout";
  r.origin = "research";
  r.academic_source = "Doe (2020)";
  r.created_by = "alice";
  r.search_keywords = "range expansion";
  r.status = "active";
  r.tags = {"volatility", "breakout", "volatility"};  // duplicate kept once
  r.requires_short_selling = true;
  r.requires_margin = true;
  r.mem_learning_enabled = true;
  const std::string id = must(cat->register_strategy(r));
  EXPECT_EQ(id.size(), 36u) << id;

  for (const std::string& key : {id, std::string("vol_breakout")}) {
    auto s = must(cat->get(key), key);
    EXPECT_EQ(s.strategy_id, id);
    EXPECT_EQ(s.strategy_name, "vol_breakout");
    EXPECT_EQ(s.display_name, "Volatility Breakout");
    EXPECT_EQ(s.description, r.description);
    EXPECT_EQ(s.category, "breakout");
    EXPECT_EQ(s.sub_category, "volatility");
    EXPECT_EQ(s.complexity_level, "moderate");
    EXPECT_EQ(s.language, "python");
    EXPECT_EQ(s.file_path, r.file_path);
    EXPECT_EQ(s.class_name, "VolBreakout");
    EXPECT_EQ(s.origin, "research");
    EXPECT_EQ(s.academic_source, "Doe (2020)");
    EXPECT_EQ(s.created_by, "alice");
    EXPECT_EQ(s.search_keywords, "range expansion");
    EXPECT_EQ(s.status, "active");
    EXPECT_EQ(sorted(s.tags), (std::vector<std::string>{"breakout", "volatility"}));
    EXPECT_TRUE(s.requires_short_selling);
    EXPECT_TRUE(s.requires_margin);
    EXPECT_TRUE(s.mem_learning_enabled);
    EXPECT_FALSE(s.is_mem_enhanced);
    EXPECT_EQ(s.version_count, 0);
    EXPECT_EQ(s.total_trades, 0);
    EXPECT_FALSE(s.lifetime_sharpe_ratio.has_value());
    EXPECT_FALSE(s.created_at.empty());
  }
}

TEST(CatalogStrategies, UnknownStrategyIsNotFoundNamingWhatWasAsked) {
  TempDir dir;
  auto cat = open_catalog(dir);
  must(cat->register_strategy(reg("known")));
  auto r = cat->get("no_such_strategy");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no_such_strategy"), std::string::npos) << r.status().message();
  EXPECT_EQ(cat->update_strategy("no_such_strategy", StrategyUpdate{}).code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->deprecate("no_such_strategy", "why").code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->archive("no_such_strategy").code(), StatusCode::kNotFound);
}

TEST(CatalogStrategies, DuplicateNameIsAlreadyExistsAndWritesNothing) {
  TempDir dir;
  auto cat = open_catalog(dir);
  must(cat->register_strategy(reg("rsi_basic")));
  const int64_t strategies = scalar(*cat, "SELECT count(*) FROM strategies");
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");
  auto again = reg("rsi_basic", "mean_reversion", {"other"});
  auto r = cat->register_strategy(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("rsi_basic"), std::string::npos);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategies"), strategies);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits);
  EXPECT_EQ(must(cat->get("rsi_basic")).category, "momentum");  // the first one is untouched
}

TEST(CatalogStrategies, BadEnumValuesAreInvalidArgumentNamingTheField) {
  TempDir dir;
  auto cat = open_catalog(dir);
  struct Case {
    const char* field;
    Registration r;
  };
  std::vector<Case> cases;
  {
    auto r = reg("bad_origin");
    r.origin = "alien";
    cases.push_back({"origin", r});
  }
  {
    auto r = reg("bad_status");
    r.status = "retired";
    cases.push_back({"status", r});
  }
  {
    auto r = reg("bad_language");
    r.language = "rust";
    cases.push_back({"language", r});
  }
  {
    auto r = reg("bad_complexity");
    r.complexity = "hard";
    cases.push_back({"complexity", r});
  }
  {
    auto r = reg("");
    cases.push_back({"name", r});
  }
  {
    auto r = reg("no_display");
    r.display_name = "";
    cases.push_back({"display_name", r});
  }
  for (const auto& c : cases) {
    auto res = cat->register_strategy(c.r);
    ASSERT_FALSE(res.ok()) << c.field;
    EXPECT_EQ(res.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(res.status().message().find(c.field), std::string::npos) << res.status().message();
  }
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategies"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), 0);

  must(cat->register_strategy(reg("fine")));
  StrategyUpdate u;
  u.status = "gone";
  Status st = cat->update_strategy("fine", u);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("status"), std::string::npos) << st.message();
  StrategyUpdate u2;
  u2.complexity = "impossible";
  st = cat->update_strategy("fine", u2);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("complexity"), std::string::npos) << st.message();
  EXPECT_EQ(must(cat->get("fine")).status, "experimental");
}

TEST(CatalogStrategies, UpdateChangesOnlyTheGivenFieldsAndRefreshesSearch) {
  TempDir dir;
  auto cat = open_catalog(dir);
  auto r = reg("trend_rider", "trend", {"trend"});
  r.description = "Rides trends.";
  r.sub_category = "time_series";
  must(cat->register_strategy(r));
  const auto before = must(cat->get("trend_rider"));

  StrategyUpdate u;
  u.description = "Rides long trends with a trailing stop.";
  u.tags = std::vector<std::string>{"trend", "trailingstop"};
  u.status = "active";
  must(cat->update_strategy("trend_rider", u));
  const auto after = must(cat->get("trend_rider"));
  EXPECT_EQ(after.description, "Rides long trends with a trailing stop.");
  EXPECT_EQ(sorted(after.tags), (std::vector<std::string>{"trailingstop", "trend"}));
  EXPECT_EQ(after.status, "active");
  EXPECT_EQ(after.category, "trend");               // untouched
  EXPECT_EQ(after.sub_category, "time_series");     // untouched
  EXPECT_EQ(after.display_name, before.display_name);
  EXPECT_GE(after.updated_at, before.updated_at);

  // The new tag is searchable; the full-text index follows the update.
  EXPECT_EQ(names(must(cat->search("trailingstop"))), (std::vector<std::string>{"trend_rider"}));
  // And the tag filter follows it too.
  StrategyFilter f;
  f.all_tags = {"trailingstop"};
  EXPECT_EQ(names(must(cat->list(f))), (std::vector<std::string>{"trend_rider"}));
}

TEST(CatalogStrategies, DeprecateNeedsAReasonAndRecordsIt) {
  TempDir dir;
  auto cat = open_catalog(dir);
  must(cat->register_strategy(reg("old_one")));
  Status st = cat->deprecate("old_one", "");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("reason"), std::string::npos) << st.message();
  EXPECT_EQ(must(cat->get("old_one")).status, "experimental");

  must(cat->deprecate("old_one", "superseded by better research"));
  auto s = must(cat->get("old_one"));
  EXPECT_EQ(s.status, "deprecated");
  ASSERT_TRUE(s.deprecation_reason.has_value());
  EXPECT_EQ(*s.deprecation_reason, "superseded by better research");
  EXPECT_TRUE(s.deprecated_at.has_value());
  EXPECT_FALSE(s.replacement_strategy_id.has_value());
  EXPECT_TRUE(must(cat->related("old_one")).empty());
}

TEST(CatalogStrategies, DeprecateWithReplacementLinksReplaces) {
  TempDir dir;
  auto cat = open_catalog(dir);
  const std::string old_id = must(cat->register_strategy(reg("macd_v1")));
  const std::string new_id = must(cat->register_strategy(reg("macd_v2")));

  // Unknown replacement: refused, nothing changes.
  Status bad = cat->deprecate("macd_v1", "replaced", std::string("macd_v9"));
  EXPECT_EQ(bad.code(), StatusCode::kNotFound);
  EXPECT_NE(bad.message().find("macd_v9"), std::string::npos) << bad.message();
  EXPECT_EQ(must(cat->get("macd_v1")).status, "experimental");
  // Itself as replacement: refused.
  EXPECT_EQ(cat->deprecate("macd_v1", "replaced", std::string("macd_v1")).code(), StatusCode::kInvalidArgument);

  must(cat->deprecate("macd_v1", "v2 handles gaps", std::string("macd_v2")));
  auto s = must(cat->get(old_id));
  EXPECT_EQ(s.status, "deprecated");
  ASSERT_TRUE(s.replacement_strategy_id.has_value());
  EXPECT_EQ(*s.replacement_strategy_id, new_id);

  auto rel_old = must(cat->related("macd_v1"));
  ASSERT_EQ(rel_old.size(), 1u);
  EXPECT_EQ(rel_old[0].relationship_type, "replaces");
  EXPECT_EQ(rel_old[0].strategy.strategy_id, new_id);
  auto rel_new = must(cat->related("macd_v2"));
  ASSERT_EQ(rel_new.size(), 1u);
  EXPECT_EQ(rel_new[0].relationship_type, "replaces");
  EXPECT_EQ(rel_new[0].strategy.strategy_id, old_id);
  // The replacement is the parent ("new replaces old").
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_relationships WHERE relationship_type = 'replaces'"), 1);
  auto st = must(cat->database().prepare(
      "SELECT parent_strategy_id, child_strategy_id FROM strategy_relationships WHERE relationship_type = 'replaces'"));
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->text(0), new_id);
  EXPECT_EQ(st->text(1), old_id);
  st->reset();
}

TEST(CatalogStrategies, ArchiveHidesFromListAndSearchUnlessAsked) {
  TempDir dir;
  auto cat = open_catalog(dir);
  must(cat->register_strategy(reg("keeper_momentum")));
  auto r = reg("shelved_momentum");
  r.description = "An old momentum idea.";
  must(cat->register_strategy(r));
  must(cat->archive("shelved_momentum"));
  EXPECT_EQ(must(cat->get("shelved_momentum")).status, "archived");

  EXPECT_EQ(names(must(cat->list(StrategyFilter{}))), (std::vector<std::string>{"keeper_momentum"}));
  StrategyFilter all;
  all.include_inactive = true;
  EXPECT_EQ(names(must(cat->list(all))), (std::vector<std::string>{"keeper_momentum", "shelved_momentum"}));

  EXPECT_EQ(names(must(cat->search("momentum"))), (std::vector<std::string>{"keeper_momentum"}));
  EXPECT_EQ(sorted(names(must(cat->search("momentum", 20, true)))),
            (std::vector<std::string>{"keeper_momentum", "shelved_momentum"}));
}

// ---- Discovery ---------------------------------------------------------------------------

class CatalogList : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = open_catalog(dir);
    auto add = [&](const std::string& name, const std::string& category, const std::string& sub,
                   const std::string& language, const std::string& origin, std::vector<std::string> tags,
                   const std::string& status) {
      Registration r = reg(name, category, std::move(tags));
      r.sub_category = sub;
      r.language = language;
      r.origin = origin;
      r.status = status;
      must(cat->register_strategy(r), name);
    };
    add("alpha_momentum", "momentum", "time_series", "cpp", "built_in", {"momentum", "trend"}, "active");
    add("beta_reversion", "mean_reversion", "statistical", "python", "research", {"reversion", "academic"},
        "experimental");
    add("gamma_breakout", "momentum", "breakout", "cpp", "imported", {"momentum", "breakout", "academic"}, "active");
    add("delta_pairs", "mean_reversion", "pairs", "multi", "learned", {"pairs", "academic"}, "active");
    add("old_momentum", "momentum", "time_series", "cpp", "built_in", {"momentum", "academic"}, "active");
    add("ancient_trend", "momentum", "time_series", "cpp", "built_in", {"trend"}, "active");
    must(cat->deprecate("old_momentum", "worse than alpha"));
    must(cat->archive("ancient_trend"));
    set_summary(*cat, "alpha_momentum", 1.5, 0.55);
    set_summary(*cat, "beta_reversion", 0.8, 0.62);
    set_summary(*cat, "gamma_breakout", 2.1, 0.48);
    set_summary(*cat, "delta_pairs", std::nullopt, std::nullopt);
    set_summary(*cat, "old_momentum", 3.0, 0.9);
    set_summary(*cat, "ancient_trend", 2.5, 0.7);
  }
  std::vector<std::string> run(const StrategyFilter& f) { return names(must(cat->list(f), "list")); }

  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

using V = std::vector<std::string>;

TEST_F(CatalogList, DefaultLeavesOutDeprecatedAndArchivedSortedByName) {
  EXPECT_EQ(run({}), (V{"alpha_momentum", "beta_reversion", "delta_pairs", "gamma_breakout"}));
}

TEST_F(CatalogList, InactiveOnlyWhenAsked) {
  StrategyFilter f;
  f.include_inactive = true;
  EXPECT_EQ(run(f), (V{"alpha_momentum", "ancient_trend", "beta_reversion", "delta_pairs", "gamma_breakout",
                       "old_momentum"}));
  StrategyFilter dep;
  dep.statuses = {"deprecated"};
  EXPECT_EQ(run(dep), (V{"old_momentum"}));
  StrategyFilter two;
  two.statuses = {"archived", "experimental"};
  EXPECT_EQ(run(two), (V{"ancient_trend", "beta_reversion"}));
}

TEST_F(CatalogList, FiltersByCategorySubCategoryLanguageOrigin) {
  StrategyFilter f;
  f.category = "momentum";
  EXPECT_EQ(run(f), (V{"alpha_momentum", "gamma_breakout"}));
  f = {};
  f.sub_category = "pairs";
  EXPECT_EQ(run(f), (V{"delta_pairs"}));
  f = {};
  f.sub_category = "time_series";
  f.include_inactive = true;
  EXPECT_EQ(run(f), (V{"alpha_momentum", "ancient_trend", "old_momentum"}));
  f = {};
  f.language = "python";
  EXPECT_EQ(run(f), (V{"beta_reversion"}));
  f = {};
  f.language = "multi";
  EXPECT_EQ(run(f), (V{"delta_pairs"}));
  f = {};
  f.origin = "imported";
  EXPECT_EQ(run(f), (V{"gamma_breakout"}));
  f = {};
  f.origin = "research";
  EXPECT_EQ(run(f), (V{"beta_reversion"}));
  f = {};
  f.category = "momentum";
  f.language = "python";
  EXPECT_EQ(run(f), V{});
}

TEST_F(CatalogList, TagsAllOfAndAnyOf) {
  StrategyFilter f;
  f.all_tags = {"academic"};
  EXPECT_EQ(run(f), (V{"beta_reversion", "delta_pairs", "gamma_breakout"}));
  f.all_tags = {"academic", "momentum"};
  EXPECT_EQ(run(f), (V{"gamma_breakout"}));
  f.all_tags = {"academic", "momentum", "pairs"};
  EXPECT_EQ(run(f), V{});
  f = {};
  f.any_tags = {"breakout", "pairs"};
  EXPECT_EQ(run(f), (V{"delta_pairs", "gamma_breakout"}));
  f.any_tags = {"nothing_has_this"};
  EXPECT_EQ(run(f), V{});
  f = {};
  f.all_tags = {"momentum"};
  f.any_tags = {"trend", "pairs"};
  EXPECT_EQ(run(f), (V{"alpha_momentum"}));
}

TEST_F(CatalogList, MinSharpeAndMinWinRate) {
  StrategyFilter f;
  f.min_sharpe = 1.0;
  EXPECT_EQ(run(f), (V{"alpha_momentum", "gamma_breakout"}));  // old_momentum is deprecated, delta has none
  f.min_sharpe = 2.0;
  EXPECT_EQ(run(f), (V{"gamma_breakout"}));
  f = {};
  f.min_win_rate = 0.55;  // inclusive
  EXPECT_EQ(run(f), (V{"alpha_momentum", "beta_reversion"}));
  f.min_sharpe = 1.0;
  EXPECT_EQ(run(f), (V{"alpha_momentum"}));
}

TEST_F(CatalogList, SortsAndPages) {
  StrategyFilter f;
  f.sort = "sharpe";
  f.descending = true;
  EXPECT_EQ(run(f), (V{"gamma_breakout", "alpha_momentum", "beta_reversion", "delta_pairs"}));  // no Sharpe last
  f.sort = "win_rate";
  EXPECT_EQ(run(f), (V{"beta_reversion", "alpha_momentum", "gamma_breakout", "delta_pairs"}));
  f = {};
  f.sort = "name";
  f.descending = true;
  EXPECT_EQ(run(f), (V{"gamma_breakout", "delta_pairs", "beta_reversion", "alpha_momentum"}));

  f = {};
  f.limit = 2;
  EXPECT_EQ(run(f), (V{"alpha_momentum", "beta_reversion"}));
  f.offset = 1;
  EXPECT_EQ(run(f), (V{"beta_reversion", "delta_pairs"}));
  f.offset = 3;
  EXPECT_EQ(run(f), (V{"gamma_breakout"}));
  f.offset = 10;
  EXPECT_EQ(run(f), V{});

  f = {};
  f.sort = "sharpe";
  f.descending = true;
  f.limit = 1;
  f.offset = 1;
  EXPECT_EQ(run(f), (V{"alpha_momentum"}));

  f = {};
  f.sort = "height";
  auto bad = cat->list(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("sort"), std::string::npos);
}

// ---- Search ------------------------------------------------------------------------------

TEST(CatalogSearch, NameMatchRanksAboveDescriptionMention) {
  TempDir dir;
  auto cat = open_catalog(dir);
  // Registered first and alphabetically first, so ordering by insertion or name would put it on top.
  auto a = reg("calm_reversion", "mean_reversion");
  a.description = "Fades extremes and ignores momentum entirely.";
  must(cat->register_strategy(a));
  auto b = reg("momentum_breakout");
  b.description = "Buys breakouts.";
  must(cat->register_strategy(b));
  auto c = reg("quiet_pairs", "pairs");
  c.description = "Trades cointegrated pairs.";
  must(cat->register_strategy(c));

  auto hits = must(cat->search("momentum"));
  ASSERT_EQ(names(hits), (V{"momentum_breakout", "calm_reversion"}));
  EXPECT_LE(hits[0].rank, hits[1].rank);  // bm25: lower is better
}

TEST(CatalogSearch, MatchesWordsInNameDisplayNameKeywordsAndTags) {
  TempDir dir;
  auto cat = open_catalog(dir);
  auto r = reg("volatility_managed_momentum", "momentum", {"academic", "volatility_scaling"});
  r.display_name = "Volatility-Managed Momentum";
  r.search_keywords = "barroso santa-clara";
  r.description = "Scales exposure by realised variance.";
  must(cat->register_strategy(r));
  must(cat->register_strategy(reg("plain_rsi", "mean_reversion", {"oscillator"})));

  EXPECT_EQ(names(must(cat->search("managed"))), (V{"volatility_managed_momentum"}));      // a word of the name
  EXPECT_EQ(names(must(cat->search("barroso"))), (V{"volatility_managed_momentum"}));      // keyword
  EXPECT_EQ(names(must(cat->search("academic"))), (V{"volatility_managed_momentum"}));     // tag
  EXPECT_EQ(names(must(cat->search("variance"))), (V{"volatility_managed_momentum"}));     // description
  EXPECT_EQ(names(must(cat->search("oscillator"))), (V{"plain_rsi"}));
  EXPECT_EQ(names(must(cat->search("VARIANCE"))), (V{"volatility_managed_momentum"}));     // case-insensitive
  EXPECT_TRUE(must(cat->search("nonexistentword")).empty());
  // Several words: all must appear.
  EXPECT_EQ(names(must(cat->search("realised variance"))), (V{"volatility_managed_momentum"}));
  EXPECT_TRUE(must(cat->search("realised oscillator")).empty());
}

TEST(CatalogSearch, LastWordMatchesAsPrefix) {
  TempDir dir;
  auto cat = open_catalog(dir);
  auto r = reg("volatility_managed_momentum");
  r.description = "Scales exposure by realised variance.";
  must(cat->register_strategy(r));
  must(cat->register_strategy(reg("plain_rsi", "mean_reversion")));
  EXPECT_EQ(names(must(cat->search("volat"))), (V{"volatility_managed_momentum"}));
  EXPECT_EQ(names(must(cat->search("realised vari"))), (V{"volatility_managed_momentum"}));
  EXPECT_EQ(names(must(cat->search("pla"))), (V{"plain_rsi"}));
}

TEST(CatalogSearch, LimitAndInactive) {
  TempDir dir;
  auto cat = open_catalog(dir);
  for (int i = 0; i < 5; ++i) {
    auto r = reg("trend_" + std::to_string(i), "trend");
    r.description = "A trend follower.";
    must(cat->register_strategy(r));
  }
  EXPECT_EQ(must(cat->search("trend", 3)).size(), 3u);
  EXPECT_EQ(must(cat->search("trend")).size(), 5u);
  must(cat->deprecate("trend_0", "obsolete"));
  auto active = names(must(cat->search("trend")));
  EXPECT_EQ(active.size(), 4u);
  EXPECT_EQ(std::count(active.begin(), active.end(), "trend_0"), 0);
  auto all = names(must(cat->search("trend", 20, true)));
  EXPECT_EQ(all.size(), 5u);
}

}  // namespace
}  // namespace algohost::catalog

namespace algohost::catalog {
namespace {

// Search ranks inside the full-text index and reads records for the best candidates only; when
// the best candidates are mostly deprecated, it must widen its cut rather than return too few.
TEST(CatalogSearch, ManyInactiveBetterMatchesDoNotHideActiveOnes) {
  algohost::testing::TempDir dir;
  auto cat = algohost::testing::must(Catalog::open(dir / "catalog.db"));
  algohost::testing::must(cat->in_transaction([&]() -> Status {
    for (int i = 0; i < 120; ++i) {  // "zebra" in the name (weight 10): the best matches, all deprecated
      Registration r;
      r.name = "zebra_" + std::to_string(i);
      r.display_name = "Zebra " + std::to_string(i);
      r.language = "cpp";
      auto id = cat->register_strategy(r);
      if (!id.ok()) return id.status();
      if (Status st = cat->deprecate(*id, "old"); !st.ok()) return st;
    }
    for (int i = 0; i < 3; ++i) {  // "zebra" only in the description (weight 1): active
      Registration r;
      r.name = "plain_" + std::to_string(i);
      r.display_name = "Plain";
      r.description = "mentions zebra once";
      r.language = "cpp";
      auto id = cat->register_strategy(r);
      if (!id.ok()) return id.status();
    }
    return Status::Ok();
  }));
  auto hits = algohost::testing::must(cat->search("zebra", 2));
  ASSERT_EQ(hits.size(), 2u);
  for (const auto& h : hits) EXPECT_EQ(h.strategy.strategy_name.rfind("plain_", 0), 0u) << h.strategy.strategy_name;
  auto all = algohost::testing::must(cat->search("zebra", 200, /*include_inactive=*/true));
  EXPECT_EQ(all.size(), 123u);
  EXPECT_EQ(all.front().strategy.strategy_name.rfind("zebra_", 0), 0u);  // name matches rank first
}

// The full-text index is written when the outermost transaction commits: a search inside the
// transaction still sees its changes, a rolled-back transaction leaves no index rows, and the
// index agrees with its content throughout (FTS5's integrity-check).
TEST(CatalogSearch, IndexFollowsChangesInsideATransactionAndItsRollback) {
  TempDir dir;
  auto cat = open_catalog(dir);
  auto fts_rows = [&] { return testutil::scalar(*cat, "SELECT count(*) FROM strategies_fts"); };
  auto integrity = [&] {
    return cat->database().exec("INSERT INTO strategies_fts (strategies_fts) VALUES ('integrity-check')");
  };
  must(cat->register_strategy(reg("kept_one")));
  Status body = cat->in_transaction([&]() -> Status {
    auto id = cat->register_strategy(reg("walrus_rolled_back"));
    if (!id.ok()) return id.status();
    StrategyUpdate u;
    u.description = "now mentions narwhal";
    if (Status st = cat->update_strategy("kept_one", u); !st.ok()) return st;
    auto hits = cat->search("walrus");
    EXPECT_TRUE(hits.ok() && hits->size() == 1) << "a search inside the transaction sees its registration";
    auto narwhal = cat->search("narwhal");
    EXPECT_TRUE(narwhal.ok() && narwhal->size() == 1) << "and its update";
    auto more = cat->register_strategy(reg("walrus_two"));  // queued again after the flush
    if (!more.ok()) return more.status();
    return Status::FailedPrecondition("roll it all back");
  });
  EXPECT_EQ(body.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(must(cat->search("walrus")).empty());
  EXPECT_TRUE(must(cat->search("narwhal")).empty());
  EXPECT_EQ(fts_rows(), 1);
  EXPECT_TRUE(integrity().ok());

  // Committed: every change indexed once, replaced rows replaced (not duplicated).
  must(cat->in_transaction([&]() -> Status {
    for (const char* name : {"walrus_a", "walrus_b"}) {
      auto id = cat->register_strategy(reg(name));
      if (!id.ok()) return id.status();
    }
    StrategyUpdate u;
    u.description = "walrus again";
    if (Status st = cat->update_strategy("kept_one", u); !st.ok()) return st;
    return cat->update_strategy("walrus_a", u);
  }));
  EXPECT_EQ(names(must(cat->search("walrus"))).size(), 3u);
  EXPECT_EQ(fts_rows(), 3);
  EXPECT_TRUE(integrity().ok());
}

// Timestamps as stored: ISO-8601 UTC with milliseconds, the current time, sortable as text.
TEST(CatalogClock, NowIsIso8601UtcWithMillisecondsAndSortsAsText) {
  const std::time_t before = std::time(nullptr);
  const std::string a = now_iso();
  const std::string b = now_iso();
  const std::time_t after = std::time(nullptr);
  const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(a, shape)) << a;
  EXPECT_LE(a, b);
  auto format = [](std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf);
  };
  const std::string second = a.substr(0, 19);
  EXPECT_TRUE(second == format(before) || second == format(after)) << a;
}

}  // namespace
}  // namespace algohost::catalog
