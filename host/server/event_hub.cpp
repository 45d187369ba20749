#include "host/server/event_hub_impl.h"

#include <algorithm>

namespace algohost::server {

std::string sse_frame(const std::string& kind, const nlohmann::json& data) {
  std::string k = kind;
  std::replace(k.begin(), k.end(), '\n', ' ');
  std::replace(k.begin(), k.end(), '\r', ' ');
  return "event: " + k + "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

void EventHub::Impl::subscribe(const std::shared_ptr<EventSink>& sink) {
  std::lock_guard lock(mu);
  sinks.emplace_back(sink.get(), sink);
}

void EventHub::Impl::unsubscribe(const EventSink* sink) {
  std::lock_guard lock(mu);
  std::erase_if(sinks, [&](const auto& s) { return s.first == sink; });
}

EventHub::EventHub() : impl_(std::make_shared<Impl>()) {}
EventHub::~EventHub() = default;

void EventHub::publish(const std::string& kind, const nlohmann::json& data) {
  auto frame = std::make_shared<const std::string>(sse_frame(kind, data));
  std::vector<std::shared_ptr<EventSink>> live;
  {
    std::lock_guard lock(impl_->mu);
    std::erase_if(impl_->sinks, [](const auto& s) { return s.second.expired(); });
    for (const auto& s : impl_->sinks)
      if (auto p = s.second.lock()) live.push_back(std::move(p));
    impl_->published.fetch_add(1, std::memory_order_relaxed);
  }
  for (const auto& sink : live) sink->deliver(frame);
}

size_t EventHub::subscribers() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<size_t>(std::count_if(impl_->sinks.begin(), impl_->sinks.end(),
                                           [](const auto& s) { return !s.second.expired(); }));
}

uint64_t EventHub::published() const { return impl_->published.load(std::memory_order_relaxed); }

}  // namespace algohost::server
