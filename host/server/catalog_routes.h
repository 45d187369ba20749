// The catalog's read endpoints of the control API, over the same service calls and JSON shapes as
// the CLI's `--json` output of the same command (docs/api.md):
//   GET /api/v1/health
//   GET /api/v1/strategies?category=&sub_category=&tag=&any_tag=&status=&language=&origin=
//       &min_per_trade_sharpe=&min_win_rate=&search=&sort=&desc=&limit=&offset=&all=   (strategies list)
//   GET /api/v1/strategies/{name}                 (strategies show)
//   GET /api/v1/strategies/{name}/versions        (strategies versions)
//   GET /api/v1/strategies/{name}/performance?version=&from=&to=&run=   (perf)
//   GET /api/v1/compare?names=a,b@1.0.0           (compare)
//   GET /api/v1/audit?strategy=&limit=            (audit)
// Repeatable parameters (tag, any_tag, status, names) take comma-separated values. An unknown
// query parameter or a bad value is 400 naming it; an unknown strategy or version is 404.
//
// The handlers use `catalogs` (which must outlive the server) under `lock`, one request at a time:
// CatalogService is not thread-safe. Pass the lock that the host's other users of the same
// CatalogService take; none = a lock of their own.
#pragma once

#include <memory>
#include <mutex>

#include "host/server/http_server.h"
#include "host/service/catalog_service.h"

namespace algohost::server {

void add_catalog_routes(Router& router, CatalogService& catalogs, std::shared_ptr<std::mutex> lock = nullptr);

}  // namespace algohost::server
