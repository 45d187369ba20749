// The router (patterns, path parameters, 404 and 405) and request targets (query decoding).
#include <gtest/gtest.h>

#include "host/server/http_server.h"
#include "host/server/url.h"

namespace algohost::server {
namespace {

Handler answer(std::string tag) {
  return [tag](const Request&) { return Response::text(tag); };
}

std::string run(const Router::Match& m) {
  Request r;
  return m.handler ? (*m.handler)(r).body : "";
}

TEST(Router, MatchesLiteralPathsAndParameters) {
  Router router;
  router.add("GET", "/api/v1/strategies", answer("list"));
  router.add("GET", "/api/v1/strategies/{name}", answer("one"));
  router.add("GET", "/api/v1/strategies/{name}/versions/{version}", answer("version"));
  auto list = router.match("GET", "/api/v1/strategies");
  EXPECT_EQ(run(list), "list");
  EXPECT_TRUE(list.params.empty());
  auto one = router.match("GET", "/api/v1/strategies/rsi");
  EXPECT_EQ(run(one), "one");
  EXPECT_EQ(one.params.at("name"), "rsi");
  auto version = router.match("GET", "/api/v1/strategies/rsi/versions/1.2.0");
  EXPECT_EQ(run(version), "version");
  EXPECT_EQ(version.params.at("name"), "rsi");
  EXPECT_EQ(version.params.at("version"), "1.2.0");
  // A trailing slash names the same resource; segments are percent-decoded.
  EXPECT_EQ(run(router.match("GET", "/api/v1/strategies/")), "list");
  EXPECT_EQ(router.match("GET", "/api/v1/strategies/a%20b%2Fc").params.at("name"), "a b/c");
}

TEST(Router, PrefersTheMoreLiteralPattern) {
  Router router;
  router.add("GET", "/api/v1/strategies/{name}", answer("param"));
  router.add("GET", "/api/v1/strategies/search", answer("literal"));
  EXPECT_EQ(run(router.match("GET", "/api/v1/strategies/search")), "literal");
  EXPECT_EQ(run(router.match("GET", "/api/v1/strategies/rsi")), "param");
}

TEST(Router, UnknownPathHasNoHandlerAndNoMethods) {
  Router router;
  router.add("GET", "/api/v1/health", answer("h"));
  for (const char* path : {"/api/v1/nothing", "/api/v1/health/more", "/api", "/"}) {
    auto m = router.match("GET", path);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST(Router, WrongMethodListsTheAllowedOnes) {
  Router router;
  router.add("GET", "/api/v1/instances/{name}", answer("get"));
  router.add("DELETE", "/api/v1/instances/{name}", answer("delete"), true);
  router.add("POST", "/api/v1/instances/{name}/swap", answer("swap"), true);
  auto m = router.match("PUT", "/api/v1/instances/rsi");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "DELETE"}));
  auto del = router.match("DELETE", "/api/v1/instances/rsi");
  EXPECT_EQ(run(del), "delete");
  EXPECT_TRUE(del.auth);
  EXPECT_FALSE(router.match("GET", "/api/v1/instances/rsi").auth);
}

TEST(Router, EventStreamRoutesAreMarked) {
  Router router;
  router.add_event_stream("/api/v1/events");
  auto m = router.match("GET", "/api/v1/events");
  EXPECT_TRUE(m.stream);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(router.match("POST", "/api/v1/events").allowed, (std::vector<std::string>{"GET"}));
}

TEST(Target, SplitsAndDecodesTheQuery) {
  auto t = parse_target("/api/v1/strategies?tag=a&tag=b&search=mean+rev%65rsion&desc&empty=");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->path, "/api/v1/strategies");
  EXPECT_EQ(t->query.at("tag"), "a,b");
  EXPECT_EQ(t->query.at("search"), "mean reversion");
  EXPECT_EQ(t->query.at("desc"), "");
  EXPECT_EQ(t->query.at("empty"), "");
  EXPECT_EQ(t->query.size(), 4u);
}

TEST(Target, RefusesBadEscapesAndNonPaths) {
  for (const char* bad : {"/a?x=%zz", "/a?x=%4", "/a%", "http://host/a", "", "/a?x=%00"}) {
    auto t = parse_target(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(HttpStatus, OneMappingOfStatusCodes) {
  EXPECT_EQ(http_status_for(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status_for(StatusCode::kNotFound), 404);
  EXPECT_EQ(http_status_for(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status_for(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(http_status_for(StatusCode::kUnsupported), 501);
  EXPECT_EQ(http_status_for(StatusCode::kPluginError), 422);
  EXPECT_EQ(http_status_for(StatusCode::kIoError), 500);
  EXPECT_EQ(http_status_for(StatusCode::kCorruption), 500);
  EXPECT_EQ(http_status_for(StatusCode::kInternal), 500);
  Response r = Response::error(Status::NotFound("strategy 'x' not found"));
  EXPECT_EQ(r.status, 404);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_EQ(j["error"]["message"], "strategy 'x' not found");
}

}  // namespace
}  // namespace algohost::server
