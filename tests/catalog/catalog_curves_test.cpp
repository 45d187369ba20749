// Catalog, schema 7 (issue 16): a run's daily equity curves (run_curves) written and read back; the
// migration from a schema-6 catalog (the table and the sort indexes appear, rows are kept, a run
// recorded before has no curves); runs and a run's trades page by page with their totals and filters.
#include <string>
#include <vector>

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

RunCurve curve(int64_t position, const std::string& arm, std::vector<std::pair<int64_t, double>> points) {
  RunCurve c;
  c.position = position;
  c.arm = arm;
  c.strategy = "runner@1.0.0";
  c.starting_capital = 1000;
  c.equity = std::move(points);
  return c;
}

TEST(CatalogCurves, ASchema6CatalogGainsRunCurvesAndKeepsItsRows) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  {
    auto db = must(sql::Database::open(file, {}));
    must(migrate(*db, false, 6));
    must(db->exec("INSERT INTO strategies (strategy_id, strategy_name, display_name, created_at, updated_at) "
                  "VALUES ('s-1', 'old', 'Old', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')"));
    must(db->exec("INSERT INTO runs (run_id, kind, started_at, finished_at, status, strategies_json, results_json, "
                  "engine_version) VALUES ('run-old', 'backtest', '2024-01-02T00:00:00Z', '2024-01-02T00:01:00Z', "
                  "'finished', '[{\"strategy\": \"old@1.0.0\"}]', '{\"strategies\": []}', 'e')"));
    auto st = must(db->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'run_curves'"));
    ASSERT_TRUE(st->step());
    EXPECT_EQ(st->int64(0), 0);
  }
  auto cat = must(Catalog::open(file));
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(kSchemaVersion, 7);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM run_curves"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE name IN ('idx_strategies_created', 'idx_strategies_updated', 'idx_strategies_category_name', 'idx_strategies_status_name')"), 4);
  EXPECT_EQ(must(cat->get("old")).strategy_id, "s-1");
  EXPECT_EQ(must(cat->get_run("run-old")).status, "finished");
  EXPECT_TRUE(must(cat->run_curves("run-old")).empty());  // recorded before schema 7: no curves
  must(cat->record_run_curves("run-old", {curve(0, "base", {{1, 1000.0}})}));
  EXPECT_EQ(must(cat->run_curves("run-old")).size(), 1u);
}

TEST(CatalogCurves, CurvesRoundTripInPositionAndArmOrder) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  const std::string run = must(cat->start_run("backtest", Json::array(), Json(), Json(), "e"));
  must(cat->record_run_curves(run, {curve(1, "base", {{86'400'000, 990.5}}), curve(0, "base", {{0, 1000.0}, {86'400'000, 1010.25}}),
                                    curve(0, "enhanced", {{0, 1001.0}})}));
  auto got = must(cat->run_curves(run));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].position, 0);
  EXPECT_EQ(got[0].arm, "enhanced");
  EXPECT_EQ(got[1].arm, "base");
  EXPECT_EQ(got[1].equity, (std::vector<std::pair<int64_t, double>>{{0, 1000.0}, {86'400'000, 1010.25}}));
  EXPECT_EQ(got[1].starting_capital, 1000);
  EXPECT_EQ(got[2].position, 1);
  // Written again: replaced, not doubled.
  must(cat->record_run_curves(run, {curve(1, "base", {{0, 5.0}})}));
  EXPECT_EQ(must(cat->run_curves(run))[2].equity.front().second, 5.0);
  EXPECT_EQ(must(cat->run_curves(run)).size(), 3u);
  EXPECT_EQ(cat->record_run_curves("no-such-run", {curve(0, "base", {})}).code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->record_run_curves(run, {curve(0, "shadow", {})}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cat->run_curves("no-such-run").status().code(), StatusCode::kNotFound);
}

TEST(CatalogCurves, RunsPageFiltersByKindAndStrategyAndCountsBeforePaging) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(must(cat->start_run(i == 4 ? "serve" : "backtest",
                                      Json::array({Json{{"strategy", i % 2 ? "rsi@1.0.0" : "rsi_fast@2.0.0"}}}), Json(), Json(), "e")));
  RunFilter all;
  auto page = must(cat->runs_page(all));
  EXPECT_EQ(page.total, 5);
  ASSERT_EQ(page.rows.size(), 5u);
  EXPECT_EQ(page.rows[0].run_id, ids[4]);  // newest first
  RunFilter f;
  f.strategy_name = "rsi";  // not rsi_fast: a name, then '@'
  EXPECT_EQ(must(cat->runs_page(f)).total, 2);
  f.strategy_name = "rsi_fast";
  f.limit = 1;
  f.offset = 1;
  page = must(cat->runs_page(f));
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].run_id, ids[2]);
  RunFilter k;
  k.kind = "serve";
  EXPECT_EQ(must(cat->runs_page(k)).total, 1);
}

TEST(CatalogCurves, RunTradesFilterBySymbolSideAndStrategyWithTotals) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  const std::string a = testutil::register_named(*cat, "alpha"), b = testutil::register_named(*cat, "beta");
  const std::string run = must(cat->start_run("backtest", Json::array(), Json(), Json(), "e"));
  std::vector<TradeRecord> trades;
  for (int i = 0; i < 6; ++i) {
    TradeRecord t;
    t.strategy_id = i < 4 ? a : b;
    t.run_id = run;
    t.symbol = i % 2 ? "QQQ" : "SPY";
    t.signal_action = i == 5 ? "sell" : "buy";
    t.quantity = i == 5 ? -2 : 3;
    t.entry_timestamp = "2024-01-0" + std::to_string(i + 1) + "T10:00:00Z";
    t.exit_timestamp = "2024-01-0" + std::to_string(i + 1) + "T11:00:00Z";
    trades.push_back(t);
  }
  must(cat->record_trades(trades));
  RunTradeFilter f;
  f.run_id = run;
  auto page = must(cat->run_trades(f));
  EXPECT_EQ(page.total, 6);
  ASSERT_EQ(page.rows.size(), 6u);
  EXPECT_EQ(page.rows.front().exit_timestamp, "2024-01-01T11:00:00Z");  // exit order
  f.symbol = "QQQ";
  EXPECT_EQ(must(cat->run_trades(f)).total, 3);
  f.strategy_id = a;
  EXPECT_EQ(must(cat->run_trades(f)).total, 2);
  RunTradeFilter side;
  side.run_id = run;
  side.side = "short";
  EXPECT_EQ(must(cat->run_trades(side)).total, 1);
  side.side = "buy";
  side.limit = 2;
  side.offset = 4;
  page = must(cat->run_trades(side));
  EXPECT_EQ(page.total, 5);
  EXPECT_EQ(page.rows.size(), 1u);
  side.side = "sideways";
  EXPECT_EQ(cat->run_trades(side).status().code(), StatusCode::kInvalidArgument);
  f.run_id = "no-such-run";
  EXPECT_EQ(cat->run_trades(f).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace algohost::catalog
