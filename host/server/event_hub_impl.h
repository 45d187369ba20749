// EventHub's insides, shared with the HTTP sessions that stream it (server-internal).
//
// A sink is an SSE session. publish() formats the frame once and hands it to every sink; a sink's
// deliver() must not block (a session posts the frame to its own strand). Sinks are held weakly:
// a session that ends unsubscribes, and one that is gone is dropped at the next publish.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/server/http_server.h"

namespace algohost::server {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void deliver(std::shared_ptr<const std::string> frame) = 0;
};

struct EventHub::Impl {
  mutable std::mutex mu;
  std::vector<std::pair<const EventSink*, std::weak_ptr<EventSink>>> sinks;
  std::atomic<uint64_t> published{0};

  void subscribe(const std::shared_ptr<EventSink>& sink);
  void unsubscribe(const EventSink* sink);
};

// "event: KIND\ndata: JSON\n\n" (a line break in KIND becomes a space; JSON is one line).
std::string sse_frame(const std::string& kind, const nlohmann::json& data);

}  // namespace algohost::server
