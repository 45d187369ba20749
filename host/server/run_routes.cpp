#include "host/server/run_routes.h"

#include "host/report/report.h"
#include "host/server/catalog_handler.h"
#include "host/service/run_view.h"
#include "host/service/strategy_view.h"

namespace algohost::server {
namespace {

Result<PagedJson> runs_page(catalog::Catalog& c, QueryReader& q, std::optional<std::string> strategy) {
  catalog::RunFilter f;
  if (!strategy) {
    const std::string s = q.text("strategy");
    if (!s.empty()) strategy = s;
  }
  const std::string kind = q.text("kind");
  if (!kind.empty()) f.kind = kind;
  const Paging p = read_paging(q);
  if (Status st = q.status(); !st.ok()) return st;
  if (strategy) {
    auto rec = c.get(*strategy);
    if (!rec.ok()) return rec.status();
    f.strategy_name = rec->strategy_name;
  }
  f.limit = p.limit;
  f.offset = p.offset;
  auto page = c.runs_page(f);
  if (!page.ok()) return page.status();
  PagedJson out{Json::array(), page->total};
  for (const auto& r : page->rows) out.rows.push_back(run_summary_json(r));
  return out;
}

Result<PagedJson> run_trades_page(catalog::Catalog& c, const Request& r) {
  QueryReader q(r.query);
  catalog::RunTradeFilter f;
  f.run_id = r.params.at("id");
  const std::string strategy = q.text("strategy"), symbol = q.text("symbol");
  const std::string side = q.choice("side", {"buy", "sell", "target", "long", "short"});
  const Paging p = read_paging(q);
  if (Status st = q.status(); !st.ok()) return st;
  if (auto run = c.get_run(f.run_id); !run.ok()) return run.status();
  if (!strategy.empty()) {
    auto rec = c.get(strategy);
    if (!rec.ok()) return rec.status();
    f.strategy_id = rec->strategy_id;
  }
  if (!symbol.empty()) f.symbol = symbol;
  if (!side.empty()) f.side = side;
  f.limit = p.limit;
  f.offset = p.offset;
  auto page = c.run_trades(f);
  if (!page.ok()) return page.status();
  PagedJson out{Json::array(), page->total};
  for (const auto& t : page->rows) out.rows.push_back(t.to_json());
  return out;
}

}  // namespace

void add_run_routes(Router& router, CatalogService& catalogs, std::shared_ptr<std::mutex> lock) {
  if (!lock) lock = std::make_shared<std::mutex>();
  router.add("GET", "/api/v1/runs", with_catalog_paged(catalogs, lock, [](catalog::Catalog& c, const Request& r) {
               QueryReader q(r.query);
               return runs_page(c, q, std::nullopt);
             }));
  router.add("GET", "/api/v1/strategies/{name}/runs",
             with_catalog_paged(catalogs, lock, [](catalog::Catalog& c, const Request& r) {
               QueryReader q(r.query);
               return runs_page(c, q, r.params.at("name"));
             }));
  auto get = [&](const char* path, std::function<Result<Json>(catalog::Catalog&, const std::string&)> body) {
    router.add("GET", path, with_catalog(catalogs, lock, [body = std::move(body)](catalog::Catalog& c, const Request& r) -> Result<Json> {
                 if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
                 return body(c, r.params.at("name"));
               }));
  };
  get("/api/v1/strategies/{name}/parameters", strategy_parameters_json);
  get("/api/v1/strategies/{name}/mem", strategy_mem_json);
  get("/api/v1/strategies/{name}/related", [](catalog::Catalog& c, const std::string& name) -> Result<Json> {
    auto related = c.related(name);
    if (!related.ok()) return related.status();
    return array_of(*related);
  });
  router.add("GET", "/api/v1/runs/{id}", with_catalog(catalogs, lock, [](catalog::Catalog& c, const Request& r) -> Result<Json> {
               if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
               return run_detail_json(c, r.params.at("id"));
             }));
  router.add("GET", "/api/v1/runs/{id}/trades", with_catalog_paged(catalogs, lock, run_trades_page));
  router.add("GET", "/api/v1/runs/{id}/report", [&catalogs, lock](const Request& r) -> Response {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return Response::error(st);
    std::lock_guard guard(*lock);
    auto c = catalogs.catalog(CatalogAccess::kRead);
    if (!c.ok()) return Response::error(c.status());
    auto html = report::build_report(**c, r.params.at("id"));
    if (!html.ok()) return Response::error(html.status());
    Response res = Response::text(std::move(*html), "text/html; charset=utf-8");
    res.headers.emplace_back("Cache-Control", "no-cache");
    return res;
  });
}

}  // namespace algohost::server
