// Catalog runs: start/finish a run, trades recorded under it (with summaries refreshed once at
// the end), a version's measured metrics.
#include <cmath>
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

TradeRecord trade(const std::string& s, const std::optional<std::string>& run, const std::string& day, double pnl) {
  TradeRecord t;
  t.strategy_id = s;
  t.run_id = run;
  t.symbol = "SPY";
  t.entry_timestamp = day + "T10:00:00Z";
  t.exit_timestamp = day + "T11:00:00Z";
  t.pnl = pnl;
  t.pnl_percentage = pnl / 10;
  return t;
}

class CatalogRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = must(Catalog::open(dir / "catalog.db"), "open");
    Registration r;
    r.name = "runner";
    r.display_name = "Runner";
    must(cat->register_strategy(r));
  }
  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

TEST_F(CatalogRuns, StartAndFinishARun) {
  int64_t audits = audit_count(*cat);
  const std::string run = must(cat->start_run("backtest", Json::array({"runner"}), Json{{"csv", "spy.csv"}},
                                              Json{{"capital", 10000}}, "0.3.0"));
  EXPECT_EQ(audit_count(*cat), audits + 1);
  auto r = must(cat->get_run(run));
  EXPECT_EQ(r.run_id, run);
  EXPECT_EQ(r.kind, "backtest");
  EXPECT_EQ(r.status, "running");
  EXPECT_EQ(r.strategies, Json::array({"runner"}));
  EXPECT_EQ(r.data, Json({{"csv", "spy.csv"}}));
  EXPECT_EQ(r.config, Json({{"capital", 10000}}));
  EXPECT_EQ(r.engine_version, "0.3.0");
  EXPECT_FALSE(r.finished_at.has_value());

  audits = audit_count(*cat);
  Status bad = cat->finish_run(run, "done", "", Json::object());
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(audit_count(*cat), audits);
  EXPECT_EQ(cat->finish_run("no-such-run", "finished", "", Json::object()).code(), StatusCode::kNotFound);
  EXPECT_EQ(audit_count(*cat), audits);

  must(cat->finish_run(run, "failed", "plugin crashed", Json{{"trades", 3}}));
  EXPECT_EQ(audit_count(*cat), audits + 1);
  r = must(cat->get_run(run));
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.error, std::optional<std::string>("plugin crashed"));
  EXPECT_TRUE(r.finished_at.has_value());
  EXPECT_EQ(r.results, Json({{"trades", 3}}));
  EXPECT_EQ(cat->get_run("no-such-run").status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogRuns, RunsAreListedNewestFirst) {
  const std::string a = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "1"));
  const std::string b = must(cat->start_run("paper", Json::array(), Json::object(), Json::object(), "1"));
  const std::string c = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "1"));
  auto all = must(cat->runs());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].run_id, c);
  EXPECT_EQ(all[1].run_id, b);
  EXPECT_EQ(all[2].run_id, a);
  EXPECT_EQ(must(cat->runs(2)).size(), 2u);
}

TEST_F(CatalogRuns, MemRunsAreAStrategysMemResultsNewestFirst) {
  Registration other;
  other.name = "other";
  other.display_name = "Other";
  const std::string other_id = must(cat->register_strategy(other));
  const std::string runner_id = must(cat->get("runner")).strategy_id;
  auto entry = [](const std::string& id, const std::string& label, const Json& mem) {
    return Json{{"strategy", label}, {"strategy_id", id}, {"mem", mem}};
  };
  auto finished = [&](const Json& strategies) {
    const std::string run = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "1"));
    must(cat->finish_run(run, "finished", "", Json{{"strategies", strategies}}));
    return run;
  };
  const std::string first = finished(Json::array({entry(runner_id, "runner@1.0.0", Json{{"scoring", {{"verdict", "gain"}}}}),
                                                  entry(other_id, "other@1.0.0", Json{{"scoring", 1}})}));
  const std::string plain = finished(Json::array({entry(runner_id, "runner@1.0.0", nullptr)}));  // MEM off
  const std::string unfinished = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "1"));
  const std::string second = finished(Json::array({entry(other_id, "other@1.0.0", Json{{"scoring", 2}}),
                                                   entry(runner_id, "runner@1.1.0", Json{{"scoring", {{"verdict", "loss"}}}})}));

  auto all = must(cat->mem_runs("runner"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].run_id, second);
  EXPECT_EQ(all[0].strategy_label, "runner@1.1.0");
  EXPECT_EQ(all[0].mem["scoring"]["verdict"], "loss");
  EXPECT_EQ(all[1].run_id, first);
  EXPECT_EQ(all[1].mem["scoring"]["verdict"], "gain");
  EXPECT_EQ(must(cat->mem_runs(runner_id, std::nullopt, 1)).size(), 1u) << "by id, with a limit";
  auto one = must(cat->mem_runs("runner", first));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].run_id, first);
  EXPECT_TRUE(must(cat->mem_runs("runner", plain)).empty()) << "a run without MEM has no MEM result";
  EXPECT_TRUE(must(cat->mem_runs("runner", unfinished)).empty());
  EXPECT_EQ(must(cat->mem_runs("other")).size(), 2u);
  EXPECT_EQ(cat->mem_runs("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(must(cat->mem_runs("runner", std::string("'; DROP TABLE runs; --"))).empty());
  EXPECT_EQ(must(cat->runs()).size(), 4u);
}

TEST_F(CatalogRuns, TradesUnderARunWithSummariesRefreshedAtTheEnd) {
  const std::string run = must(cat->start_run("backtest", Json::array({"runner"}), Json::object(), Json::object(), "1"));
  must(cat->record_trades({trade("runner", run, "2024-01-02", 10), trade("runner", run, "2024-01-03", -4)}, false));
  must(cat->record_trades({trade("runner", run, "2024-01-04", 6)}, false));
  EXPECT_EQ(must(cat->get("runner")).total_trades, 0) << "summaries were refreshed although asked not to";
  must(cat->record_trade(trade("runner", std::nullopt, "2024-02-01", 1)));  // outside the run
  must(cat->refresh_summaries({"runner"}));
  auto s = must(cat->get("runner"));
  EXPECT_EQ(s.total_trades, 4);
  EXPECT_DOUBLE_EQ(s.total_pnl, 13);
  EXPECT_DOUBLE_EQ(*s.lifetime_win_rate, 0.75);
  EXPECT_EQ(must(cat->trades("runner", run)).size(), 3u);
  EXPECT_EQ(must(cat->trades("runner")).size(), 4u);
  EXPECT_EQ(cat->refresh_summaries({"ghost"}).code(), StatusCode::kNotFound);
  // A trade naming an unknown run is refused (the run must exist).
  EXPECT_FALSE(cat->record_trade(trade("runner", std::string("no-such-run"), "2024-03-01", 1)).ok());
  EXPECT_EQ(must(cat->trades("runner")).size(), 4u);
}

TEST_F(CatalogRuns, VersionMetricsAreStored) {
  VersionCreate v;
  v.version = "1.0.0";
  v.artifact_sha256 = std::string(64, 'a');
  const auto ver = must(cat->create_version("runner", v));
  const int64_t audits = audit_count(*cat);
  must(cat->update_version_metrics(ver.version_id, 1.25, 0.6, 0.12, 0.08, Json{{"equity_final", 11000}}));
  EXPECT_EQ(audit_count(*cat), audits + 1);
  auto got = must(cat->get_version(ver.version_id));
  EXPECT_EQ(got.sharpe_ratio, std::optional<double>(1.25));
  EXPECT_EQ(got.win_rate, std::optional<double>(0.6));
  EXPECT_EQ(got.max_drawdown, std::optional<double>(0.12));
  EXPECT_EQ(got.cagr, std::optional<double>(0.08));
  EXPECT_EQ(got.backtest_results, Json({{"equity_final", 11000}}));
  EXPECT_EQ(cat->update_version_metrics("no-such-version", 1.0, std::nullopt, std::nullopt, std::nullopt, Json::object())
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(audit_count(*cat), audits + 1);
}

}  // namespace
}  // namespace algohost::catalog
