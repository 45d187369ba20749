// The runs' endpoints (host/server/run_routes.h) against a temporary catalog: the list's items and
// filters, paging with X-Total-Count, a run with its curves (drawdown and monthly returns computed
// from the stored equity), a run's trades with filters, the report as HTML, a strategy's runs;
// unknown runs and strategies 404, bad parameters 400 naming them.
#include <cmath>

#include "host/server/catalog_routes.h"
#include "tests/server/server_fixture.h"
#include "tests/support/test_support.h"

namespace algohost::server::testing {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using catalog::Json;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kJan1 = 1'704'067'200'000;  // 2024-01-01T00:00:00Z

// Three runs: r0 (alpha, finished, curves and 5 trades), r1 (alpha + beta, MEM, curves for both
// arms of alpha), r2 (serve, beta, no curves: as a run recorded before schema 7).
struct RunsEnv {
  TempDir dir;
  PluginService plugins{PluginServiceOptions{}};
  CatalogService catalogs{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
  std::unique_ptr<TestServer> server;
  std::vector<std::string> runs;
  std::string alpha_id;

  RunsEnv() {
    catalog::Catalog& c = *must(catalogs.catalog(), "catalog");
    for (const char* name : {"alpha", "beta"}) {
      catalog::Registration r;
      r.name = name;
      r.display_name = name;
      r.language = "cpp";
      must(c.register_strategy(r), name);
    }
    alpha_id = must(c.get("alpha")).strategy_id;
    auto start = [&](const std::string& kind, Json strategies) {
      runs.push_back(must(c.start_run(kind, strategies, Json{{"source", "sample.csv"}}, Json{{"capital", 1000}}, "e")));
      return runs.back();
    };
    const std::string r0 = start("backtest", Json::array({Json{{"strategy", "alpha@1.0.0"}, {"enhancer", nullptr}}}));
    std::vector<catalog::TradeRecord> trades;
    for (int i = 0; i < 5; ++i) {
      catalog::TradeRecord t;
      t.strategy_id = alpha_id;
      t.run_id = r0;
      t.symbol = i < 3 ? "SPY" : "QQQ";
      t.signal_action = i == 4 ? "sell" : "buy";
      t.quantity = i == 4 ? -1 : 1;
      t.entry_timestamp = "2024-01-0" + std::to_string(i + 1) + "T10:00:00Z";
      t.exit_timestamp = "2024-01-0" + std::to_string(i + 1) + "T15:00:00Z";
      t.pnl = i - 2;
      trades.push_back(t);
    }
    must(c.record_trades(trades), "trades");
    catalog::RunCurve curve;
    curve.position = 0;
    curve.arm = "base";
    curve.strategy = "alpha@1.0.0";
    curve.starting_capital = 1000;
    // Jan 1: 1000, Jan 2: 1100 (peak), Feb 1: 880 (-20% from the peak), Feb 2: 990.
    curve.equity = {{kJan1, 1000}, {kJan1 + kDay, 1100}, {kJan1 + 31 * kDay, 880}, {kJan1 + 32 * kDay, 990}};
    must(c.record_run_curves(r0, {curve}), "curves");
    must(c.finish_run(r0, "finished", "", Json{{"strategies", Json::array({Json{{"strategy", "alpha@1.0.0"}, {"mem", nullptr}}})},
                                               {"trades_recorded", 5}}),
         "finish");
    const std::string r1 = start("backtest", Json::array({Json{{"strategy", "alpha@1.0.0"}, {"enhancer", "mem"}},
                                                         Json{{"strategy", "beta@1.0.0"}, {"enhancer", nullptr}}}));
    catalog::RunCurve enhanced = curve;
    enhanced.arm = "enhanced";
    must(c.record_run_curves(r1, {curve, enhanced}), "curves");
    start("serve", Json::array({Json{{"instance", "b"}, {"strategy", "beta@1.0.0"}}}));
    Router router;
    add_catalog_routes(router, catalogs);
    server = std::make_unique<TestServer>(HttpServer::Options{}, std::move(router));
  }
  Reply get(const std::string& target) { return request(server->port(), "GET", target); }
  nlohmann::json ok(const std::string& target) {
    Reply r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.json();
  }
};

void expect_error(const Reply& r, int status, const std::string& mention) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(mention), std::string::npos) << r.body;
}

TEST(RunRoutes, RunsListItemsFiltersAndTotal) {
  RunsEnv env;
  Reply r = env.get("/api/v1/runs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-total-count"), "3");
  auto rows = r.json();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["run_id"], env.runs[2]);  // newest first
  const auto& first = rows[2];
  EXPECT_EQ(first["run_id"], env.runs[0]);
  EXPECT_EQ(first["kind"], "backtest");
  EXPECT_EQ(first["status"], "finished");
  EXPECT_TRUE(first["finished_at"].is_string());
  EXPECT_EQ(first["strategies"], nlohmann::json::array({"alpha@1.0.0"}));
  EXPECT_EQ(first["data"]["source"], "sample.csv");
  EXPECT_EQ(first["mem"], false);
  EXPECT_EQ(first["trades_recorded"], 5);
  EXPECT_EQ(rows[1]["mem"], true);
  EXPECT_EQ(rows[1]["strategies"], nlohmann::json::array({"alpha@1.0.0", "beta@1.0.0"}));

  r = env.get("/api/v1/runs?limit=1&offset=1");
  EXPECT_EQ(r.header("x-total-count"), "3");
  ASSERT_EQ(r.json().size(), 1u);
  EXPECT_EQ(r.json()[0]["run_id"], env.runs[1]);
  r = env.get("/api/v1/runs?strategy=beta");
  EXPECT_EQ(r.header("x-total-count"), "2");
  r = env.get("/api/v1/runs?kind=serve");
  EXPECT_EQ(r.header("x-total-count"), "1");
  EXPECT_EQ(r.json()[0]["run_id"], env.runs[2]);
  r = env.get("/api/v1/runs?kind=backtest&strategy=alpha&limit=1");
  EXPECT_EQ(r.header("x-total-count"), "2");
  EXPECT_EQ(r.json().size(), 1u);

  expect_error(env.get("/api/v1/runs?limit=1001"), 400, "'limit'");
  expect_error(env.get("/api/v1/runs?limit=x"), 400, "'limit'");
  expect_error(env.get("/api/v1/runs?offset=-1"), 400, "'offset'");
  expect_error(env.get("/api/v1/runs?colour=red"), 400, "'colour'");
  expect_error(env.get("/api/v1/runs?strategy=nobody"), 404, "nobody");
}

TEST(RunRoutes, ARunWithItsCurvesDrawdownAndMonthlyReturns) {
  RunsEnv env;
  auto run = env.ok("/api/v1/runs/" + env.runs[0]);
  EXPECT_EQ(run["run_id"], env.runs[0]);
  EXPECT_EQ(run["status"], "finished");
  EXPECT_EQ(run["config"]["capital"], 1000);
  EXPECT_EQ(run["results"]["trades_recorded"], 5);
  EXPECT_TRUE(run["error"].is_null());
  ASSERT_EQ(run["curves"].size(), 1u);
  const auto& c = run["curves"][0];
  EXPECT_EQ(c["strategy"], "alpha@1.0.0");
  EXPECT_EQ(c["arm"], "base");
  ASSERT_EQ(c["equity"].size(), 4u);
  EXPECT_EQ(c["equity"][1], nlohmann::json::array({kJan1 + kDay, 1100.0}));
  std::vector<double> dd;
  for (const auto& p : c["drawdown"]) dd.push_back(p[1].get<double>());
  ASSERT_EQ(dd.size(), 4u);
  EXPECT_DOUBLE_EQ(dd[0], 0);
  EXPECT_DOUBLE_EQ(dd[1], 0);
  EXPECT_NEAR(dd[2], 880.0 / 1100 - 1, 1e-12);
  EXPECT_NEAR(dd[3], 990.0 / 1100 - 1, 1e-12);
  ASSERT_EQ(c["monthly_returns"].size(), 2u);
  EXPECT_EQ(c["monthly_returns"][0]["year"], 2024);
  EXPECT_EQ(c["monthly_returns"][0]["month"], 1);
  EXPECT_NEAR(c["monthly_returns"][0]["return"].get<double>(), 1100.0 / 1000 - 1, 1e-12);
  EXPECT_EQ(c["monthly_returns"][1]["month"], 2);
  EXPECT_NEAR(c["monthly_returns"][1]["return"].get<double>(), 990.0 / 1100 - 1, 1e-12);

  auto mem = env.ok("/api/v1/runs/" + env.runs[1]);
  ASSERT_EQ(mem["curves"].size(), 2u);
  EXPECT_EQ(mem["curves"][0]["arm"], "enhanced");
  EXPECT_EQ(mem["curves"][1]["arm"], "base");
  EXPECT_EQ(env.ok("/api/v1/runs/" + env.runs[2])["curves"], nlohmann::json::array());  // none recorded

  expect_error(env.get("/api/v1/runs/no-such-run"), 404, "no-such-run");
  expect_error(env.get("/api/v1/runs/" + env.runs[0] + "?x=1"), 400, "'x'");
}

TEST(RunRoutes, ARunsTradesWithFiltersAndPaging) {
  RunsEnv env;
  const std::string base = "/api/v1/runs/" + env.runs[0] + "/trades";
  Reply r = env.get(base);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-total-count"), "5");
  auto rows = r.json();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0]["exit_timestamp"], "2024-01-01T15:00:00Z");
  EXPECT_EQ(rows[0]["run_id"], env.runs[0]);
  EXPECT_EQ(rows[0]["strategy_id"], env.alpha_id);
  EXPECT_TRUE(rows[0].contains("was_mem_enhanced"));  // TradeRecord JSON, as `trades --json`
  EXPECT_EQ(env.get(base + "?symbol=QQQ").header("x-total-count"), "2");
  EXPECT_EQ(env.get(base + "?side=sell").header("x-total-count"), "1");
  EXPECT_EQ(env.get(base + "?side=long").header("x-total-count"), "4");
  EXPECT_EQ(env.get(base + "?strategy=alpha&symbol=SPY").header("x-total-count"), "3");
  EXPECT_EQ(env.get(base + "?strategy=beta").header("x-total-count"), "0");
  r = env.get(base + "?limit=2&offset=3");
  EXPECT_EQ(r.header("x-total-count"), "5");
  ASSERT_EQ(r.json().size(), 2u);
  EXPECT_EQ(r.json()[0]["exit_timestamp"], "2024-01-04T15:00:00Z");

  expect_error(env.get(base + "?side=up"), 400, "'side'");
  expect_error(env.get(base + "?limit=-1"), 400, "'limit'");
  expect_error(env.get(base + "?strategy=nobody"), 404, "nobody");
  expect_error(env.get("/api/v1/runs/no-such-run/trades"), 404, "no-such-run");
}

TEST(RunRoutes, AStrategysRuns) {
  RunsEnv env;
  Reply r = env.get("/api/v1/strategies/alpha/runs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-total-count"), "2");
  EXPECT_EQ(r.json()[0]["run_id"], env.runs[1]);
  EXPECT_EQ(r.json()[0]["strategies"][0], "alpha@1.0.0");
  EXPECT_EQ(env.get("/api/v1/strategies/beta/runs?limit=1").header("x-total-count"), "2");
  expect_error(env.get("/api/v1/strategies/nobody/runs"), 404, "nobody");
  expect_error(env.get("/api/v1/strategies/alpha/runs?limit=5000"), 400, "'limit'");
}

TEST(RunRoutes, TheReportIsHtmlWithTheRunsData) {
  RunsEnv env;
  ::unsetenv("ALGOHOST_DASHBOARD_DIR");
  Reply r = env.get("/api/v1/runs/" + env.runs[0] + "/report");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find(env.runs[0]), std::string::npos);
  EXPECT_NE(r.body.find("\"monthly_returns\""), std::string::npos);
  EXPECT_EQ(r.body.find("__ALGOHOST_REPORT_DATA__"), std::string::npos);
  EXPECT_EQ(r.body.find("http://"), std::string::npos);
  EXPECT_EQ(r.body.find("https://"), std::string::npos);
  expect_error(env.get("/api/v1/runs/no-such-run/report"), 404, "no-such-run");
}

}  // namespace
}  // namespace algohost::server::testing
