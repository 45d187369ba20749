// HttpServer — the control API's HTTP/1.1 server (Boost.Beast over Boost.Asio), and the Router
// its endpoints are registered on. JSON under /api/v1/, bound to 127.0.0.1 by default.
//
// The server owns no logic of the host: handlers are registered by the service layer (catalog
// routes: catalog_routes.h; live routes: the live host). A handler runs on the server's
// io_context thread and must not block for long (the live host posts a command to its engine
// thread and waits for the answer with a time limit).
//
// What every request gets, whatever the handler:
//   - errors as JSON: {"error": {"code": "not_found", "message": "..."}} with the HTTP status of
//     http_status_for(StatusCode) (one mapping, http_status.h); unknown path 404, wrong method
//     405 (with Allow), malformed JSON body 400 naming the parse error, body over
//     Options::body_limit 413;
//   - routes registered with `auth = true` (every write) need `Authorization: Bearer <token>`
//     (401 without, 403 with a wrong one), compared in constant time; Request::caller is then
//     "token:<first 8 hex of sha256(token)>";
//   - limits: a request's header and body must arrive within Options::read_timeout (a slow
//     client is closed, 408 if anything can be sent), at most Options::max_connections at once
//     (beyond: 503 and close), keep-alive honoured;
//   - the server never stops or crashes because of a request.
// Server-sent events: a GET route registered with add_event_stream() streams every event
// published to the EventHub (`event: KIND\ndata: JSON\n\n`), with a comment line every 15 s.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/common/status.h"

namespace algohost::server {

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> params;  // path parameters, from "{name}" segments
  std::string body;
  std::optional<nlohmann::json> json;  // the parsed body, when it is JSON (400 before the handler otherwise)
  std::string caller;                  // "token:xxxxxxxx" on authenticated routes, else "anonymous"
  std::string remote;                  // "127.0.0.1:54321"
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. X-Total-Count

  static Response json(const nlohmann::json& j, int status = 200);
  static Response text(std::string body, std::string content_type = "text/plain; version=0.0.4");
  // The JSON error body for a non-ok status, with its HTTP status (http_status_for).
  static Response error(const Status& status);
};

using Handler = std::function<Response(const Request&)>;

// Routes: METHOD + a path pattern with "{name}" segments, e.g. "/api/v1/instances/{name}/swap".
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, bool auth = false);
  // A GET route that streams the EventHub's events (server-sent events) instead of answering once.
  void add_event_stream(std::string pattern);
  // The handler of a GET that no pattern of any method matches (the dashboard's static files);
  // without one such a request is 404.
  void set_fallback(Handler handler);
  struct Match {
    const Handler* handler = nullptr;
    bool auth = false;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  // methods of the path when the method does not match
    bool stream = false;               // an event-stream route
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    bool auth = false;
    bool stream = false;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

// Fan-out of events to the SSE streams. Thread-safe: publish() from any thread.
class EventHub {
 public:
  EventHub();
  ~EventHub();
  void publish(const std::string& kind, const nlohmann::json& data);
  // Subscribers and events delivered so far (for /metrics and tests).
  size_t subscribers() const;
  uint64_t published() const;

  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The bearer token: read from `file`, created on first use with 32 random bytes as hex and mode
// 0600 (OpenSSL RAND_bytes). A file readable by group or others is refused (FailedPrecondition,
// naming the file and its mode).
Result<std::string> load_or_create_token(const std::filesystem::path& file);

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    uint16_t port = 0;  // 0: an ephemeral port
    std::string token;  // "" = no route needs a token (tests only)
    size_t body_limit = 1 << 20;
    std::chrono::milliseconds read_timeout{10'000};
    size_t max_connections = 256;
    int threads = 1;
  };

  HttpServer(Router router, std::shared_ptr<EventHub> events, Options options);
  ~HttpServer();  // stops and joins

  // Binds and listens; the bound port then is port(). IoError naming the address when it cannot bind.
  Status start();
  void stop();
  uint16_t port() const;
  const std::string& address() const;

  // Requests answered so far and connections open now (for /metrics and tests).
  uint64_t requests() const;
  size_t connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// HTTP status for a StatusCode: kInvalidArgument 400, kNotFound 404, kAlreadyExists 409,
// kFailedPrecondition 409, kUnsupported 501, kPluginError 422, kIoError 500, kCorruption 500,
// kInternal 500.
int http_status_for(StatusCode code);

}  // namespace algohost::server
