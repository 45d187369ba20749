// The HTTP server's behaviour for every request, whatever the route: JSON errors, 404 and 405,
// malformed JSON, body limit, bearer token, handler failures, keep-alive, start and stop.
#include <openssl/sha.h>

#include <thread>

#include "tests/server/server_fixture.h"

namespace algohost::server::testing {
namespace {

HttpServer::Options with_token() {
  HttpServer::Options o;
  o.token = kToken;
  return o;
}

void expect_error(const Reply& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos);
  auto j = r.json();
  ASSERT_TRUE(j.contains("error")) << r.body;
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
}

TEST(HttpServer, RoutesWithPathAndQueryParameters) {
  TestServer s;
  auto r = request(s.port(), "GET", "/api/v1/echo/rsi%2D2?limit=5&tag=a&tag=b");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["name"], "rsi-2");
  EXPECT_EQ(j["query"]["limit"], "5");
  EXPECT_EQ(j["query"]["tag"], "a,b");
  EXPECT_EQ(j["caller"], "anonymous");
  EXPECT_EQ(j["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << j["remote"];
  auto metrics = request(s.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body, "algohost_up 1\n");
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4");
  // A handler's error Status becomes its HTTP status and the JSON error.
  expect_error(request(s.port(), "GET", "/api/v1/fail"), 404, "not_found");
}

TEST(HttpServer, UnknownPathIs404AndWrongMethod405WithAllow) {
  TestServer s;
  expect_error(request(s.port(), "GET", "/api/v1/nothing/here"), 404, "not_found");
  expect_error(request(s.port(), "GET", "/"), 404, "not_found");
  auto r = request(s.port(), "DELETE", "/api/v1/echo/x");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET");
  auto post = request(s.port(), "GET", "/api/v1/things/x");
  expect_error(post, 405, "method_not_allowed");
  EXPECT_EQ(post.header("allow"), "POST");
}

TEST(HttpServer, MalformedJsonIs400NamingTheParseError) {
  TestServer s;
  auto bad = request(s.port(), "POST", "/api/v1/echo", "{\"version\": 1.2.0}", {{"Content-Type", "application/json"}});
  expect_error(bad, 400, "invalid_argument");
  const std::string message = bad.json()["error"]["message"];
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("parse error"), std::string::npos) << message;  // nlohmann's own words, with the position
  EXPECT_NE(message.find("column"), std::string::npos) << message;
  // A body with no content type is taken as JSON too; one of another type is left to the handler.
  expect_error(request(s.port(), "POST", "/api/v1/echo", "[1,"), 400, "invalid_argument");
  auto text = request(s.port(), "POST", "/api/v1/echo", "not json", {{"Content-Type", "text/plain"}});
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_FALSE(text.json()["has_json"].get<bool>());
  auto good = request(s.port(), "POST", "/api/v1/echo", R"({"version": "1.2.0"})", {{"Content-Type", "application/json"}});
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.json()["json"]["version"], "1.2.0");
}

TEST(HttpServer, BodyOverTheLimitIs413AndTheServerGoesOn) {
  HttpServer::Options o;
  o.body_limit = 1024;
  TestServer s(o);
  const std::string at_limit = "\"" + std::string(1022, 'a') + "\"";
  ASSERT_EQ(at_limit.size(), 1024u);
  auto ok = request(s.port(), "POST", "/api/v1/echo", at_limit);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["body_size"], 1024);
  expect_error(request(s.port(), "POST", "/api/v1/echo", at_limit + " "), 413, "payload_too_large");
  // A client that sends a large body whole still reads the answer.
  RawConnection raw(s.port());
  const std::string big(2 * 1024 * 1024, 'x');
  raw.send("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(big.size()) +
           "\r\n\r\n");
  raw.send(big);
  bool closed = false;
  const std::string answer = raw.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_EQ(raw_status(answer), 413) << answer.substr(0, 200);
  EXPECT_TRUE(closed);
  EXPECT_EQ(raw_json_body(answer)["error"]["code"], "payload_too_large");
  EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo/after").status, 200);
}

TEST(HttpServer, AuthRoutesNeedTheBearerToken) {
  TestServer s(with_token());
  auto missing = request(s.port(), "POST", "/api/v1/things/a", "{}");
  expect_error(missing, 401, "unauthenticated");
  EXPECT_EQ(missing.header("www-authenticate"), "Bearer");
  expect_error(request(s.port(), "POST", "/api/v1/things/a", "{}", {{"Authorization", "Basic dXNlcjpwdw=="}}), 401,
               "unauthenticated");
  expect_error(request(s.port(), "POST", "/api/v1/things/a", "{}", {{"Authorization", std::string("Bearer ") + kToken + "x"}}),
               403, "forbidden");
  expect_error(request(s.port(), "POST", "/api/v1/things/a", "{}", {{"Authorization", "Bearer "}}), 401, "unauthenticated");
  expect_error(request(s.port(), "POST", "/api/v1/things/a", "{}", {{"Authorization", "Bearer x"}}), 403, "forbidden");
  auto ok = request(s.port(), "POST", "/api/v1/things/a", "{}", {{"Authorization", std::string("bearer ") + kToken}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  // The caller is named by the token's fingerprint: the first 8 hex digits of its sha256.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(kToken), std::strlen(kToken), digest);
  char expected[32];
  std::snprintf(expected, sizeof expected, "token:%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  EXPECT_EQ(ok.json()["caller"], expected);
  // Routes without auth need no token.
  EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo/x").status, 200);
}

TEST(HttpServer, WithoutATokenAuthRoutesAreOpen) {
  TestServer s;
  auto ok = request(s.port(), "POST", "/api/v1/things/a", "{}");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["caller"], "anonymous");
}

TEST(HttpServer, AThrowingHandlerIs500AndTheServerGoesOn) {
  TestServer s;
  auto r = request(s.port(), "GET", "/api/v1/throw");
  expect_error(r, 500, "internal");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("boom in handler"), std::string::npos);
  EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo/x").status, 200);
}

TEST(HttpServer, MalformedHttpIs400) {
  TestServer s;
  RawConnection raw(s.port());
  raw.send("GET /api/v1/echo/x HTTP/1.1\r\nHost x\r\n\r\n");  // a header line without a colon
  bool closed = false;
  const std::string answer = raw.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_EQ(raw_status(answer), 400) << answer;
  EXPECT_TRUE(closed);
  RawConnection bad_escape(s.port());
  bad_escape.send("GET /api/v1/echo/x?a=%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string pending;
  const std::string escaped = bad_escape.read_until("\r\n\r\n", std::chrono::seconds(10), &pending);
  EXPECT_EQ(raw_status(escaped), 400) << escaped;
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestServer s;
  auto client = std::make_unique<Client>(s.port());
  Client& c = *client;
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("GET", "/api/v1/echo/n" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["name"], "n" + std::to_string(i));
    EXPECT_TRUE(r.keep_alive);
  }
  // An error on a well-formed request keeps the connection too.
  EXPECT_EQ(c.request("GET", "/api/v1/none").status, 404);
  EXPECT_EQ(c.request("GET", "/api/v1/echo/last").status, 200);
  EXPECT_EQ(s.server.connections(), 1u);
  EXPECT_EQ(s.server.requests(), 7u);
  // Asking to close is honoured.
  auto last = c.request("GET", "/api/v1/echo/bye", "", {}, false);
  EXPECT_FALSE(last.keep_alive);
  client.reset();
  EXPECT_TRUE(wait_for([&] { return s.server.connections() == 0; }));
}

TEST(HttpServer, ServesFromSeveralThreads) {
  HttpServer::Options o;
  o.threads = 4;
  TestServer s(o);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      Client c(s.port());
      for (int i = 0; i < 25; ++i)
        if (c.request("GET", "/api/v1/echo/t" + std::to_string(t)).status == 200) ++ok;
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(s.server.requests(), 200u);
}

TEST(HttpServer, BindingATakenPortNamesTheAddress) {
  TestServer s;
  HttpServer::Options o;
  o.port = s.port();
  HttpServer second(test_router(), nullptr, o);
  Status st = second.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(s.port())), std::string::npos) << st.message();
  HttpServer::Options bad;
  bad.address = "not-an-address";
  HttpServer third(test_router(), nullptr, bad);
  EXPECT_EQ(third.start().code(), StatusCode::kInvalidArgument);
}

TEST(HttpServer, StopFromAnotherThreadClosesEveryConnection) {
  auto s = std::make_unique<TestServer>();
  RawConnection idle(s->port());
  RawConnection stream(s->port());
  stream.send("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string pending;
  ASSERT_NE(stream.read_until(": subscribed\n\n", std::chrono::seconds(10), &pending), "");
  ASSERT_TRUE(wait_for([&] { return s->server.connections() == 2; }));
  std::thread stopper([&] { s->server.stop(); });
  stopper.join();
  EXPECT_EQ(s->server.connections(), 0u);
  EXPECT_EQ(s->events->subscribers(), 0u);
  bool closed = false;
  idle.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed);
  stream.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed);
  s->events->publish("after_stop", {{"x", 1}});  // no subscriber left; nothing breaks
  s->server.stop();                               // a second stop does nothing
  s.reset();                                      // nor does the destructor's
}

}  // namespace
}  // namespace algohost::server::testing
