#include "host/dashboard/static_routes.h"

#include "host/dashboard/assets.h"
#include "host/server/url.h"

namespace algohost::dashboard {

server::Response serve_static(const server::Request& r) {
  if (r.path == "/api" || r.path.starts_with("/api/"))
    return server::Response::error(Status::NotFound("no endpoint " + r.path));
  auto segments = server::split_path(r.path);
  if (!segments.ok()) return server::Response::error(segments.status());
  std::string path;
  for (const auto& s : *segments) path += (path.empty() ? "" : "/") + s;
  if (path.empty()) path = "index.html";
  if (Status st = check_asset_path(path); !st.ok())
    return server::Response::error(Status::InvalidArgument("path " + r.path + ": " + st.message()));
  auto bytes = read_asset(path);
  if (!bytes.ok()) return server::Response::error(bytes.status());
  server::Response res = server::Response::text(std::move(*bytes), content_type_for(path));
  res.headers.emplace_back("Cache-Control", "no-cache");
  return res;
}

void add_static_routes(server::Router& router) { router.set_fallback(serve_static); }

}  // namespace algohost::dashboard
