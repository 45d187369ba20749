// Catalog: the live host's instances (schema 6): the running version of each instance, its audit
// rows naming the caller, and the migration from a schema-5 catalog.
#include <string>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/schema.h"
#include "registry/catalog/sqlite.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using testutil::scalar;

LiveInstance row(const std::string& instance, const std::string& version, const std::string& sid) {
  LiveInstance r;
  r.instance = instance;
  r.strategy_name = "runner";
  r.strategy_id = sid;
  r.version_number = version;
  r.run_id = "run-1";
  r.pid = 4242;
  return r;
}

TEST(CatalogLive, ASwapRewritesTheRunningVersionAndAuditsTheCaller) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  const std::string sid = testutil::register_named(*cat, "runner");
  must(cat->record_live_instance(row("main", "1.0.0", sid), "live_load", "token:abcd1234",
                                 Json{{"version", "1.0.0"}, {"outcome", "ok"}}));
  must(cat->record_live_instance(row("main", "2.0.0", sid), "live_swap", "token:abcd1234",
                                 Json{{"from", "1.0.0"}, {"to", "2.0.0"}, {"outcome", "ok"}}));
  auto rows = must(cat->live_instances());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].version_number, "2.0.0");
  EXPECT_EQ(rows[0].status, "running");
  EXPECT_EQ(rows[0].pid, 4242);
  auto audit = must(cat->audit(std::string("runner"), 10));
  ASSERT_GE(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "live_swap");
  EXPECT_EQ(audit[0].actor, "token:abcd1234");
  EXPECT_EQ(audit[0].entity_id, "main");
  EXPECT_EQ(audit[0].after["to"], "2.0.0");
  EXPECT_EQ(cat->actor(), "cli");  // the caller's name did not stick to the connection

  must(cat->audit_live("main", "runner", "live_swap_refused", "anonymous", Json{{"why", "no such version"}}));
  EXPECT_EQ(must(cat->audit(std::string("runner"), 1))[0].action, "live_swap_refused");

  must(cat->stop_live_instances("run-1"));
  EXPECT_EQ(must(cat->live_instances())[0].status, "stopped");
  LiveInstance bad = row("x", "1.0.0", sid);
  bad.status = "exploded";
  EXPECT_FALSE(cat->record_live_instance(bad, "live_load", "a", nullptr).ok());
  EXPECT_EQ(must(cat->live_instances()).size(), 1u);  // the failed write left nothing behind
}

TEST(CatalogLive, ASchema5CatalogGainsTheLiveInstancesTable) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  {
    auto db = must(sql::Database::open(file, {}));
    must(migrate(*db, false, 5));
    auto st = must(db->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'live_instances'"));
    ASSERT_TRUE(st->step());
    EXPECT_EQ(st->int64(0), 0);
  }
  auto cat = must(Catalog::open(file));
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM live_instances"), 0);
  must(cat->record_live_instance(row("a", "1.0.0", testutil::register_named(*cat, "runner")), "live_load", "x", nullptr));
  EXPECT_EQ(must(cat->live_instances()).size(), 1u);
}

}  // namespace
}  // namespace algohost::catalog
