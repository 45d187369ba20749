#include "ratio_reporter.h"

#include <cstdio>

namespace algohost::bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const auto& r : runs) {
    if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
    auto it = r.counters.find("items_per_second");
    if (it != r.counters.end()) items_per_second_[r.benchmark_name()] = it->second.value;
  }
}

void RatioReporter::Finalize() {
  ConsoleReporter::Finalize();
  auto base = items_per_second_.find(baseline_);
  if (base == items_per_second_.end() || base->second <= 0) return;
  std::printf("\nThroughput relative to %s (%.1f M items/s):\n", baseline_.c_str(), base->second / 1e6);
  for (const auto& [name, ips] : items_per_second_)
    std::printf("  %-48s %8.1f M items/s   ratio %.3f\n", name.c_str(), ips / 1e6, ips / base->second);
}

}  // namespace algohost::bench
