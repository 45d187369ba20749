// A strategy's dashboard endpoints (host/server/run_routes.h, host/service/strategy_view.h) and the
// strategy list's paging: X-Total-Count, sort and order, the manifest's parameter specs with each
// parameter's history, relationships, MEM patterns, learned strategies and enhanced signals.
#include "host/server/catalog_routes.h"
#include "tests/server/server_fixture.h"
#include "tests/support/test_support.h"

namespace algohost::server::testing {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using catalog::Json;

// tuned (2 versions; its manifest declares period 2..50 and a constraint; period changed twice),
// child (learned from tuned, linked), and 7 more strategies for paging.
struct StrategiesEnv {
  TempDir dir;
  PluginService plugins{PluginServiceOptions{}};
  CatalogService catalogs{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
  std::unique_ptr<TestServer> server;
  const Json specs = Json{{"period", {{"type", "int"}, {"default", 14}, {"min", 2}, {"max", 50}, {"description", "lookback"}}},
                          {"fast", {{"type", "int"}, {"default", 3}, {"min", 1}, {"max", 10}}}};

  StrategiesEnv() {
    catalog::Catalog& c = *must(catalogs.catalog(), "catalog");
    auto reg = [&](const std::string& name, const std::string& category, const std::string& status, Json metadata,
                   std::optional<std::string> learned_from = std::nullopt) {
      catalog::Registration r;
      r.name = name;
      r.display_name = name;
      r.language = "cpp";
      r.category = category;
      r.status = status;
      r.metadata = std::move(metadata);
      if (learned_from) {
        r.origin = "learned";
        r.learned_from_strategy_id = must(c.get(*learned_from)).strategy_id;
      }
      must(c.register_strategy(r), name);
    };
    reg("tuned", "trend", "active",
        Json{{"name", "tuned"}, {"version", "1.1.0"}, {"parameters", specs}, {"constraints", Json::array({"fast < period"})}});
    for (const char* v : {"1.0.0", "1.1.0"}) {
      catalog::VersionCreate vc;
      vc.version = v;
      vc.parameters = specs;
      vc.default_parameters = Json{{"period", 14}, {"fast", 3}};
      vc.artifact_sha256 = std::string(64, v[2] == '0' ? 'a' : 'b');
      must(c.create_version("tuned", vc), v);
    }
    catalog::ParameterEvidence ev;
    ev.before_sharpe = 0.5;
    ev.after_sharpe = 0.75;
    ev.improvement_pct = 50;
    must(c.update_parameter("tuned", "period", 20, "first try"), "param");
    must(c.update_parameter("tuned", "period", 21, "mem found it", "mem_learning", std::nullopt, ev), "param");
    reg("child", "trend", "experimental", nullptr, std::string("tuned"));
    must(c.link("tuned", "child", "derived_from", "learned from tuned"), "link");
    catalog::LearnedPattern p;
    p.pattern_key = "calm&up";
    p.conditions = Json::object();
    p.occurrences = 10;
    p.wins = 7;
    p.win_rate = 0.7;
    must(c.store_learned_patterns("tuned", {p}), "patterns");
    catalog::TradeRecord t;
    t.strategy_id = must(c.get("tuned")).strategy_id;
    t.symbol = "SPY";
    t.entry_timestamp = "2024-01-02T10:00:00Z";
    t.exit_timestamp = "2024-01-02T11:00:00Z";
    t.was_mem_enhanced = true;
    t.mem_reasoning = "calm&up pattern";
    t.pnl = 4;
    catalog::TradeRecord plain = t;
    plain.was_mem_enhanced = false;
    plain.mem_reasoning.reset();
    must(c.record_trades({t, plain}), "trades");
    for (int i = 0; i < 7; ++i)
      reg("s" + std::to_string(i), i % 2 ? "mean_reversion" : "", i == 6 ? "deprecated" : "active", nullptr);
    Router router;
    add_catalog_routes(router, catalogs);
    server = std::make_unique<TestServer>(HttpServer::Options{}, std::move(router));
  }
  Reply get(const std::string& target) { return request(server->port(), "GET", target); }
  Json ok(const std::string& target) {
    Reply r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return Json::parse(r.body);
  }
  std::vector<std::string> names(const std::string& target) {
    std::vector<std::string> out;
    for (const auto& s : ok(target)) out.push_back(s["strategy_name"]);
    return out;
  }
};

void expect_error(const Reply& r, int status, const std::string& mention) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(mention), std::string::npos) << r.body;
}

using Names = std::vector<std::string>;

TEST(StrategyRoutes, ListPagesWithTotalSortAndOrder) {
  StrategiesEnv env;
  Reply r = env.get("/api/v1/strategies?limit=3&offset=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-total-count"), "8");  // 9 strategies, s6 deprecated
  EXPECT_EQ(env.names("/api/v1/strategies?limit=3&offset=1"), (Names{"s0", "s1", "s2"}));
  EXPECT_EQ(env.get("/api/v1/strategies?all=1").header("x-total-count"), "9");
  EXPECT_EQ(env.get("/api/v1/strategies?status=deprecated").header("x-total-count"), "1");
  EXPECT_EQ(env.get("/api/v1/strategies?category=trend&limit=1").header("x-total-count"), "2");
  EXPECT_EQ(env.names("/api/v1/strategies?sort=name&order=desc&limit=2"), (Names{"tuned", "s5"}));
  // Category: NULL last either way; ties by name.
  // (s0, s2, s4 have none.)
  EXPECT_EQ(env.names("/api/v1/strategies?sort=category&limit=4"), (Names{"s1", "s3", "s5", "child"}));
  EXPECT_EQ(env.names("/api/v1/strategies?sort=category&order=desc"),
            (Names{"child", "tuned", "s1", "s3", "s5", "s0", "s2", "s4"}));
  EXPECT_EQ(env.names("/api/v1/strategies?sort=status&limit=1&order=desc"), (Names{"child"}));
  for (const char* sort : {"updated", "created", "sharpe"})
    EXPECT_EQ(env.get(std::string("/api/v1/strategies?sort=") + sort).header("x-total-count"), "8") << sort;
  EXPECT_EQ(env.get("/api/v1/strategies?search=tuned").header("x-total-count"), "1");
  expect_error(env.get("/api/v1/strategies?order=sideways"), 400, "'order'");
  expect_error(env.get("/api/v1/strategies?sort=colour"), 400, "sort");
  expect_error(env.get("/api/v1/strategies?offset=-2"), 400, "'offset'");
}

TEST(StrategyRoutes, ParametersWithSpecsHistoryAndConstraints) {
  StrategiesEnv env;
  auto j = env.ok("/api/v1/strategies/tuned/parameters");
  EXPECT_EQ(j["version"], "1.1.0");
  EXPECT_EQ(j["constraints"], Json::array({"fast < period"}));
  ASSERT_EQ(j["parameters"].size(), 2u);
  Json period;
  for (const auto& p : j["parameters"])
    if (p["name"] == "period") period = p;
  ASSERT_TRUE(period.is_object()) << j.dump();
  EXPECT_EQ(period["value"], 21);
  EXPECT_EQ(period["type"], "int");
  EXPECT_EQ(period["min"], 2);
  EXPECT_EQ(period["max"], 50);
  EXPECT_EQ(period["description"], "lookback");
  ASSERT_EQ(period["history"].size(), 2u);
  const auto& newest = period["history"][0];
  EXPECT_EQ(newest["value"], 21);
  EXPECT_EQ(newest["previous"], 20);
  EXPECT_EQ(newest["changed_by"], "mem_learning");
  EXPECT_EQ(newest["reason"], "mem found it");
  EXPECT_EQ(newest["before_sharpe"], 0.5);
  EXPECT_EQ(newest["after_sharpe"], 0.75);
  EXPECT_EQ(newest["improvement_pct"], 50);
  EXPECT_EQ(newest["version"], "1.1.0");
  EXPECT_TRUE(newest["changed_at"].is_string());
  EXPECT_EQ(period["history"][1]["previous"], 14);
  expect_error(env.get("/api/v1/strategies/nobody/parameters"), 404, "nobody");
  expect_error(env.get("/api/v1/strategies/tuned/parameters?x=1"), 400, "'x'");
}

TEST(StrategyRoutes, RelatedAndManifest) {
  StrategiesEnv env;
  auto rel = env.ok("/api/v1/strategies/tuned/related");
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0]["strategy_name"], "child");
  EXPECT_EQ(rel[0]["relationship_type"], "derived_from");
  EXPECT_EQ(env.ok("/api/v1/strategies/tuned")["manifest"]["constraints"], Json::array({"fast < period"}));
  EXPECT_TRUE(env.ok("/api/v1/strategies/s0")["manifest"].is_null());
  expect_error(env.get("/api/v1/strategies/nobody/related"), 404, "nobody");
}

TEST(StrategyRoutes, MemPatternsLearnedStrategiesAndSignals) {
  StrategiesEnv env;
  auto j = env.ok("/api/v1/strategies/tuned/mem");
  ASSERT_EQ(j["patterns"].size(), 1u);
  EXPECT_EQ(j["patterns"][0]["pattern_key"], "calm&up");
  EXPECT_EQ(j["patterns"][0]["in_sample"], (Json{{"occurrences", 10}, {"wins", 7}, {"win_rate", 0.7}}));
  ASSERT_EQ(j["learned_strategies"].size(), 1u);
  EXPECT_EQ(j["learned_strategies"][0]["strategy_name"], "child");
  EXPECT_EQ(j["runs"], Json::array());
  ASSERT_EQ(j["recent_signals"].size(), 1u);  // only the enhanced trade
  EXPECT_EQ(j["recent_signals"][0]["mem_reasoning"], "calm&up pattern");
  EXPECT_EQ(j["recent_signals"][0]["pnl"], 4.0);
  EXPECT_EQ(env.ok("/api/v1/strategies/s0/mem")["patterns"], Json::array());
  expect_error(env.get("/api/v1/strategies/nobody/mem"), 404, "nobody");
}

}  // namespace
}  // namespace algohost::server::testing
