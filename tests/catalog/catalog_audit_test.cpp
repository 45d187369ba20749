// Catalog audit: every change writes exactly one audit_log row (actor, action, the entity before
// and after) together with the change; a refused change writes none.
#include <functional>
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

int64_t audit_count(Catalog& c) { return testutil::scalar(c, "SELECT count(*) FROM audit_log"); }

Registration reg(const std::string& name) {
  Registration r;
  r.name = name;
  r.display_name = name;
  r.language = "cpp";
  r.description = "first description";
  return r;
}

TradeRecord trade(const std::string& s, const std::string& day, double pnl) {
  TradeRecord t;
  t.strategy_id = s;
  t.symbol = "SPY";
  t.entry_timestamp = day + "T10:00:00Z";
  t.exit_timestamp = day + "T11:00:00Z";
  t.pnl = pnl;
  t.pnl_percentage = pnl / 100;
  return t;
}

class CatalogAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    CatalogOptions o;
    o.actor = "alice";
    cat = must(Catalog::open(dir / "catalog.db", o));
  }
  // Runs `change`, checks it added exactly one audit row, and returns that row.
  AuditEntry one_row(const std::string& what, const std::function<void()>& change) {
    const int64_t before = audit_count(*cat);
    change();
    const int64_t after = audit_count(*cat);
    EXPECT_EQ(after - before, 1) << what;
    auto rows = must(cat->audit(std::nullopt, 1));
    if (rows.empty()) throw std::runtime_error(what + ": no audit row");
    return rows.front();
  }
  void no_row(const std::string& what, const std::function<bool()>& change) {
    const int64_t before = audit_count(*cat);
    EXPECT_FALSE(change()) << what << " should have been refused";
    EXPECT_EQ(audit_count(*cat), before) << what;
  }

  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

// register_strategy and create_version build their "after" state (and create_version its return
// value) without reading the row back: each must equal the row as the catalog reads it.
TEST_F(CatalogAudit, AfterStateOfRegistrationAndVersionIsTheStoredRow) {
  Registration r = reg("as_stored");
  r.tags = {"zeta", "alpha", "zeta", "mid"};
  r.category = "momentum";
  r.metadata = Json{{"name", "as_stored"}, {"x", 1.25}};
  r.mem_learning_enabled = true;
  std::string id;
  auto e = one_row("register", [&] { id = must(cat->register_strategy(r)); });
  const Json registered = must(cat->get(id)).to_json();
  EXPECT_EQ(e.after, registered);
  EXPECT_EQ(e.after["tags"], Json::array({"alpha", "mid", "zeta"}));

  for (const char* number : {"1.0.0", "2.0.0-rc.1", "1.1.0"}) {
    VersionCreate vc;
    vc.version = number;
    vc.artifact_sha256 = std::string(64, number[0] == '1' && number[2] == '1' ? 'b' : 'a');
    vc.changelog = std::string("release ") + number;
    vc.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 50}})");
    vc.default_parameters = Json{{"period", 14}, {"ratio", 0.1}};
    VersionRecord created;
    e = one_row(number, [&] { created = must(cat->create_version(id, vc)); });
    const Json stored = must(cat->get_version(created.version_id)).to_json();
    EXPECT_EQ(created.to_json(), stored) << number;
    EXPECT_EQ(e.after, stored) << number;
  }
  const StrategyRecord s = must(cat->get(id));
  EXPECT_EQ(s.version_count, 3);
  EXPECT_EQ(s.current_version, "2.0.0-rc.1");  // the highest active version, prerelease or not
  // The type is relative to the highest version below it: 1.1.0 after 2.0.0-rc.1 is still a minor release.
  EXPECT_EQ(must(cat->get_version(id, "1.1.0")).version_type, "minor");
  EXPECT_EQ(must(cat->get_version(id, "2.0.0-rc.1")).version_type, "prerelease");
}

TEST_F(CatalogAudit, EveryChangeWritesOneRowWithActorActionAndStates) {
  std::string id;
  auto e = one_row("register", [&] { id = must(cat->register_strategy(reg("audited"))); });
  EXPECT_EQ(e.actor, "alice");
  EXPECT_EQ(e.action, "register");
  EXPECT_EQ(e.strategy_id, id);
  EXPECT_TRUE(e.before.is_null());
  EXPECT_EQ(e.after["strategy_name"], "audited");
  EXPECT_FALSE(e.at.empty());

  must(cat->register_strategy(reg("other")));

  e = one_row("update", [&] {
    StrategyUpdate u;
    u.description = "second description";
    must(cat->update_strategy("audited", u));
  });
  EXPECT_EQ(e.action, "update");
  EXPECT_EQ(e.strategy_id, id);
  EXPECT_EQ(e.before["description"], "first description");
  EXPECT_EQ(e.after["description"], "second description");

  cat->set_actor("bob");
  VersionRecord v;
  e = one_row("create_version", [&] {
    VersionCreate vc;
    vc.version = "1.0.0";
    vc.artifact_sha256 = std::string(64, 'a');
    vc.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 50}})");
    vc.default_parameters = Json{{"period", 14}};
    v = must(cat->create_version("audited", vc));
  });
  EXPECT_EQ(e.actor, "bob");
  EXPECT_EQ(e.action, "create_version");
  EXPECT_EQ(e.strategy_id, id);
  EXPECT_EQ(e.entity_id, v.version_id);
  EXPECT_EQ(e.after["version_number"], "1.0.0");

  e = one_row("record_trades", [&] {
    must(cat->record_trades({trade("audited", "2024-01-02", 10), trade("audited", "2024-01-03", -5)}));
  });
  EXPECT_EQ(e.action, "record_trades");
  EXPECT_EQ(e.strategy_id, id);
  EXPECT_EQ(e.after["trades"], 2);

  e = one_row("update_parameter", [&] { must(cat->update_parameter("audited", "period", 20, "tuned")); });
  EXPECT_EQ(e.action, "update_parameter");
  EXPECT_EQ(e.before["value"], 14);
  EXPECT_EQ(e.after["value"], 20);

  e = one_row("link", [&] { must(cat->link("other", "audited", "alternative_to", "similar idea")); });
  EXPECT_EQ(e.action, "link");
  EXPECT_EQ(e.after["relationship_type"], "alternative_to");

  e = one_row("mark_mem_enhanced", [&] { must(cat->mark_mem_enhanced("audited")); });
  EXPECT_EQ(e.action, "mark_mem_enhanced");
  EXPECT_EQ(e.before["is_mem_enhanced"], false);
  EXPECT_EQ(e.after["is_mem_enhanced"], true);

  e = one_row("deprecate", [&] { must(cat->deprecate("audited", "old", std::string("other"))); });
  EXPECT_EQ(e.action, "deprecate");
  EXPECT_EQ(e.before["status"], "experimental");
  EXPECT_EQ(e.after["status"], "deprecated");

  e = one_row("archive", [&] { must(cat->archive("audited")); });
  EXPECT_EQ(e.action, "archive");
  EXPECT_EQ(e.before["status"], "deprecated");
  EXPECT_EQ(e.after["status"], "archived");

  // audit(strategy): newest first, only that strategy's rows.
  auto mine = must(cat->audit(std::string("audited")));
  ASSERT_GE(mine.size(), 8u);
  EXPECT_EQ(mine.front().action, "archive");
  EXPECT_EQ(mine.back().action, "register");
  for (size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i].audit_id, mine[i - 1].audit_id);
  for (const auto& row : mine) EXPECT_EQ(row.strategy_id, id);
  EXPECT_EQ(must(cat->audit(std::string("audited"), 2)).size(), 2u);
  EXPECT_EQ(cat->audit(std::string("ghost")).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogAudit, MarkMemEnhancedWithBaseRecordsTheChange) {
  must(cat->register_strategy(reg("base_s")));
  must(cat->register_strategy(reg("mem_s")));
  const int64_t before = audit_count(*cat);
  must(cat->mark_mem_enhanced("mem_s", std::string("base_s")));
  auto rows = must(cat->audit(std::nullopt, audit_count(*cat) - before));
  int marks = 0;
  for (const auto& r : rows) marks += r.action == "mark_mem_enhanced";
  EXPECT_EQ(marks, 1);
  EXPECT_GE(audit_count(*cat) - before, 1);
}

TEST_F(CatalogAudit, RefusedChangesWriteNoRow) {
  must(cat->register_strategy(reg("audited")));
  VersionCreate vc;
  vc.version = "1.0.0";
  vc.artifact_sha256 = std::string(64, 'a');
  vc.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 50}})");
  must(cat->create_version("audited", vc));

  no_row("duplicate register", [&] { return cat->register_strategy(reg("audited")).ok(); });
  no_row("bad origin", [&] {
    auto r = reg("x");
    r.origin = "nowhere";
    return cat->register_strategy(r).ok();
  });
  no_row("update unknown", [&] { return cat->update_strategy("ghost", StrategyUpdate{}).ok(); });
  no_row("update bad status", [&] {
    StrategyUpdate u;
    u.status = "zombie";
    return cat->update_strategy("audited", u).ok();
  });
  no_row("deprecate without reason", [&] { return cat->deprecate("audited", "").ok(); });
  no_row("deprecate unknown replacement", [&] { return cat->deprecate("audited", "r", std::string("ghost")).ok(); });
  no_row("conflicting version", [&] {
    auto other = vc;
    other.artifact_sha256 = std::string(64, 'b');
    return cat->create_version("audited", other).ok();
  });
  no_row("same version again", [&] { return !cat->create_version("audited", vc).ok(); });  // ok, but a no-op
  no_row("bad trade", [&] { return cat->record_trade(trade("ghost", "2024-01-01", 1)).ok(); });
  no_row("bad parameter", [&] { return cat->update_parameter("audited", "period", 99, "r").ok(); });
  no_row("self link", [&] { return cat->link("audited", "audited", "combined_with").ok(); });
  no_row("mem with unknown base", [&] { return cat->mark_mem_enhanced("audited", std::string("ghost")).ok(); });
  no_row("archive unknown", [&] { return cat->archive("ghost").ok(); });
  EXPECT_EQ(must(cat->get("audited")).status, "experimental");
  EXPECT_FALSE(must(cat->get("audited")).is_mem_enhanced);
}

}  // namespace
}  // namespace algohost::catalog
