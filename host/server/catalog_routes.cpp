#include "host/server/catalog_routes.h"

#include <charconv>
#include <cmath>
#include <set>

#include "host/service/strategy_query.h"

namespace algohost::server {
namespace {

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
  int64_t integer(const char* name, int64_t fallback, int64_t min) {
    const std::string v = text(name);
    if (v.empty()) return fallback;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
      fail(name, "'" + v + "' is not a whole number");
    } else if (n < min) {
      fail(name, "must be at least " + std::to_string(min));
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
Json array_of(const std::vector<T>& rows) {
  Json out = Json::array();
  for (const auto& r : rows) out.push_back(r.to_json());
  return out;
}

// Wraps a handler body: the catalog opened for reading under the lock; errors as JSON.
using CatalogHandler = std::function<Result<Json>(catalog::Catalog&, const Request&)>;

Handler with_catalog(CatalogService& catalogs, std::shared_ptr<std::mutex> lock, CatalogHandler body) {
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

Result<Json> list_strategies(catalog::Catalog& c, const Request& r) {
  QueryReader q(r.query);
  StrategyQuery sq;
  catalog::StrategyFilter& f = sq.filter;
  auto set = [](std::optional<std::string>& dst, const std::string& v) {
    if (!v.empty()) dst = v;
  };
  set(f.category, q.text("category"));
  set(f.sub_category, q.text("sub_category"));
  set(f.language, q.text("language"));
  set(f.origin, q.text("origin"));
  f.all_tags = q.list("tag");
  f.any_tags = q.list("any_tag");
  f.statuses = q.list("status");
  f.include_inactive = q.flag("all");
  f.min_sharpe = q.number({"min_per_trade_sharpe", "min_sharpe"});
  f.min_win_rate = q.number({"min_win_rate"});
  const std::string sort = q.text("sort");
  sq.sort_by_filter = !sort.empty();
  if (!sort.empty()) f.sort = sort;
  f.descending = q.flag("desc");
  f.limit = q.integer("limit", f.limit, 0);
  f.offset = q.integer("offset", 0, 0);
  sq.search = q.text("search");
  if (Status st = q.status(); !st.ok()) return st;
  auto rows = find_strategies(c, sq);
  if (!rows.ok()) return rows.status();
  return array_of(*rows);
}

}  // namespace

void add_catalog_routes(Router& router, CatalogService& catalogs, std::shared_ptr<std::mutex> lock) {
  if (!lock) lock = std::make_shared<std::mutex>();
  auto get = [&](const char* path, CatalogHandler body) { router.add("GET", path, with_catalog(catalogs, lock, std::move(body))); };

  get("/api/v1/health", [&catalogs](catalog::Catalog&, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    return Json{{"status", "ok"}, {"catalog", catalogs.location().db.string()}, {"read_only", catalogs.read_only()}};
  });

  get("/api/v1/strategies", list_strategies);

  get("/api/v1/strategies/{name}", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    auto d = c.details(r.params.at("name"));
    if (!d.ok()) return d.status();
    return d->to_json();
  });

  get("/api/v1/strategies/{name}/versions", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    if (Status st = QueryReader(r.query).status(); !st.ok()) return st;
    auto versions = c.versions(r.params.at("name"));
    if (!versions.ok()) return versions.status();
    return array_of(*versions);
  });

  get("/api/v1/strategies/{name}/performance", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::string version = q.text("version"), from = q.text("from"), to = q.text("to"), run = q.text("run");
    if (Status st = q.status(); !st.ok()) return st;
    auto m = performance_of(c, r.params.at("name"), version, from, to, run);
    if (!m.ok()) return m.status();
    return m->to_json();
  });

  get("/api/v1/compare", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::vector<std::string> names = q.list("names");
    if (Status st = q.status(); !st.ok()) return st;
    if (names.empty()) return Status::InvalidArgument("query parameter 'names': name strategies, e.g. names=rsi,macd@1.0.0");
    auto rows = compare_performance(c, names);
    if (!rows.ok()) return rows.status();
    return array_of(*rows);
  });

  get("/api/v1/audit", [](catalog::Catalog& c, const Request& r) -> Result<Json> {
    QueryReader q(r.query);
    const std::string strategy = q.text("strategy");
    const int64_t limit = q.integer("limit", 50, 1);
    if (Status st = q.status(); !st.ok()) return st;
    auto rows = c.audit(strategy.empty() ? std::nullopt : std::optional<std::string>(strategy), limit);
    if (!rows.ok()) return rows.status();
    return array_of(*rows);
  });
}

}  // namespace algohost::server
