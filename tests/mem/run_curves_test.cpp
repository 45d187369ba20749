// The daily equity curves a backtest records (catalog run_curves, host/service/run_curves.h) are
// the curves its metrics were computed from: through RunService::run on the planted MEM data
// (where the enhanced arm vetoes and differs from its base arm) and without MEM —
//   - the drawdown series of run_detail_json bottoms at -metrics.max_drawdown;
//   - the monthly returns compound to metrics.total_return;
//   - the last point is the final equity;
//   - a MEM run has both arms, the "base" curve matching mem.base_arm_metrics; a run without MEM
//     one "base" curve per strategy.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/service/run_service.h"
#include "host/service/run_view.h"
#include "tests/mem/mem_fixture.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

struct Env {
  testing::TempDir dir;
  std::unique_ptr<PluginService> plugins;
  std::unique_ptr<CatalogService> catalog;
  std::unique_ptr<RunService> runs;
  Env() {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    plugins = std::make_unique<PluginService>(o);
    catalog = std::make_unique<CatalogService>(*plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test");
    runs = std::make_unique<RunService>(*plugins, *catalog);
  }
  catalog::Catalog& cat() { return **catalog->catalog(); }
};

RunRequest request(const std::string& csv, std::optional<bool> mem) {
  RunRequest req;
  req.strategies = {"rsi"};
  req.data = csv;
  req.mem = mem;
  req.params = {{"period", "3"}, {"oversold", "40"}, {"overbought", "60"}};
  return req;
}

// The curve's figures against the metrics it should have been computed from.
void expect_curve_matches(const catalog::Json& curve, const catalog::Json& metrics, double final_equity,
                          const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_FALSE(curve["equity"].empty());
  double min_dd = 0;
  for (const auto& p : curve["drawdown"]) {
    EXPECT_LE(p[1].get<double>(), 0.0);
    min_dd = std::min(min_dd, p[1].get<double>());
  }
  EXPECT_NEAR(-min_dd, metrics["max_drawdown"].get<double>(), 1e-12);
  double growth = 1;
  for (const auto& m : curve["monthly_returns"]) growth *= 1 + m["return"].get<double>();
  EXPECT_NEAR(growth - 1, metrics["total_return"].get<double>(), 1e-9);
  EXPECT_NEAR(curve["equity"].back()[1].get<double>(), final_equity, 1e-6);
  EXPECT_EQ(curve["equity"].size(), curve["drawdown"].size());
  // One point per UTC day, in time order.
  int64_t last_day = INT64_MIN;
  for (const auto& p : curve["equity"]) {
    const int64_t day = p[0].get<int64_t>() / 86'400'000;
    EXPECT_GT(day, last_day);
    last_day = day;
  }
}

TEST(RunCurves, AMemRunRecordsBothArmsAsTheirMetricsSawThem) {
  Env env;
  const auto file = env.dir / "planted.csv";
  memtest::write_csv(file, memtest::make_data(4000, 7, true));
  auto report = env.runs->run(request(file.string(), true));
  ASSERT_TRUE(report.ok()) << report.status().message();
  const StrategyReport& sr = report->strategies.at(0);
  ASSERT_TRUE(sr.mem.is_object());
  const catalog::Json base_metrics = sr.mem["base_arm_metrics"];
  // The arms differ here (MEM vetoes), so a swapped or copied curve would show.
  ASSERT_NE(sr.metrics.total_return, base_metrics["total_return"].get<double>());

  auto detail = run_detail_json(env.cat(), report->run_id);
  ASSERT_TRUE(detail.ok()) << detail.status().message();
  const auto& curves = (*detail)["curves"];
  ASSERT_EQ(curves.size(), 2u) << curves.dump().substr(0, 400);
  EXPECT_EQ(curves[0]["arm"], "enhanced");
  EXPECT_EQ(curves[1]["arm"], "base");
  for (const auto& c : curves) EXPECT_EQ(c["strategy"], "rsi@1.0.0");
  expect_curve_matches(curves[0], sr.metrics.to_json(), sr.final_equity, "enhanced");
  const double base_final = 100'000.0 * (1 + base_metrics["total_return"].get<double>());
  expect_curve_matches(curves[1], base_metrics, base_final, "base");
  EXPECT_EQ(curves[0]["starting_capital"].get<double>(), RunRequest().broker.capital);
  // The stored results are the run's report: the figures the report and the page show.
  EXPECT_EQ((*detail)["results"]["strategies"][0]["metrics"]["max_drawdown"].get<double>(), sr.metrics.max_drawdown);
}

TEST(RunCurves, ARunWithoutMemRecordsOneBaseCurvePerStrategy) {
  Env env;
  const auto file = env.dir / "plain.csv";
  memtest::write_csv(file, memtest::make_data(1500, 3, false));
  RunRequest req = request(file.string(), false);
  req.strategies = {"rsi", "macd"};
  req.params.clear();
  auto report = env.runs->run(req);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto detail = run_detail_json(env.cat(), report->run_id);
  ASSERT_TRUE(detail.ok()) << detail.status().message();
  const auto& curves = (*detail)["curves"];
  ASSERT_EQ(curves.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const StrategyReport& sr = report->strategies[k];
    EXPECT_EQ(curves[k]["arm"], "base");
    EXPECT_EQ(curves[k]["strategy"], sr.label);
    expect_curve_matches(curves[k], sr.metrics.to_json(), sr.final_equity, sr.label);
  }
}

}  // namespace
}  // namespace algohost
