#include "host/server/catalog_routes.h"

#include "host/server/catalog_handler.h"
#include "host/server/run_routes.h"
#include "host/service/strategy_query.h"

namespace algohost::server {
namespace {

using catalog::Json;

Result<PagedJson> list_strategies(catalog::Catalog& c, const Request& r) {
  QueryReader q(r.query);
  StrategyQuery sq;
  catalog::StrategyFilter& f = sq.filter;
  auto set = [](std::optional<std::string>& dst, const std::string& v) {
    if (!v.empty()) dst = v;
  };
  set(f.category, q.text("category"));
  set(f.sub_category, q.text("sub_category"));
  set(f.language, q.text("language"));
  set(f.origin, q.text("origin"));
  f.all_tags = q.list("tag");
  f.any_tags = q.list("any_tag");
  f.statuses = q.list("status");
  f.include_inactive = q.flag("all");
  f.min_sharpe = q.number({"min_per_trade_sharpe", "min_sharpe"});
  f.min_win_rate = q.number({"min_win_rate"});
  const std::string sort = q.text("sort");
  sq.sort_by_filter = !sort.empty();
  if (!sort.empty()) f.sort = sort;
  f.descending = q.flag("desc");
  if (const std::string order = q.choice("order", {"asc", "desc"}); !order.empty()) f.descending = order == "desc";
  f.limit = q.integer("limit", f.limit, 0);
  f.offset = q.integer("offset", 0, 0);
  sq.search = q.text("search");
  if (Status st = q.status(); !st.ok()) return st;
  int64_t total = 0;
  auto rows = find_strategies(c, sq, &total);
  if (!rows.ok()) return rows.status();
  return PagedJson{array_of(*rows), total};
}

}  // namespace

void add_catalog_routes(Router& router, CatalogService& catalogs, std::shared_ptr<std::mutex> lock) {
  if (!lock) lock = std::make_shared<std::mutex>();
  auto get = [&](const char* path, CatalogHandler body) { router.add("GET", path, with_catalog(catalogs, lock, std::move(body))); };

  get("/api/v1/health", [&catalogs](catalog::Catalog&, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    return Json{{"status", "ok"}, {"catalog", catalogs.location().db.string()}, {"read_only", catalogs.read_only()}};
  });

  router.add("GET", "/api/v1/strategies", with_catalog_paged(catalogs, lock, list_strategies));
  add_run_routes(router, catalogs, lock);

  get("/api/v1/strategies/{name}", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    auto d = c.details(r.params.at("name"));
    if (!d.ok()) return d.status();
    Json j = d->to_json();
    // The manifest as registered (the dashboard's strategy page), null for one registered by hand.
    j["manifest"] = d->strategy.metadata.is_object() ? d->strategy.metadata : Json(nullptr);
    return j;
  });

  get("/api/v1/strategies/{name}/versions", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    auto versions = c.versions(r.params.at("name"));
    if (!versions.ok()) return versions.status();
    return array_of(*versions);
  });

  get("/api/v1/strategies/{name}/performance", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::string version = q.text("version"), from = q.text("from"), to = q.text("to"), run = q.text("run");
    if (Status st = q.status(); !st.ok()) return st;
    auto m = performance_of(c, r.params.at("name"), version, from, to, run);
    if (!m.ok()) return m.status();
    return m->to_json();
  });

  get("/api/v1/compare", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::vector<std::string> names = q.list("names");
    if (Status st = q.status(); !st.ok()) return st;
    if (names.empty()) return Status::InvalidArgument("query parameter 'names': name strategies, e.g. names=rsi,macd@1.0.0");
    auto rows = compare_performance(c, names);
    if (!rows.ok()) return rows.status();
    return array_of(*rows);
  });

  get("/api/v1/audit", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::string strategy = q.text("strategy");
    const int64_t limit = q.integer("limit", 50, 1);
    if (Status st = q.status(); !st.ok()) return st;
    auto rows = c.audit(strategy.empty() ? std::nullopt : std::optional<std::string>(strategy), limit);
    if (!rows.ok()) return rows.status();
    return array_of(*rows);
  });
}

}  // namespace algohost::server
