// The dashboard's static files over the server (host/dashboard/static_routes.h): the embedded copy
// at / and by name, with the content type of the extension and no-cache; unknown files and /api/
// paths 404; ".." refused; the API's routes win; ALGOHOST_DASHBOARD_DIR serves a folder instead.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "host/dashboard/static_routes.h"
#include "tests/server/server_fixture.h"
#include "tests/support/test_support.h"

namespace algohost::server::testing {
namespace {

using algohost::testing::TempDir;
using algohost::testing::write_file;

std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(ALGOHOST_SOURCE_DIR) + "/host/dashboard/web/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct StaticServer {
  StaticServer() {
    ::unsetenv("ALGOHOST_DASHBOARD_DIR");
    Router router = test_router();
    dashboard::add_static_routes(router);
    server = std::make_unique<TestServer>(HttpServer::Options{}, std::move(router));
  }
  ~StaticServer() { ::unsetenv("ALGOHOST_DASHBOARD_DIR"); }
  uint16_t port() const { return server->port(); }
  std::unique_ptr<TestServer> server;
};

TEST(StaticRoutes, RootServesTheEmbeddedIndex) {
  StaticServer s;
  const std::string index = source_file("index.html");
  ASSERT_FALSE(index.empty());
  for (const char* target : {"/", "/index.html"}) {
    Reply r = request(s.port(), "GET", target);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8") << target;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << target;
    EXPECT_EQ(r.body, index) << target;
  }
  EXPECT_EQ(request(s.port(), "GET", "/report.html").body, source_file("report.html"));
}

TEST(StaticRoutes, UnknownFilesAndApiPathsAre404Json) {
  StaticServer s;
  for (const char* target : {"/no-such-file.js", "/api/v1/no-such-endpoint", "/api"}) {
    Reply r = request(s.port(), "GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.json()["error"]["code"], "not_found") << target;
  }
  EXPECT_NE(request(s.port(), "GET", "/api/v1/no-such-endpoint").json()["error"]["message"].get<std::string>().find(
                "no endpoint /api/v1/no-such-endpoint"),
            std::string::npos);
  // Only GET: another method on an unknown path is still 404.
  EXPECT_EQ(request(s.port(), "POST", "/index.html", "{}").status, 404);
}

TEST(StaticRoutes, DotDotIsRefusedNamingThePath) {
  StaticServer s;
  for (const char* target : {"/../CMakeLists.txt", "/a/../index.html", "/%2e%2e/etc/passwd", "/..%2Fsecret", "/./index.html"}) {
    Reply r = request(s.port(), "GET", target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("path"), std::string::npos) << target;
  }
}

TEST(StaticRoutes, ApiRoutesWinOverTheFallback) {
  StaticServer s;
  Reply r = request(s.port(), "GET", "/api/v1/echo/x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["name"], "x");
  EXPECT_EQ(request(s.port(), "GET", "/metrics").body, "algohost_up 1\n");
  EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo").status, 405);  // POST-only path: not the fallback
}

TEST(StaticRoutes, OverrideDirectoryIsServedAndReadOnEachRequest) {
  StaticServer s;
  TempDir dir;
  write_file(dir / "index.html", "<p>override</p>");
  write_file(dir / "js" / "app.mjs", "export {};");
  write_file(dir / "style.css", "p{}");
  write_file(dir / "icon.svg", "<svg/>");
  write_file(dir / "data.json", "{}");
  write_file(dir / "app.js.map", "{}");
  write_file(dir / "font.woff2", "w");
  write_file(dir / "img.png", "p");
  write_file(dir / "plain.js", "1;");
  ::setenv("ALGOHOST_DASHBOARD_DIR", dir.path().c_str(), 1);
  EXPECT_EQ(request(s.port(), "GET", "/").body, "<p>override</p>");
  const std::map<std::string, std::string> types = {
      {"/js/app.mjs", "text/javascript; charset=utf-8"}, {"/plain.js", "text/javascript; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},         {"/icon.svg", "image/svg+xml"},
      {"/data.json", "application/json"},                {"/app.js.map", "application/json"},
      {"/font.woff2", "font/woff2"},                     {"/img.png", "image/png"}};
  for (const auto& [target, type] : types) {
    Reply r = request(s.port(), "GET", target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.header("content-type"), type) << target;
  }
  write_file(dir / "index.html", "<p>changed</p>");
  EXPECT_EQ(request(s.port(), "GET", "/").body, "<p>changed</p>");
  // The embedded report.html is not in the override folder: 404 naming the folder.
  Reply missing = request(s.port(), "GET", "/report.html");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.json()["error"]["message"].get<std::string>().find(dir.path().string()), std::string::npos);
}

}  // namespace
}  // namespace algohost::server::testing
