// A console reporter that, after the usual table, prints each benchmark's throughput (the median
// when repetitions are asked for) as a ratio to a named baseline benchmark measured in the same run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace algohost::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // `baseline` is the benchmark name (as printed) that the others are compared with.
  explicit RatioReporter(std::string baseline) : baseline_(std::move(baseline)) {}
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;
  // "name: message" of every run that was skipped with an error (SkipWithError), in report order.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string baseline_;
  std::map<std::string, double> items_per_second_;
  std::vector<std::string> errors_;
};

}  // namespace algohost::bench
