// The recorded runs and a strategy's dashboard views on the control API (docs/api.md, "Runs"), read-only, no token:
//   GET /api/v1/runs?limit=&offset=&strategy=&kind=          run_summary_json items, newest first,
//                                                             X-Total-Count
//   GET /api/v1/runs/{id}                                     run_detail_json (curves, drawdown,
//                                                             monthly returns)
//   GET /api/v1/runs/{id}/trades?strategy=&symbol=&side=&limit=&offset=
//                                                             TradeRecord JSON in exit order,
//                                                             X-Total-Count
//   GET /api/v1/runs/{id}/report                              the run's report (text/html)
//   GET /api/v1/strategies/{name}/runs?limit=&offset=        runs that included the strategy,
//                                                             newest first, X-Total-Count
//   GET /api/v1/strategies/{name}/parameters                  strategy_parameters_json
//   GET /api/v1/strategies/{name}/related                     `strategies related --json`
//   GET /api/v1/strategies/{name}/mem                         strategy_mem_json
// (strategy views: host/service/strategy_view.h)
// limit: default 50, at most 1000; offset >= 0. A bad or unknown query parameter is 400 naming it;
// an unknown run or strategy 404. Handlers run under `lock` (see catalog_routes.h).
#pragma once

#include <memory>
#include <mutex>

#include "host/server/http_server.h"
#include "host/service/catalog_service.h"

namespace algohost::server {

void add_run_routes(Router& router, CatalogService& catalogs, std::shared_ptr<std::mutex> lock);

}  // namespace algohost::server
