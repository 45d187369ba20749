// Out-of-sample scoring of a MEM run: the base arm (the strategy's own signals, pass-through
// stage, its own account) against the enhanced arm on the SCORING part of the data — timestamps
// at or after `split_ms`, where the stage used only what it learned before the split.
//
//   metrics          registry/metrics over each arm's equity points at or after the split (the
//                    starting capital being the arm's equity just before it) and over the trades
//                    entered at or after the split
//   improvement_pct  100 * (total return enhanced - total return base) on the scoring part, in
//                    percentage points of the starting capital — the stated metric
//   noise            paired t statistic of the daily return differences (enhanced - base) over the
//                    scoring part; `significant` when there are at least 20 days and |t| >= 2.
//                    verdict: "gain" / "loss" only when significant, else "within noise"
//   patterns         each pattern known at the split, checked on the base arm's scoring-part
//                    entries: occurrences, wins, and the one-sided binomial p-value of that many
//                    wins against the base arm's scoring-part win rate; it passes out of sample when
//                    occurrences >= 5, win rate >= 0.70 and p < 0.05 / number of patterns (Bonferroni)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/engine.h"
#include "host/mem/features.h"
#include "host/mem/patterns.h"

namespace algohost::mem {

struct PatternCheck {
  Pattern pattern;  // as learned by the split (in-sample counts)
  int64_t oos_occurrences = 0, oos_wins = 0;
  double p_value = 1;
  bool passes = false;
};

struct MemComparison {
  int64_t split_ms = 0;
  metrics::Metrics base, enhanced;
  double base_return = 0, enhanced_return = 0;
  double improvement_pct = 0;
  double t_stat = 0;
  int64_t days = 0;
  bool significant = false;
  std::string verdict;  // gain | loss | within noise
  double base_oos_win_rate = 0;
  std::vector<PatternCheck> patterns;

  nlohmann::ordered_json to_json() const;
};

// One-sided P(X >= k) for X ~ Binomial(n, p).
double binomial_tail(int64_t n, int64_t k, double p);

MemComparison compare_arms(const StrategyOutcome& base, const StrategyOutcome& enhanced, int64_t split_ms,
                           const std::vector<Pattern>& patterns, const Standardizer& st_at_split, int periods_per_year,
                           double risk_free_rate);

}  // namespace algohost::mem
