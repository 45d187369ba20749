// LiveHost in-process (so the sanitizer build runs it too; tests/cli/test_serve_cli.py drives the
// `serve` binary): every control operation while a replay runs through the queue, then a graceful
// stop in which nothing is lost.
#include <gtest/gtest.h>

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
  LiveHost host(env.plugins, env.catalog, config(8'000), o, events);
  ASSERT_TRUE(host.start().ok());
  for (int i = 0; i < 10; ++i) must(host.swap("probe", i % 2 ? "1.0.0" : "2.0.0", "test"));
  EXPECT_EQ(must(host.instance("probe"))["version"], "1.0.0");
  EXPECT_EQ(host.swap("probe", "9.9.9", "test").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(host.set_param("probe", "every", "0", "test").status().code(), StatusCode::kInvalidArgument);
  must(host.set_param("probe", "every", "7", "test"));
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
