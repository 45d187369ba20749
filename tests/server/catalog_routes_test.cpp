// The catalog's read endpoints against a temporary catalog: they return what the catalog holds,
// in the shapes the CLI prints, with the CLI's filters; unknown names are 404.
#include <algorithm>
#include <set>

#include "host/server/catalog_routes.h"
#include "tests/server/server_fixture.h"
#include "tests/support/test_support.h"

namespace algohost::server::testing {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using catalog::Json;

catalog::TradeRecord trade(const std::string& strategy, const std::optional<std::string>& version, const std::string& day,
                           double pnl, double pct) {
  catalog::TradeRecord t;
  t.strategy_id = strategy;
  t.version_id = version;
  t.symbol = "SPY";
  t.timeframe = "1d";
  t.entry_timestamp = day + "T10:00:00Z";
  t.exit_timestamp = day + "T15:00:00Z";
  t.duration_seconds = 18000;
  t.entry_price = 100;
  t.quantity = 10;
  t.exit_price = 100 + pnl / 10;
  t.pnl = pnl;
  t.pnl_percentage = pct;
  return t;
}

// alpha (mean_reversion; oscillator, wilder; active; 1.0.0 and 1.1.0; three trades),
// beta (trend; ema; experimental; 1.0.0; one trade), gamma (mean_reversion; oscillator; deprecated).
struct CatalogEnv {
  TempDir dir;
  PluginService plugins{PluginServiceOptions{}};
  CatalogService catalogs{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
  std::unique_ptr<TestServer> server;

  CatalogEnv() {
    catalog::Catalog& c = cat();
    auto reg = [&](const std::string& name, const std::string& category, std::vector<std::string> tags,
                   const std::string& status, const std::string& description) {
      catalog::Registration r;
      r.name = name;
      r.display_name = name;
      r.language = "cpp";
      r.category = category;
      r.tags = std::move(tags);
      r.status = status;
      r.description = description;
      must(c.register_strategy(r), name);
    };
    reg("alpha", "mean_reversion", {"oscillator", "wilder"}, "active", "Relative strength oscillator");
    reg("beta", "trend", {"ema"}, "experimental", "Moving average crossover");
    reg("gamma", "mean_reversion", {"oscillator"}, "active", "An older oscillator");
    auto version = [&](const std::string& name, const std::string& number, char sha) {
      catalog::VersionCreate v;
      v.version = number;
      v.artifact_sha256 = std::string(64, sha);
      return must(c.create_version(name, v), name + "@" + number).version_id;
    };
    const std::string a1 = version("alpha", "1.0.0", '1');
    const std::string a2 = version("alpha", "1.1.0", '2');
    const std::string b1 = version("beta", "1.0.0", '3');
    must(c.record_trades({trade("alpha", a1, "2024-03-01", 100, 2.0), trade("alpha", a1, "2024-03-02", -50, -1.0),
                          trade("alpha", a2, "2024-03-03", 200, 4.0), trade("beta", b1, "2024-03-01", 30, 0.5)}),
         "trades");
    must(c.deprecate("gamma", "replaced by alpha", std::string("alpha")), "deprecate");
    Router router;
    add_catalog_routes(router, catalogs);
    server = std::make_unique<TestServer>(HttpServer::Options{}, std::move(router));
  }

  catalog::Catalog& cat() { return *must(catalogs.catalog(), "catalog"); }
  Reply get(const std::string& target) { return request(server->port(), "GET", target); }
  nlohmann::json ok(const std::string& target) {
    Reply r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.json();
  }
  std::vector<std::string> names(const std::string& target) {
    std::vector<std::string> out;
    for (const auto& s : ok(target)) out.push_back(s["strategy_name"]);
    return out;
  }
};

using Names = std::vector<std::string>;

void expect_error(const Reply& r, int status, const std::string& code, const std::string& mention) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_NE(j["error"]["message"].get<std::string>().find(mention), std::string::npos) << r.body;
}

TEST(CatalogRoutes, HealthAnswers) {
  CatalogEnv env;
  auto j = env.ok("/api/v1/health");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["catalog"], (env.dir / "catalog.db").string());
}

TEST(CatalogRoutes, StrategiesListWithTheCliFilters) {
  CatalogEnv env;
  EXPECT_EQ(env.names("/api/v1/strategies"), (Names{"alpha", "beta"}));  // deprecated left out, as the CLI does
  EXPECT_EQ(env.names("/api/v1/strategies?all=true"), (Names{"alpha", "beta", "gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?category=mean_reversion"), (Names{"alpha"}));
  EXPECT_EQ(env.names("/api/v1/strategies?category=mean_reversion&all"), (Names{"alpha", "gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?status=deprecated"), (Names{"gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?status=active,experimental"), (Names{"alpha", "beta"}));
  EXPECT_EQ(env.names("/api/v1/strategies?tag=oscillator&tag=wilder"), (Names{"alpha"}));
  EXPECT_EQ(env.names("/api/v1/strategies?tag=OSCILLATOR&all=1"), (Names{"alpha", "gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?any_tag=ema,wilder"), (Names{"alpha", "beta"}));
  EXPECT_EQ(env.names("/api/v1/strategies?language=python"), (Names{}));
  EXPECT_EQ(env.names("/api/v1/strategies?origin=built_in"), (Names{"alpha", "beta"}));
  // alpha's per-trade Sharpe is positive; beta's single trade has none.
  EXPECT_EQ(env.names("/api/v1/strategies?min_per_trade_sharpe=0"), (Names{"alpha"}));
  EXPECT_EQ(env.names("/api/v1/strategies?min_sharpe=100"), (Names{}));
  EXPECT_EQ(env.names("/api/v1/strategies?min_win_rate=0.6"), (Names{"alpha", "beta"}));
  EXPECT_EQ(env.names("/api/v1/strategies?min_win_rate=0.7"), (Names{"beta"}));
  EXPECT_EQ(env.names("/api/v1/strategies?sort=name&desc=true"), (Names{"beta", "alpha"}));
  EXPECT_EQ(env.names("/api/v1/strategies?sort=trades&desc=1&limit=1"), (Names{"alpha"}));
  EXPECT_EQ(env.names("/api/v1/strategies?all=1&limit=2&offset=1"), (Names{"beta", "gamma"}));
  // Each row is the record as `strategies list --json` prints it.
  auto rows = env.ok("/api/v1/strategies?limit=1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], nlohmann::json::parse(must(env.cat().get("alpha")).to_json().dump()));
}

TEST(CatalogRoutes, StrategiesSearchCombinesWithTheFilters) {
  CatalogEnv env;
  auto hits = env.ok("/api/v1/strategies?search=oscillator");
  ASSERT_EQ(hits.size(), 1u);  // gamma matches too, but is deprecated
  EXPECT_EQ(hits[0]["strategy_name"], "alpha");
  EXPECT_TRUE(hits[0]["rank"].is_number());
  auto all = env.names("/api/v1/strategies?search=oscillator&all=1&sort=name");
  EXPECT_EQ(all, (Names{"alpha", "gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?search=oscillator&all=1&sort=name&desc&limit=1"), (Names{"gamma"}));
  EXPECT_EQ(env.names("/api/v1/strategies?search=oscillator&category=trend"), (Names{}));
  EXPECT_EQ(env.names("/api/v1/strategies?search=moving+average"), (Names{"beta"}));
}

TEST(CatalogRoutes, BadQueriesAre400NamingTheParameter) {
  CatalogEnv env;
  expect_error(env.get("/api/v1/strategies?limit=-1"), 400, "invalid_argument", "limit");
  expect_error(env.get("/api/v1/strategies?limit=ten"), 400, "invalid_argument", "limit");
  expect_error(env.get("/api/v1/strategies?min_sharpe=high"), 400, "invalid_argument", "min_per_trade_sharpe");
  expect_error(env.get("/api/v1/strategies?desc=maybe"), 400, "invalid_argument", "desc");
  expect_error(env.get("/api/v1/strategies?catgory=trend"), 400, "invalid_argument", "catgory");
  expect_error(env.get("/api/v1/strategies?sort=colour"), 400, "invalid_argument", "sort");
  expect_error(env.get("/api/v1/audit?limit=0"), 400, "invalid_argument", "limit");
  expect_error(env.get("/api/v1/compare"), 400, "invalid_argument", "names");
}

TEST(CatalogRoutes, OneStrategyAndItsVersions) {
  CatalogEnv env;
  auto alpha = env.ok("/api/v1/strategies/alpha");
  EXPECT_EQ(alpha["strategy_name"], "alpha");
  EXPECT_EQ(alpha["current_version"], "1.1.0");
  ASSERT_TRUE(alpha["versions"].is_array());
  EXPECT_EQ(alpha["versions"].size(), 2u);
  EXPECT_EQ(alpha["performance"]["trades"], 3);
  // `strategies show --json`, plus "manifest": the registered manifest (its "metadata"), null here.
  EXPECT_EQ(alpha["manifest"], alpha["metadata"].is_object() ? alpha["metadata"] : nlohmann::json());
  alpha.erase("manifest");
  EXPECT_EQ(alpha, nlohmann::json::parse(must(env.cat().details("alpha")).to_json().dump()));
  Names versions;
  for (const auto& v : env.ok("/api/v1/strategies/alpha/versions")) versions.push_back(v["version_number"]);
  EXPECT_EQ(versions, (Names{"1.1.0", "1.0.0"}));
  // By id as well as by name, as the CLI takes either.
  const std::string id = alpha["strategy_id"];
  EXPECT_EQ(env.ok("/api/v1/strategies/" + id)["strategy_name"], "alpha");
}

TEST(CatalogRoutes, PerformanceAndCompare) {
  CatalogEnv env;
  auto perf = env.ok("/api/v1/strategies/alpha/performance");
  EXPECT_EQ(perf["trades"], 3);
  EXPECT_EQ(perf["wins"], 2);
  EXPECT_DOUBLE_EQ(perf["total_pnl"].get<double>(), 250.0);
  auto v1 = env.ok("/api/v1/strategies/alpha/performance?version=1.0.0");
  EXPECT_EQ(v1["trades"], 2);
  EXPECT_DOUBLE_EQ(v1["total_pnl"].get<double>(), 50.0);
  auto ranged = env.ok("/api/v1/strategies/alpha/performance?from=2024-03-02&to=2024-03-03");
  EXPECT_EQ(ranged["trades"], 2);
  auto rows = env.ok("/api/v1/compare?names=alpha,beta@1.0.0");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["strategy_name"], "alpha");
  EXPECT_EQ(rows[0]["trades"], 3);
  EXPECT_EQ(rows[1]["strategy_name"], "beta@1.0.0");
  EXPECT_EQ(rows[1]["trades"], 1);
}

TEST(CatalogRoutes, AuditNewestFirstAndPerStrategy) {
  CatalogEnv env;
  const std::string alpha_id = must(env.cat().get("alpha")).strategy_id;
  auto rows = env.ok("/api/v1/audit?strategy=alpha&limit=2");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_EQ(r["strategy_id"], alpha_id) << r;
  EXPECT_GE(rows[0]["audit_id"].get<int64_t>(), rows[1]["audit_id"].get<int64_t>());
  auto everything = env.ok("/api/v1/audit?limit=1000");
  EXPECT_EQ(everything.size(), must(env.cat().audit(std::nullopt, 1000)).size());
  std::set<std::string> actions;
  for (const auto& r : everything) actions.insert(r["action"]);
  EXPECT_TRUE(actions.count("deprecate")) << everything.dump();
}

TEST(CatalogRoutes, UnknownNamesAre404) {
  CatalogEnv env;
  expect_error(env.get("/api/v1/strategies/nope"), 404, "not_found", "nope");
  expect_error(env.get("/api/v1/strategies/nope/versions"), 404, "not_found", "nope");
  expect_error(env.get("/api/v1/strategies/nope/performance"), 404, "not_found", "nope");
  expect_error(env.get("/api/v1/strategies/alpha/performance?version=9.9.9"), 404, "not_found", "9.9.9");
  expect_error(env.get("/api/v1/compare?names=alpha,nope"), 404, "not_found", "nope");
  expect_error(env.get("/api/v1/audit?strategy=nope"), 404, "not_found", "nope");
}

TEST(CatalogRoutes, ConcurrentRequestsAreSerialisedSafely) {
  CatalogEnv env;
  HttpServer::Options o;
  o.threads = 4;
  Router router;
  add_catalog_routes(router, env.catalogs);
  TestServer s(o, std::move(router));
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t)
    clients.emplace_back([&] {
      Client c(s.port());
      for (int i = 0; i < 20; ++i) {
        auto r = c.request("GET", i % 2 ? "/api/v1/strategies/alpha" : "/api/v1/strategies?all=1");
        if (r.status == 200) ++ok;
      }
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 120);
}

}  // namespace
}  // namespace algohost::server::testing
