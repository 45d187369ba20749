// What the listener and every session of one HttpServer share (server-internal). Immutable after
// start() except the counters and the session registry, which have their own synchronisation.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "host/server/http_server.h"
#include "host/server/token.h"

namespace algohost::server {

class Session;

// Limits that the contract leaves to the implementation.
constexpr size_t kHeaderLimit = 16 * 1024;                   // request line and headers (431 over)
constexpr std::chrono::seconds kWriteTimeout{30};            // a response must be taken within this
constexpr std::chrono::seconds kLingerTimeout{2};            // reading what a client still sends after our last response
constexpr size_t kLingerBytes = 8 * 1024 * 1024;             // ... and at most this much of it
constexpr std::chrono::seconds kSseKeepAlive{15};            // a comment line on an idle event stream
constexpr size_t kSseMaxQueuedBytes = 8 * 1024 * 1024;       // a stream further behind than this is closed

struct ServerState {
  ServerState(Router r, std::shared_ptr<EventHub> e, HttpServer::Options o)
      : router(std::move(r)), events(std::move(e)), options(std::move(o)), token(options.token) {}

  const Router router;
  const std::shared_ptr<EventHub> events;  // may be null: event streams then only keep alive
  const HttpServer::Options options;
  const TokenCheck token;

  std::atomic<uint64_t> requests{0};
  std::atomic<size_t> connections{0};

  // Every live session, so that stop() can close them.
  std::mutex sessions_mu;
  std::map<const Session*, std::weak_ptr<Session>> sessions;
};

}  // namespace algohost::server
