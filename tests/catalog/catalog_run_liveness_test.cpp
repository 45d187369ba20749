// Runs whose process is gone: schema 5's migration keeps old runs and their trades; a run records
// its process and heartbeat; mark_crashed_runs() marks a run "crashed" when its process is gone (a
// dead pid, a pid reused by another process, a stale heartbeat on another host) and never a live
// one; interrupt_run() ends only a running run; migrations started at once by several connections
// all succeed.
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/schema.h"
#include "registry/common/process_identity.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using testutil::scalar;

// A pid that no process has: a child that has exited and been reaped.
int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

class RunLiveness : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = must(Catalog::open(dir / "catalog.db"), "open");
    testutil::register_named(*cat, "runner");
  }
  std::string start() { return must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "t")); }
  void set(const std::string& run, const std::string& assignments) {
    must(cat->database().exec("UPDATE runs SET " + assignments + " WHERE run_id = '" + run + "'"));
  }
  void add_trade(const std::string& run) {
    TradeRecord t;
    t.strategy_id = "runner";
    t.run_id = run;
    t.entry_timestamp = "2024-01-01T00:00:00Z";
    t.exit_timestamp = "2024-01-02T00:00:00Z";
    t.pnl = 1;
    must(cat->record_trade(t));
  }
  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

TEST_F(RunLiveness, ARunRecordsItsProcessAndAHeartbeat) {
  const std::string run = start();
  const RunRecord r = must(cat->get_run(run));
  EXPECT_EQ(r.pid, std::optional<int64_t>(getpid()));
  EXPECT_EQ(r.host, std::optional<std::string>(ProcessIdentity::current().host));
  ASSERT_TRUE(r.heartbeat_at.has_value());
  set(run, "heartbeat_at = '2000-01-01T00:00:00.000Z'");
  must(cat->heartbeat_run(run));
  EXPECT_GT(*must(cat->get_run(run)).heartbeat_at, "2020");
  EXPECT_EQ(ProcessIdentity::current().start.empty(), false);
}

TEST_F(RunLiveness, ALiveRunIsNeverMarked) {
  const std::string run = start();
  set(run, "heartbeat_at = '2000-01-01T00:00:00.000Z'");  // stale, but its process (this one) lives
  EXPECT_TRUE(must(cat->mark_crashed_runs()).empty());
  EXPECT_EQ(must(cat->get_run(run)).status, "running");
}

TEST_F(RunLiveness, ARunWhoseProcessIsGoneIsMarkedCrashedKeepingItsTrades) {
  const std::string run = start();
  add_trade(run);
  add_trade(run);
  const std::string other = start();  // still alive: left alone
  set(run, "pid = " + std::to_string(dead_pid()));
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log WHERE action = 'crash_run'");
  auto marked = must(cat->mark_crashed_runs());
  ASSERT_EQ(marked.size(), 1u);
  EXPECT_EQ(marked[0].run_id, run);
  EXPECT_EQ(marked[0].trades, 2);
  const RunRecord r = must(cat->get_run(run));
  EXPECT_EQ(r.status, "crashed");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->find("is gone"), std::string::npos) << *r.error;
  EXPECT_TRUE(r.finished_at.has_value());
  EXPECT_EQ(must(cat->trades("runner", run)).size(), 2u);
  EXPECT_EQ(must(cat->get_run(other)).status, "running");
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log WHERE action = 'crash_run'"), audits + 1);
  EXPECT_TRUE(must(cat->mark_crashed_runs()).empty());  // once
  // Performance counts its trades as unfinished.
  const PerformanceMetrics p = must(cat->performance("runner"));
  EXPECT_EQ(p.trades, 2);
  EXPECT_EQ(p.unfinished_trades, 2);
  EXPECT_EQ(p.unfinished_runs, 1);
}

TEST_F(RunLiveness, APidReusedByAnotherProcessIsNotTheRunsProcess) {
  const std::string run = start();
  // This process's pid, but another start time: the run's own process ended and the pid was reused.
  set(run, "process_start = '" + ProcessIdentity::current().start + "0'");
  ASSERT_EQ(must(cat->mark_crashed_runs()).size(), 1u);
  EXPECT_EQ(must(cat->get_run(run)).status, "crashed");
}

TEST_F(RunLiveness, ARunOnAnotherHostIsMarkedOnlyWhenItsHeartbeatIsStale) {
  const std::string fresh = start(), stale = start();
  set(fresh, "host = 'elsewhere'");
  set(stale, "host = 'elsewhere', heartbeat_at = '2000-01-01T00:00:00.000Z'");
  auto marked = must(cat->mark_crashed_runs(120));
  ASSERT_EQ(marked.size(), 1u);
  EXPECT_EQ(marked[0].run_id, stale);
  EXPECT_NE(marked[0].why.find("no heartbeat since 2000-01-01"), std::string::npos) << marked[0].why;
  EXPECT_EQ(must(cat->get_run(fresh)).status, "running");
}

TEST_F(RunLiveness, InterruptRunEndsOnlyARunningRun) {
  const std::string running = start(), finished = start();
  must(cat->finish_run(finished, "finished", "", Json::object()));
  must(cat->interrupt_run(running, "ended by SIGTERM"));
  must(cat->interrupt_run(finished, "ended by SIGTERM"));
  EXPECT_EQ(must(cat->get_run(running)).status, "interrupted");
  EXPECT_EQ(must(cat->get_run(running)).error, std::optional<std::string>("ended by SIGTERM"));
  EXPECT_EQ(must(cat->get_run(finished)).status, "finished");
}

TEST_F(RunLiveness, AReadOnlyCatalogMarksNothing) {
  const std::string run = start();
  set(run, "pid = " + std::to_string(dead_pid()));
  CatalogOptions ro;
  ro.read_only = true;
  auto reader = must(Catalog::open(dir / "catalog.db", ro));
  EXPECT_TRUE(must(reader->mark_crashed_runs()).empty());
  EXPECT_EQ(must(cat->get_run(run)).status, "running");
}

TEST(RunLivenessSchema, Version4CatalogMigratesKeepingRunsAndTrades) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  {
    auto db = must(sql::Database::open(file, {}));
    must(migrate(*db, false, 4));
    must(db->exec(
        "INSERT INTO strategies (strategy_id, strategy_name, display_name, created_at, updated_at) VALUES "
        "('sid-1', 'old', 'Old', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');"
        "INSERT INTO runs (run_id, kind, started_at, status, strategies_json, engine_version) VALUES "
        "('run-1', 'backtest', '2024-01-01T00:00:00Z', 'running', '[]', 'test'),"
        "('run-2', 'backtest', '2024-01-02T00:00:00Z', 'finished', '[]', 'test');"
        "INSERT INTO strategy_performance (performance_id, strategy_id, run_id, symbol, signal_action, entry_price, "
        "exit_price, quantity, entry_timestamp, exit_timestamp, pnl, pnl_percentage, is_win, commission, recorded_at) "
        "VALUES ('p-1', 'sid-1', 'run-1', 'A', 'buy', 10, 12, 1, '2024-01-03T00:00:00Z', '2024-01-04T00:00:00Z', 2, 0.2, 1, 0.5, 'x');"));
  }
  auto cat = must(Catalog::open(file));
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(must(cat->runs()).size(), 2u);
  EXPECT_EQ(must(cat->trades("old", std::string("run-1"))).size(), 1u);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM pragma_table_info('strategy_versions') WHERE name = 'development'"), 1);
  EXPECT_EQ(scalar(*cat, "SELECT runnable FROM strategies"), 1);  // the default for strategies already there
  // A run from before schema 5 has no process: its missing heartbeat says it is gone.
  auto marked = must(cat->mark_crashed_runs());
  ASSERT_EQ(marked.size(), 1u);
  EXPECT_EQ(marked[0].run_id, "run-1");
  EXPECT_EQ(must(cat->get_run("run-1")).status, "crashed");
  EXPECT_FALSE(cat->database().exec("UPDATE runs SET status = 'exploded' WHERE run_id = 'run-2'").ok());
}

// Several connections opening a new catalog at once: every one migrates or finds it migrated.
TEST(RunLivenessSchema, ConcurrentFirstOpensAllSucceed) {
  for (int round = 0; round < 5; ++round) {
    TempDir dir;
    std::vector<std::thread> threads;
    std::vector<Status> results(4);
    for (size_t i = 0; i < results.size(); ++i)
      threads.emplace_back([&, i] {
        auto c = Catalog::open(dir / "catalog.db");
        results[i] = c.ok() ? Status::Ok() : c.status();
      });
    for (auto& t : threads) t.join();
    for (const auto& st : results) EXPECT_TRUE(st.ok()) << st.message();
  }
}

}  // namespace
}  // namespace algohost::catalog
