// Autocorrelation-robust inference for MEM's verdict (docs/mem.md, "The verdict"): Newey-West
// (Bartlett kernel) HAC standard errors.
//
//   newey_west_mean(x)   t statistic of the mean of x: mean / sqrt(LRV / n), where the long-run
//                        variance LRV = g0 + 2 sum_{l=1..L} (1 - l/(L+1)) g_l, g_l = (1/n) sum_t
//                        (x_t - mean)(x_{t-l} - mean), and the lag L = floor(4 (n/100)^(2/9))
//                        (Newey & West 1994), unless given. A series with zero LRV (e.g. all
//                        zero: two identical arms) has se = 0 and t = 0.
//   sharpe_difference    the difference of two annualized Sharpe ratios of paired per-period
//                        returns a and b, in the definition of registry/metrics (LEAN: ((1 +
//                        mean)^P - 1 - rf) / (sd sqrt(P))), with its delta-method standard error
//                        under a HAC covariance of (a, b, a^2, b^2) — Ledoit & Wolf (2008),
//                        "Robust performance hypothesis testing with the Sharpe ratio", section 3.1.
//
// Pure functions of their inputs; no state, any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace algohost::mem {

struct HacMean {
  size_t n = 0;
  int lag = 0;
  double mean = 0, se = 0, t = 0;
};

// The Newey-West lag for n observations: floor(4 (n/100)^(2/9)).
int newey_west_lag(size_t n);

// n < 2: everything 0. `lag` < 0: newey_west_lag(n) (clamped to n - 1).
HacMean newey_west_mean(const std::vector<double>& x, int lag = -1);

struct SharpeDifference {
  double a = 0, b = 0;     // each series' annualized Sharpe
  double difference = 0;   // a - b
  double se = 0;           // HAC delta-method standard error of the difference
  int lag = 0;
};

// a and b paired (the same periods); nullopt when fewer than 3 pairs or either series has zero
// variance. `periods_per_year` P, annual risk-free rate rf.
std::optional<SharpeDifference> sharpe_difference(const std::vector<double>& a, const std::vector<double>& b,
                                                  int periods_per_year, double risk_free_rate, int lag = -1);

}  // namespace algohost::mem
