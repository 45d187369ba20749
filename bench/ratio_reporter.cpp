#include "ratio_reporter.h"

#include <cstdio>

namespace algohost::bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  // With repetitions, the median of each benchmark is compared; without, its single run.
  for (const auto& r : runs) {
    if (r.error_occurred) {
      errors_.push_back(r.benchmark_name() + ": " + r.error_message);
      continue;
    }
    const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
    if (r.run_type != Run::RT_Iteration && !median) continue;
    auto it = r.counters.find("items_per_second");
    if (it != r.counters.end()) items_per_second_[r.run_name.str()] = it->second.value;
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
