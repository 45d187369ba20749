// A server on an ephemeral loopback port with a few test routes (tests/server).
#pragma once

#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "host/server/http_server.h"
#include "tests/server/http_test_client.h"

namespace algohost::server::testing {

constexpr const char* kToken = "0123456789abcdef-test-token";

inline Router test_router() {
  Router router;
  router.add("GET", "/api/v1/echo/{name}", [](const Request& r) {
    return Response::json({{"name", r.params.at("name")}, {"query", r.query}, {"caller", r.caller}, {"remote", r.remote}});
  });
  router.add("POST", "/api/v1/echo", [](const Request& r) {
    return Response::json({{"json", r.json ? *r.json : nlohmann::json()}, {"has_json", r.json.has_value()},
                           {"body_size", r.body.size()}});
  });
  router.add(
      "POST", "/api/v1/things/{name}",
      [](const Request& r) { return Response::json({{"name", r.params.at("name")}, {"caller", r.caller}}, 201); }, true);
  router.add("GET", "/api/v1/fail", [](const Request&) { return Response::error(Status::NotFound("no such thing 'x'")); });
  router.add("GET", "/api/v1/throw", [](const Request&) -> Response { throw std::runtime_error("boom in handler"); });
  router.add("GET", "/metrics", [](const Request&) { return Response::text("algohost_up 1\n"); });
  router.add_event_stream("/api/v1/events");
  return router;
}

struct TestServer {
  explicit TestServer(HttpServer::Options options = {}, Router router = test_router())
      : events(std::make_shared<EventHub>()), server(std::move(router), events, options) {
    Status st = server.start();
    if (!st.ok()) throw std::runtime_error("server start: " + st.to_string());
  }
  uint16_t port() const { return server.port(); }

  std::shared_ptr<EventHub> events;
  HttpServer server;
};

}  // namespace algohost::server::testing
