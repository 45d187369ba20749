#include "host/service/strategy_query.h"

#include <algorithm>
#include <map>

namespace algohost {


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
  // The search and the filter in one query of the catalog: only the page's records are read.
  auto page = c.search_page(q.search, q.filter, !q.sort_by_filter);
  if (!page.ok()) return page.status();
  if (total) *total = page->total;
  out.reserve(page->rows.size());
  for (auto& h : page->rows) out.push_back({std::move(h.strategy), h.rank});
  return out;
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
