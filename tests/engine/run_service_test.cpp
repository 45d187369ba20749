// `algohost run` end to end: the built-in plugins over the sample CSV (and synthetic data) into a
// catalog in a temporary directory; the report, the catalog rows and the CSV exports must agree.
#include "host/service/run_service.h"

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::TempDir;

PluginServiceOptions builtin_only() {
  PluginServiceOptions o;
  o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
  return o;
}

struct Env {
  TempDir dir;
  PluginService plugins{builtin_only()};
  CatalogService catalog{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
  RunService runs{plugins, catalog};

  catalog::Catalog& cat() {
    auto c = catalog.catalog();
    EXPECT_TRUE(c.ok()) << c.status().message();
    return **c;
  }
};

size_t line_count(const std::filesystem::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

TEST(RunService, RsiOnTheSampleCsvIsRecordedConsistently) {
  Env env;
  RunRequest req;
  req.strategies = {"rsi"};
  req.data = ALGOHOST_SAMPLE_CSV;
  req.equity_csv = (env.dir / "equity.csv").string();
  req.trades_csv = (env.dir / "trades.csv").string();
  auto report = env.runs.run(req);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->status, "finished");
  EXPECT_EQ(report->symbols, 2u);
  ASSERT_EQ(report->strategies.size(), 1u);
  const StrategyReport& sr = report->strategies[0];
  EXPECT_EQ(sr.label, "rsi@1.0.0");
  EXPECT_TRUE(sr.error.empty()) << sr.error;
  ASSERT_GT(sr.trades, 0);

  catalog::Catalog& c = env.cat();
  auto trades = c.trades("rsi", report->run_id, 1'000'000);
  ASSERT_TRUE(trades.ok()) << trades.status().message();
  EXPECT_EQ(report->trades_recorded, trades->size());
  EXPECT_EQ(static_cast<int64_t>(trades->size()), sr.trades);
  double pnl = 0;
  for (const auto& t : *trades) {
    pnl += t.pnl;
    EXPECT_EQ(t.run_id, report->run_id);
    EXPECT_EQ(t.version_id, sr.version_id);
  }
  // Everything is closed at the end: the recorded PnL is the account's change to the cent.
  EXPECT_NEAR(sr.final_equity - req.broker.capital, pnl, 0.005);

  auto runs = c.runs();
  ASSERT_TRUE(runs.ok());
  bool found = false;
  for (const auto& r : *runs)
    if (r.run_id == report->run_id) {
      found = true;
      EXPECT_EQ(r.status, "finished");
      EXPECT_TRUE(r.finished_at.has_value());
      EXPECT_EQ(r.engine_version, kEngineVersion);
    }
  EXPECT_TRUE(found) << "run " << report->run_id << " is not in the catalog";

  auto version = c.get_version("rsi", "1.0.0");
  ASSERT_TRUE(version.ok()) << version.status().message();
  ASSERT_TRUE(version->sharpe_ratio.has_value());
  ASSERT_TRUE(sr.metrics.sharpe.has_value());
  EXPECT_NEAR(*version->sharpe_ratio, *sr.metrics.sharpe, 1e-12);
  ASSERT_TRUE(version->max_drawdown.has_value());
  EXPECT_NEAR(*version->max_drawdown, sr.metrics.max_drawdown, 1e-12);

  auto strategy = c.get("rsi");
  ASSERT_TRUE(strategy.ok());
  EXPECT_EQ(strategy->total_trades, static_cast<int64_t>(trades->size()));

  // Exports: a header plus one equity row per timestamp per strategy, one row per trade.
  EXPECT_GT(report->timestamps, 700u);
  EXPECT_EQ(line_count(req.equity_csv), 1 + report->timestamps);
  EXPECT_EQ(line_count(req.trades_csv), 1 + trades->size());
  EXPECT_TRUE(report->warnings.empty()) << report->warnings.front();
}

TEST(RunService, EveryBuiltInOnSyntheticData) {
  Env env;
  RunRequest req;
  req.synthetic = "symbols=2,bars=400,seed=3";
  req.equity_csv = (env.dir / "equity.csv").string();
  auto report = env.runs.run(req);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->status, "finished");
  const std::set<std::string> builtin{"macd", "mfi", "momentum", "rsi", "vwap",  // native
                                      "volatility_managed_momentum", "pairs_trading", "carry_trade"};  // Python
  ASSERT_EQ(report->strategies.size(), builtin.size());
  catalog::Catalog& c = env.cat();
  uint64_t total = 0;
  std::set<std::string> names;
  for (const auto& sr : report->strategies) {
    const std::string name = sr.label.substr(0, sr.label.find('@'));
    names.insert(name);
    auto trades = c.trades(name, report->run_id, 1'000'000);
    ASSERT_TRUE(trades.ok()) << trades.status().message();
    EXPECT_EQ(static_cast<int64_t>(trades->size()), sr.trades) << name;
    total += trades->size();
  }
  EXPECT_EQ(names, builtin);
  EXPECT_EQ(report->trades_recorded, total);
  EXPECT_EQ(report->timestamps, 400u);
  EXPECT_EQ(line_count(req.equity_csv), 1 + builtin.size() * 400u);
}

TEST(RunService, ASymbolTheDataLacksIsNamed) {
  Env env;
  RunRequest req;
  req.strategies = {"rsi"};
  req.data = ALGOHOST_SAMPLE_CSV;
  req.symbols = {"NOPE"};
  auto report = env.runs.run(req);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("NOPE"), std::string::npos) << report.status().message();
}

TEST(RunService, AnEmptyDateRangeIsRefused) {
  Env env;
  RunRequest req;
  req.strategies = {"rsi"};
  req.data = ALGOHOST_SAMPLE_CSV;
  req.from = "2030-01-01";
  req.to = "2030-12-31";
  auto report = env.runs.run(req);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("no bars between"), std::string::npos) << report.status().message();
}

TEST(RunService, ADateRangeKeepsOnlyItsBars) {
  Env env;
  RunRequest req;
  req.strategies = {"rsi"};
  req.data = ALGOHOST_SAMPLE_CSV;
  req.symbols = {"ALPHA"};
  req.from = "2022-01-03";
  req.to = "2022-01-07";  // Monday to Friday: five daily bars, the end date included
  auto report = env.runs.run(req);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->symbols, 1u);
  EXPECT_EQ(report->bars, 5u);
  EXPECT_EQ(report->timestamps, 5u);
}

}  // namespace
}  // namespace algohost
