// Out-of-sample scoring of a MEM run: the base arm (the strategy's own signals, pass-through
// stage, its own account) against the enhanced arm on the SCORING part of the data — timestamps
// at or after `split_ms`, where the stage used only what it learned before the split.
//
//   metrics          registry/metrics over each arm's equity points at or after the split (the
//                    starting capital being the arm's equity just before it) and over the trades
//                    entered at or after the split
//   improvement_pct  100 * (total return enhanced - total return base) on the scoring part, in
//                    percentage points of the starting capital — the stated metric
//   verdict          from ONE quantity, the daily log-return differences d = log(1 + r_enh) -
//                    log(1 + r_base) over the scoring part: its mean, and its Newey-West HAC t
//                    (hac.h) — `significant` when there are at least 20 days and |t| >= 2; verdict
//                    "gain" / "loss" by the sign of the mean only when significant, else "within noise"
//   sharpe           both arms' Sharpe (registry/metrics' definition, on the scoring part's daily
//                    returns), the difference and its 95% interval: difference +- 1.96 x the HAC
//                    delta-method standard error (hac.h, Ledoit & Wolf 2008); null in a short window
//   exposure,        computed from the arm's own trades in the scoring part (the metrics input gets
//   turnover         them): exposure = the share of the scoring part's time span with a position
//                    open (union of the trades' [entry, exit) clipped to it); turnover = the notional
//                    of the fills inside it / the average equity over it
//   patterns         each pattern known at the split, checked on the base arm's scoring-part
//                    entries: occurrences, wins, and the one-sided binomial p-value of that many
//                    wins against the base arm's scoring-part win rate; it passes out of sample when
//                    occurrences >= 5, win rate >= 0.70 and p < 0.05 / number of patterns (Bonferroni)
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <span>
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
  double t_stat = 0;         // Newey-West t of the mean daily log-return difference
  double mean_log_diff = 0;  // its mean (per day)
  int hac_lag = 0;
  int64_t days = 0;
  // Sharpe of each arm on the scoring part, their difference and its 95% interval (null when the
  // window is too short for a Sharpe).
  std::optional<double> sharpe_base, sharpe_enhanced, sharpe_diff, sharpe_diff_low, sharpe_diff_high;
  bool significant = false;
  std::string verdict;  // gain | loss | within noise
  double base_oos_win_rate = 0;
  std::vector<PatternCheck> patterns;

  nlohmann::ordered_json to_json() const;
};

// One arm as the comparison reads it: its daily equity curve and its closed trades (views; they
// must outlive the call).
struct ArmRecord {
  std::span<const metrics::EquityPoint> equity;
  std::span<const ClosedTrade> closed;
  int64_t trades_from_ms = INT64_MIN;  // trades count when entered at or after max(this, split_ms)
};

// One-sided P(X >= k) for X ~ Binomial(n, p).
double binomial_tail(int64_t n, int64_t k, double p);

// The arms' comparison without patterns: metrics, returns, verdict and Sharpe difference as above,
// `enhanced` against `base` from split_ms on (the live host's canary uses it with base = the
// running version and enhanced = the canary). patterns and base_oos_win_rate stay empty.
MemComparison compare_curves(const ArmRecord& base, const ArmRecord& enhanced, int64_t split_ms, int periods_per_year,
                             double risk_free_rate);

// compare_curves over two outcomes, plus the patterns' out-of-sample check.
MemComparison compare_arms(const StrategyOutcome& base, const StrategyOutcome& enhanced, int64_t split_ms,
                           const std::vector<Pattern>& patterns, const Standardizer& st_at_split, int periods_per_year,
                           double risk_free_rate);

}  // namespace algohost::mem
