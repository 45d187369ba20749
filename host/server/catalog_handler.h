// What the catalog's read routes share (server-internal): QueryReader, which reads a request's
// query parameters each at most once and refuses the ones it did not read (400 naming them), and
// with_catalog / with_catalog_paged, which run a handler body on the catalog opened for reading
// under the routes' lock, answer its errors as JSON, and (paged) set X-Total-Count.
#pragma once

#include <charconv>
#include <cstdint>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "host/server/http_server.h"
#include "host/service/catalog_service.h"

namespace algohost::server {

using catalog::Json;

// Reads a request's query parameters, each at most once, and refuses any it did not read.
class QueryReader {
 public:
  explicit QueryReader(const std::map<std::string, std::string>& query) : query_(query) {}

  // The value of the first of `names` present ("" when none is).
  std::string text(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      read_.insert(n);
      if (auto it = query_.find(n); it != query_.end()) return it->second;
    }
    return "";
  }
  std::string text(const char* name) { return text({name}); }
  // Comma-separated values (a repeated parameter arrives joined by commas), empties dropped.
  std::vector<std::string> list(const char* name) {
    std::vector<std::string> out;
    const std::string v = text(name);
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }
  std::optional<double> number(std::initializer_list<const char*> names) {
    const std::string v = text(names);
    if (v.empty()) return std::nullopt;
    double d = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d))
      fail(*names.begin(), "'" + v + "' is not a number");
    return d;
  }
  int64_t integer(const char* name, int64_t fallback, int64_t min, int64_t max = INT64_MAX) {
    const std::string v = text(name);
    if (v.empty()) return fallback;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
      fail(name, "'" + v + "' is not a whole number");
    } else if (n < min) {
      fail(name, "must be at least " + std::to_string(min));
    } else if (n > max) {
      fail(name, "must be at most " + std::to_string(max));
    }
    return n;
  }
  // "", "1", "true", "yes" are true (a bare "?desc" too); "0", "false", "no" false.
  bool flag(const char* name) {
    read_.insert(name);
    auto it = query_.find(name);
    if (it == query_.end()) return false;
    const std::string& v = it->second;
    if (v.empty() || v == "1" || v == "true" || v == "yes") return true;
    if (v == "0" || v == "false" || v == "no") return false;
    fail(name, "'" + v + "' is not true or false");
    return false;
  }
  // One of `choices` ("" when absent); another value fails naming the choices.
  std::string choice(const char* name, std::initializer_list<const char*> choices) {
    const std::string v = text(name);
    if (v.empty()) return v;
    std::string list;
    for (const char* c : choices) {
      if (v == c) return v;
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    fail(name, "'" + v + "' is not one of: " + list);
    return "";
  }
  // The first bad value, or an unknown parameter, naming what is accepted.
  Status status() const {
    if (!error_.ok()) return error_;
    for (const auto& [k, v] : query_) {
      if (read_.count(k)) continue;
      std::string known;
      for (const auto& r : read_) known += (known.empty() ? "" : ", ") + r;
      return Status::InvalidArgument("unknown query parameter '" + k + "'" +
                                     (known.empty() ? std::string(": this endpoint takes none") : "; known: " + known));
    }
    return Status::Ok();
  }

 private:
  void fail(const std::string& name, const std::string& why) {
    if (error_.ok()) error_ = Status::InvalidArgument("query parameter '" + name + "': " + why);
  }
  const std::map<std::string, std::string>& query_;
  std::set<std::string> read_;
  Status error_;
};

template <class T>
inline Json array_of(const std::vector<T>& rows) {
  Json out = Json::array();
  for (const auto& r : rows) out.push_back(r.to_json());
  return out;
}

// Wraps a handler body: the catalog opened for reading under the lock; errors as JSON.
using CatalogHandler = std::function<Result<Json>(catalog::Catalog&, const Request&)>;

inline Handler with_catalog(CatalogService& catalogs, std::shared_ptr<std::mutex> lock, CatalogHandler body) {
  return [&catalogs, lock = std::move(lock), body = std::move(body)](const Request& r) -> Response {
    std::lock_guard guard(*lock);
    auto c = catalogs.catalog(CatalogAccess::kRead);
    if (!c.ok()) return Response::error(c.status());
    auto out = body(**c, r);
    if (!out.ok()) return Response::error(out.status());
    // Dumped as ordered (the CLI's key order), not through Response::json's sorted nlohmann::json.
    Response res;
    res.body = out->dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    return res;
  };
}

// Paging as every paged list takes it: limit (default 50, at most 1000) and offset.
struct Paging {
  int64_t limit = 50, offset = 0;
};
inline Paging read_paging(QueryReader& q, int64_t default_limit = 50) {
  Paging p;
  p.limit = q.integer("limit", default_limit, 0, 1000);
  p.offset = q.integer("offset", 0, 0);
  return p;
}

// A paged list: the page's JSON array and the count before paging (X-Total-Count).
struct PagedJson {
  Json rows;
  int64_t total = 0;
};
using PagedHandler = std::function<Result<PagedJson>(catalog::Catalog&, const Request&)>;

inline Handler with_catalog_paged(CatalogService& catalogs, std::shared_ptr<std::mutex> lock, PagedHandler body) {
  return [&catalogs, lock = std::move(lock), body = std::move(body)](const Request& r) -> Response {
    std::lock_guard guard(*lock);
    auto c = catalogs.catalog(CatalogAccess::kRead);
    if (!c.ok()) return Response::error(c.status());
    auto out = body(**c, r);
    if (!out.ok()) return Response::error(out.status());
    Response res;
    res.body = out->rows.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    res.headers.emplace_back("X-Total-Count", std::to_string(out->total));
    return res;
  };
}

}  // namespace algohost::server
