// Strategy queries the CLI and the control API share: the filtered, sorted, paged listing (with
// an optional full-text search), one strategy's recorded performance, and several side by side.
// Both faces build a query from their own syntax (options, URL query) and print the same JSON.
//
// Functions over a Catalog the caller owns; they run on the caller's thread (a Catalog is used
// from one thread at a time).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/catalog/catalog.h"

namespace algohost {

struct StrategyQuery {
  catalog::StrategyFilter filter;  // category, tags, statuses, minimums, sort, limit, offset
  // Words (and FTS5 operators) for the ranked full-text search; "" = none. With a search, only
  // strategies that both match it and pass the filter are listed, best rank first unless
  // sort_by_filter is set (then in filter.sort order); limit and offset apply to that list.
  std::string search;
  bool sort_by_filter = false;
};

struct StrategyListing {
  catalog::StrategyRecord strategy;
  std::optional<double> rank;  // bm25 of the search (lower is better); none without a search
  // The record's JSON, with "rank" when searched (what `strategies list/search --json` print).
  catalog::Json to_json() const;
};

// InvalidArgument names a bad sort, limit, offset or search text. With `total`, also how many
// strategies match before limit and offset (the API's X-Total-Count).
Result<std::vector<StrategyListing>> find_strategies(catalog::Catalog& c, const StrategyQuery& q, int64_t* total = nullptr);

// Recorded performance of strategy `name` (NAME or ID): of one version when `version` is given,
// of one run when `run` is, over exit times in [from, to] ("" = unbounded). NotFound names an
// unknown strategy, version or run.
Result<catalog::PerformanceMetrics> performance_of(catalog::Catalog& c, const std::string& name,
                                                   const std::string& version = "", const std::string& from = "",
                                                   const std::string& to = "", const std::string& run = "");

// Performance of each of `specs` ("NAME" or "NAME@VERSION"), in order; a version's row is named
// "NAME@VERSION". The first unknown name or version is NotFound.
Result<std::vector<catalog::PerformanceMetrics>> compare_performance(catalog::Catalog& c,
                                                                     const std::vector<std::string>& specs);

}  // namespace algohost
