#include "host/service/strategy_query.h"

#include <algorithm>
#include <map>

namespace algohost {

namespace {
// Every search hit, to be cut by the filter afterwards (the catalog is a few thousand rows at most).
constexpr int64_t kSearchAll = 1'000'000;
}  // namespace

catalog::Json StrategyListing::to_json() const {
  catalog::Json j = strategy.to_json();
  if (rank) j["rank"] = *rank;
  return j;
}

Result<std::vector<StrategyListing>> find_strategies(catalog::Catalog& c, const StrategyQuery& q, int64_t* total) {
  std::vector<StrategyListing> out;
  if (q.search.empty()) {
    auto rows = c.list(q.filter);
    if (!rows.ok()) return rows.status();
    if (total) {
      auto n = c.count_strategies(q.filter);
      if (!n.ok()) return n.status();
      *total = *n;
    }
    out.reserve(rows->size());
    for (auto& s : *rows) out.push_back({std::move(s), std::nullopt});
    return out;
  }
  if (q.filter.limit < 0 || q.filter.offset < 0) return Status::InvalidArgument("limit and offset must not be negative");
  // The filter (every row that passes it, in its order) and the search (every hit, best first),
  // intersected: the catalog's own SQL does each half, nothing is filtered twice by hand.
  catalog::StrategyFilter all = q.filter;
  all.limit = kSearchAll;
  all.offset = 0;
  auto passing = c.list(all);
  if (!passing.ok()) return passing.status();
  auto hits = c.search(q.search, kSearchAll, /*include_inactive=*/true);
  if (!hits.ok()) return hits.status();
  std::map<std::string, double> rank_of;
  for (const auto& h : *hits) rank_of.emplace(h.strategy.strategy_id, h.rank);
  if (q.sort_by_filter) {
    for (auto& s : *passing)
      if (auto r = rank_of.find(s.strategy_id); r != rank_of.end()) out.push_back({std::move(s), r->second});
  } else {
    std::map<std::string, const catalog::StrategyRecord*> passed;
    for (const auto& s : *passing) passed.emplace(s.strategy_id, &s);
    for (auto& h : *hits)
      if (passed.count(h.strategy.strategy_id)) out.push_back({std::move(h.strategy), h.rank});
  }
  if (total) *total = static_cast<int64_t>(out.size());
  const auto begin = std::min<size_t>(static_cast<size_t>(q.filter.offset), out.size());
  const auto end = std::min<size_t>(begin + static_cast<size_t>(q.filter.limit), out.size());
  return std::vector<StrategyListing>(std::make_move_iterator(out.begin() + begin),
                                      std::make_move_iterator(out.begin() + end));
}

Result<catalog::PerformanceMetrics> performance_of(catalog::Catalog& c, const std::string& name,
                                                   const std::string& version, const std::string& from,
                                                   const std::string& to, const std::string& run) {
  std::optional<std::string> version_id;
  if (!version.empty()) {
    auto v = c.get_version(name, version);
    if (!v.ok()) return v.status();
    version_id = v->version_id;
  }
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  return c.performance(name, opt(from), opt(to), version_id, opt(run));
}

Result<std::vector<catalog::PerformanceMetrics>> compare_performance(catalog::Catalog& c,
                                                                     const std::vector<std::string>& specs) {
  std::vector<catalog::PerformanceMetrics> rows;
  for (const auto& spec : specs) {
    const auto at = spec.find('@');
    const std::string name = spec.substr(0, at);
    const std::string version = at == std::string::npos ? "" : spec.substr(at + 1);
    auto m = performance_of(c, name, version);
    if (!m.ok()) return m.status();
    if (!version.empty()) m->strategy_name += "@" + version;
    rows.push_back(std::move(*m));
  }
  return rows;
}

}  // namespace algohost
