// LiveHost in-process (so the sanitizer build runs it too; tests/cli/test_serve_cli.py drives the
// `serve` binary): every control operation while a replay runs through the queue, then a graceful
// stop in which nothing is lost.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <thread>

#include "host/live/live_host.h"
#include "tests/support/test_support.h"

namespace algohost::live {
namespace {

using algohost::testing::must;
using nlohmann::json;

struct Env {
  algohost::testing::TempDir dir;
  PluginService plugins{[] {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    o.plugin_dirs = {ALGOHOST_SWAP_PLUGIN_DIR};
    return o;
  }()};
  CatalogService catalog{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
};

ServeConfig config(double rate) {
  ServeConfig c;
  c.file = "test.json";
  c.feed.type = "replay";
  c.feed.synthetic = "symbols=2,bars=6000,seed=3,timeframe=1h";
  c.feed.rate = rate;
  InstanceConfig probe;
  probe.instance = "probe";
  probe.strategy = "swap_probe";
  probe.version = "1.0.0";
  probe.probation_slices = 2;
  InstanceConfig rsi;
  rsi.instance = "rsi";
  rsi.strategy = "rsi";
  rsi.enhancer = "mem";
  c.strategies = {probe, rsi};
  return c;
}


TEST(LiveHost, EveryControlOperationDuringAFeedLosesNothing) {
  Env env;
  auto events = std::make_shared<server::EventHub>();
  LiveHost::Options o;
  o.exit_at_end = true;
  ServeConfig c = config(8'000);
  // In the host's process: what is under test is every operation while the feed runs, and worker
  // processes (swap_probe's default in serve) start too slowly under the sanitizers for the feed.
  c.strategies[0].isolation = "inproc";
  LiveHost host(env.plugins, env.catalog, c, o, events);
  ASSERT_TRUE(host.start().ok());
  for (int i = 0; i < 10; ++i) must(host.swap("probe", i % 2 ? "1.0.0" : "2.0.0", "test"));
  EXPECT_EQ(must(host.instance("probe"))["version"], "1.0.0");
  EXPECT_EQ(host.swap("probe", "9.9.9", "test").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(host.set_param("probe", "every", "0", "test").status().code(), StatusCode::kInvalidArgument);
  must(host.set_param("probe", "every", "7", "test"));
  // Shown typed as the manifest types it (an integer), not as the text it was given in.
  EXPECT_EQ(must(host.instance("probe"))["parameters"]["every"], 7);
  must(host.rollback("probe", "test"));
  EXPECT_EQ(must(host.instance("probe"))["parameters"].value("every", ""), "");
  must(host.canary("probe", "2.0.0", "test"));
  EXPECT_EQ(must(host.instance("probe"))["canary_version"], "2.0.0");
  must(host.promote("probe", "test"));
  EXPECT_EQ(must(host.instance("probe"))["version"], "2.0.0");
  EXPECT_EQ(host.promote("probe", "test").status().code(), StatusCode::kFailedPrecondition);
  InstanceConfig extra;
  extra.instance = "macd2";
  extra.strategy = "macd";
  must(host.load(extra, "test"));
  EXPECT_EQ(host.load(extra, "test").status().code(), StatusCode::kAlreadyExists);
  const json unloaded = must(host.unload("macd2", "test"));
  // A version that fails on its first bar: rolled back by itself on probation.
  must(host.swap("probe", "3.0.0", "test"));
  for (int i = 0; i < 500 && must(host.instance("probe"))["version"] != "2.0.0"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(must(host.instance("probe"))["version"], "2.0.0");
  EXPECT_FALSE(host.health()["replay_done"].get<bool>()) << "the feed ended before the operations did";
  ASSERT_TRUE(host.wait().ok());
  EXPECT_EQ(host.bars_fed(), 12'000u);
  EXPECT_EQ(host.bars_processed(), 12'000u);
  auto& cat = **env.catalog.catalog();
  auto run = must(cat.get_run(host.run_id()));
  EXPECT_EQ(run.status, "finished");
  EXPECT_EQ(run.results["instances"]["probe"]["slices"], 6000);
  EXPECT_EQ(run.results["instances"]["rsi"]["slices"], 6000);
  EXPECT_EQ(run.results["rollbacks"], 2);  // one asked for, one automatic
  int64_t trades = unloaded["trades"].get<int64_t>();  // the unloaded instance's trades were recorded too
  for (const auto& [name, s] : run.results["instances"].items()) trades += s["trades"].get<int64_t>();
  EXPECT_EQ(run.results["trades_recorded"].get<int64_t>(), trades);
  for (const auto& row : must(cat.live_instances())) EXPECT_NE(row.status, "running") << row.instance;
  EXPECT_GT(events->published(), 10u);
}

// Polls the instance until `done` holds (at most 10 s); false when it never did.
bool wait_for(LiveHost& host, const std::string& name, const std::function<bool(const json&)>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done(must(host.instance(name)))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

const json* last_audit(const std::vector<catalog::AuditEntry>& rows, const std::string& action,
                       std::vector<json>& keep) {
  for (const auto& r : rows)
    if (r.action == action) {
      keep.push_back(r.after);
      return &keep.back();
    }
  return nullptr;
}

// A canary of a MEM instance: one that fails is dropped by itself (and said so); one that runs is
// compared with the running version by MEM's verdict test, both arms enhanced (the canary by a
// copy of the instance's MEM), and the comparison the operator promoted on is in the audit row.
TEST(LiveHost, ACanaryIsComparedWithTheRunningVersionAndItsComparisonAudited) {
  Env env;
  ServeConfig c = config(2'000);  // 6,000 hourly slices of 2 symbols at 1,000 slices a second
  c.strategies[0].enhancer = "mem";
  LiveHost::Options o;
  o.exit_at_end = true;
  LiveHost host(env.plugins, env.catalog, c, o, nullptr);
  ASSERT_TRUE(host.start().ok());

  must(host.canary("probe", "3.0.0", "test"));  // fails on its first bar
  ASSERT_TRUE(wait_for(host, "probe", [](const json& i) { return i["canary_version"].is_null(); }))
      << "a failing canary is dropped by itself";
  const json after_drop = must(host.instance("probe"));
  EXPECT_NE(after_drop["last_error"].get<std::string>().find("canary swap_probe@3.0.0"), std::string::npos)
      << after_drop.dump();
  EXPECT_EQ(after_drop["version"], "1.0.0");

  must(host.canary("probe", "2.0.0", "test"));
  auto has_days = [](const json& i) {
    const json& cmp = i["stats"]["canary"]["comparison"];
    return cmp.is_object() && cmp["days"].get<int64_t>() >= 25;
  };
  ASSERT_TRUE(wait_for(host, "probe", [&](const json& i) {
    return i.contains("stats") && i["stats"].contains("canary") && i["stats"]["canary"].contains("comparison") && has_days(i);
  }));
  const json cmp = must(host.instance("probe"))["stats"]["canary"]["comparison"];
  EXPECT_EQ(cmp["running"]["label"], "swap_probe@1.0.0");
  EXPECT_EQ(cmp["canary"]["label"], "swap_probe@2.0.0");
  // 2.0.0 imports 1.0.0's count: the same signals. The accounts differ only by what the running
  // one held when the canary began (it starts flat), which a short window may call either way;
  // the verdict follows its own statistic.
  const json& v = cmp["verdict"];
  const bool significant = cmp["days"].get<int64_t>() >= 20 && std::fabs(v["hac_t"].get<double>()) >= 2.0;
  EXPECT_EQ(v["significant"].get<bool>(), significant) << cmp.dump(2);
  EXPECT_EQ(v["verdict"], !significant ? "within noise"
                          : v["mean_daily_log_difference"].get<double>() > 0 ? "canary better" : "canary worse");
  EXPECT_GT(cmp["canary"]["trades"].get<int64_t>(), 0);
  EXPECT_GT(cmp["canary"]["mem"]["entries_judged"].get<int64_t>(), 0) << "the canary runs MEM too";
  EXPECT_GT(cmp["running"]["mem"]["entries_judged"].get<int64_t>(), 0);
  EXPECT_TRUE(cmp["sharpe"]["ci95"].is_null()) << "a window under 90 days: annualized figures withheld";

  must(host.promote("probe", "ops"));
  const json promoted = must(host.instance("probe"));
  EXPECT_EQ(promoted["version"], "2.0.0");
  EXPECT_EQ(promoted["enhancer"], "mem");
  EXPECT_FALSE(host.health()["replay_done"].get<bool>()) << "the feed ended before the promotion";
  ASSERT_TRUE(host.wait().ok());
  EXPECT_EQ(host.bars_processed(), 12'000u);

  auto& cat = **env.catalog.catalog();
  const auto rows = must(cat.audit("swap_probe", 1000));
  std::vector<json> keep;
  keep.reserve(4);
  const json* prom = last_audit(rows, "live_promote", keep);
  ASSERT_NE(prom, nullptr);
  ASSERT_TRUE((*prom)["comparison"].is_object()) << prom->dump();
  EXPECT_GE((*prom)["comparison"]["days"].get<int64_t>(), 25);
  EXPECT_EQ((*prom)["comparison"]["canary"]["label"], "swap_probe@2.0.0");
  const json* drop = last_audit(rows, "live_drop_canary", keep);
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ((*drop)["automatic"], true);
  EXPECT_NE((*drop)["why"].get<std::string>().find("by design"), std::string::npos);
}

// An instance whose version fails now and then (swap_probe 3.0.0 fails on the 2,500th bar after
// its creation or import) is restarted from its lane's checkpoint each time (on_failure "restart"),
// the feed goes on whole, and the healthy instance beside it trades as in a host without it.
TEST(LiveHost, AFailingInstanceIsRestartedFromItsCheckpointAndTheOthersDoNotNotice) {
  std::map<std::string, int64_t> rsi_trades;
  for (bool with_faulty : {true, false}) {
    SCOPED_TRACE(with_faulty ? "with the failing instance" : "without it");
    Env env;
    ServeConfig c = config(20'000);  // queued: slices go on while the recovery thread restarts
    c.strategies[0].version = "3.0.0";
    c.strategies[0].parameters["fail_on_bar"] = "2500";
    c.strategies[0].on_failure = "restart";
    if (!with_faulty) c.strategies.erase(c.strategies.begin());
    LiveHost::Options o;
    o.exit_at_end = true;
    LiveHost host(env.plugins, env.catalog, c, o, nullptr);
    ASSERT_TRUE(host.start().ok());
    ASSERT_TRUE(host.wait().ok());
    EXPECT_EQ(host.bars_processed(), 12'000u);
    auto& cat = **env.catalog.catalog();
    const auto run = must(cat.get_run(host.run_id()));
    rsi_trades[with_faulty ? "with" : "without"] = run.results["instances"]["rsi"]["trades"].get<int64_t>();
    if (!with_faulty) continue;
    // Fails on its 2,500th slice; restored from the checkpoint 2,304 slices in (every 256), having
    // replayed every bar since (those missed while halted too), it fails again 2,500 bars after
    // that import; restored from a checkpoint at least 256 slices after its restart, it then lasts.
    EXPECT_EQ(run.results["restarts"], 2) << run.results.dump(2);
    const json probe = run.results["instances"]["probe"];
    EXPECT_EQ(probe["errors"], 2);
    EXPECT_GT(probe["slices"].get<int64_t>(), 5'900) << "slices missed only between a failure and its restart";
    EXPECT_GT(probe["trades"].get<int64_t>(), 0);
    int restarts = 0, failures = 0;
    for (const auto& row : must(cat.audit("swap_probe", 1000))) {
      restarts += row.action == "live_restart";
      failures += row.action == "live_failure";
      if (row.action == "live_restart") {
        EXPECT_EQ(row.after["outcome"], "ok");
      }
    }
    EXPECT_EQ(restarts, 2);
    EXPECT_EQ(failures, 2);
  }
  EXPECT_EQ(rsi_trades["with"], rsi_trades["without"]);
  EXPECT_GT(rsi_trades["with"], 0);
}

// on_failure "stop", and "rollback" with no earlier version: the failing instance stops (its
// positions closed) and the host runs on.
TEST(LiveHost, AFailingInstanceWithNothingToGoBackToStops) {
  for (const char* policy : {"stop", "rollback"}) {
    SCOPED_TRACE(policy);
    Env env;
    ServeConfig c = config(0);
    c.strategies[0].version = "3.0.0";
    c.strategies[0].parameters["fail_on_bar"] = "1000";
    c.strategies[0].on_failure = policy;
    LiveHost::Options o;
    o.exit_at_end = true;
    LiveHost host(env.plugins, env.catalog, c, o, nullptr);
    ASSERT_TRUE(host.start().ok());
    ASSERT_TRUE(host.wait().ok());
    EXPECT_EQ(host.bars_processed(), 12'000u);
    EXPECT_EQ(must(host.instance("probe"))["status"], "failed");
    auto& cat = **env.catalog.catalog();
    const auto run = must(cat.get_run(host.run_id()));
    EXPECT_EQ(run.results["restarts"], 0);
    EXPECT_EQ(run.results["instances"]["rsi"]["slices"], 6000);
    bool stopped = false;
    for (const auto& row : must(cat.audit("swap_probe", 1000)))
      if (row.action == "live_stop") {
        stopped = true;
        EXPECT_NE(row.after["why"].get<std::string>().find("fails on bar 1000 by design"), std::string::npos);
      }
    EXPECT_TRUE(stopped);
  }
}

// An enhancer plugin (the built-in vol_gate) as an instance's stage: partial mode online (it is
// called on every entry and learns every trade, but the trades are the strategy's own), its state
// saved at stop and continued at the next start, and a canary enhanced by a copy of it that
// becomes the instance's stage on promotion.
TEST(LiveHost, AnEnhancerPluginRunsOnlineAndItsCanaryCopyTakesOverOnPromotion) {
  Env env;
  std::map<std::string, int64_t> trades;
  for (const char* enhancer : {"none", "vol_gate", "vol_gate"}) {
    SCOPED_TRACE(enhancer);
    ServeConfig c = config(4'000);
    c.strategies.erase(c.strategies.begin());  // rsi alone
    c.strategies[0].enhancer = enhancer;
    LiveHost::Options o;
    o.exit_at_end = true;
    LiveHost host(env.plugins, env.catalog, c, o, nullptr);
    ASSERT_TRUE(host.start().ok());
    const bool plugin = std::string(enhancer) != "none";
    const bool second = plugin && trades.count("vol_gate");
    if (plugin) {
      const json inst = must(host.instance("rsi"));
      EXPECT_EQ(inst["enhancer"], "vol_gate@1.0.0");
      must(host.canary("rsi", "1.0.0", "test"));
      ASSERT_TRUE(wait_for(host, "rsi", [](const json& i) {
        const json judged = i.value(json::json_pointer("/stats/canary/comparison/canary/mem/entries_judged"), json());
        return judged.is_number() && judged.get<int64_t>() > 0;
      })) << "the canary's copy of the plugin judges its entries: " << must(host.instance("rsi")).dump(2);
      must(host.promote("rsi", "test"));
      EXPECT_EQ(must(host.instance("rsi"))["enhancer"], "vol_gate@1.0.0");
    }
    ASSERT_TRUE(host.wait().ok());
    const auto run = must((*env.catalog.catalog())->get_run(host.run_id()));
    const json& rsi = run.results["instances"]["rsi"];
    if (plugin) {
      EXPECT_GT(rsi["enhancer_plugin"]["calls"].get<int64_t>(), 0) << rsi.dump(2);
      EXPECT_EQ(rsi["enhancer_plugin"]["failures"], 0);
      EXPECT_EQ(rsi["enhancer_plugin"]["state_loaded"], second) << "saved at the first stop, continued at the next start";
    }
    if (!second) trades[enhancer] = rsi["trades"].get<int64_t>();
  }
  EXPECT_GT(trades["none"], 0);
  EXPECT_EQ(trades["vol_gate"], trades["none"]) << "partial mode: the plugin never vetoes or resizes online";
}

TEST(LiveHost, AnInlineReplayEqualsTheQueuedOne) {
  std::map<std::string, int64_t> trades[2];
  for (int k = 0; k < 2; ++k) {
    Env env;
    LiveHost::Options o;
    o.exit_at_end = true;
    LiveHost host(env.plugins, env.catalog, config(k == 0 ? 0 : 2'000'000), o, nullptr);
    ASSERT_TRUE(host.start().ok());
    ASSERT_TRUE(host.wait().ok());
    EXPECT_EQ(host.bars_processed(), 12'000u);
    auto run = must((*env.catalog.catalog())->get_run(host.run_id()));
    for (const auto& [name, s] : run.results["instances"].items()) trades[k][name] = s["trades"].get<int64_t>();
  }
  EXPECT_EQ(trades[0], trades[1]);
  EXPECT_GT(trades[0]["probe"], 0);
}

}  // namespace
}  // namespace algohost::live
