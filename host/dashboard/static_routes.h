// The dashboard's files over the control API, without a token (docs/dashboard.md, docs/api.md):
//   GET /            -> index.html
//   GET /<path>      -> that file of the dashboard (assets.h: embedded, or ALGOHOST_DASHBOARD_DIR),
//                       Content-Type from its extension, Cache-Control: no-cache
// Registered as the router's fallback, so every API route wins. A path under /api/ or a file that
// is not there is 404 JSON ("no endpoint ..." / naming the file); a path with a ".." or "."
// segment (also when %-encoded) is 400 naming the path.
#pragma once

#include "host/server/http_server.h"

namespace algohost::dashboard {

server::Response serve_static(const server::Request& request);

// router.set_fallback(serve_static).
void add_static_routes(server::Router& router);

}  // namespace algohost::dashboard
