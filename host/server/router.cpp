// Router: METHOD + path pattern -> handler. A path matches a pattern segment by segment, "{x}"
// matching any one (decoded) segment; when several patterns of the method match, the one with a
// literal segment earlier wins ("/strategies/search" over "/strategies/{name}"). A path that only
// patterns of other methods match gets those methods (405 and Allow). A GET that no pattern of any
// method matches goes to the fallback handler when there is one.
#include <algorithm>
#include <stdexcept>

#include "host/server/http_server.h"
#include "host/server/url.h"

namespace algohost::server {
namespace {

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> pattern_segments(const std::string& pattern) {
  auto segments = split_path(pattern);
  if (!segments.ok()) throw std::invalid_argument("route pattern '" + pattern + "': " + segments.status().message());
  return std::move(*segments);
}

// Literal segments as 1s, parameters as 0s: the higher (lexicographically), the more specific.
std::vector<int> specificity(const std::vector<std::string>& segments) {
  std::vector<int> out;
  for (const auto& s : segments) out.push_back(is_param(s) ? 0 : 1);
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, bool auth) {
  Route r;
  r.method = std::move(method);
  r.segments = pattern_segments(pattern);
  r.handler = std::move(handler);
  r.auth = auth;
  routes_.push_back(std::move(r));
}

void Router::add_event_stream(std::string pattern) {
  Route r;
  r.method = "GET";
  r.segments = pattern_segments(pattern);
  r.stream = true;
  routes_.push_back(std::move(r));
}

void Router::set_fallback(Handler handler) { fallback_ = std::move(handler); }

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match out;
  auto segments = split_path(path);
  if (!segments.ok()) return out;
  const Route* best = nullptr;
  std::vector<int> best_rank;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments->size()) continue;
    bool fits = true;
    for (size_t i = 0; i < r.segments.size() && fits; ++i)
      fits = is_param(r.segments[i]) || r.segments[i] == (*segments)[i];
    if (!fits) continue;
    if (r.method != method) {
      if (std::find(out.allowed.begin(), out.allowed.end(), r.method) == out.allowed.end()) out.allowed.push_back(r.method);
      continue;
    }
    std::vector<int> rank = specificity(r.segments);
    if (!best || rank > best_rank) {
      best = &r;
      best_rank = std::move(rank);
    }
  }
  if (!best && out.allowed.empty() && method == "GET" && fallback_) {
    out.handler = &fallback_;
    return out;
  }
  if (!best) return out;  // allowed: the path's other methods (405), or none (404)
  out.allowed.clear();
  out.handler = best->stream ? nullptr : &best->handler;
  out.auth = best->auth;
  out.stream = best->stream;
  for (size_t i = 0; i < best->segments.size(); ++i)
    if (is_param(best->segments[i]))
      out.params[best->segments[i].substr(1, best->segments[i].size() - 2)] = (*segments)[i];
  return out;
}

}  // namespace algohost::server
