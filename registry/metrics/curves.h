// Series derived from a daily equity curve (the one the metrics are computed from, metrics.h), for
// charts and reports:
//   drawdown: equity / running peak - 1 at each point (<= 0); its minimum is -Metrics::max_drawdown
//             of the same curve;
//   monthly returns: per UTC calendar month with a point, the month's last equity over the previous
//             month's last equity - 1, the first month over the starting capital; so the months
//             compound to Metrics::total_return (final equity / starting capital - 1).
#pragma once

#include <span>
#include <vector>

#include "registry/metrics/metrics.h"

namespace algohost::metrics {

std::vector<EquityPoint> drawdown_series(std::span<const EquityPoint> equity);

struct MonthlyReturn {
  int year = 0;
  int month = 0;  // 1..12
  double ret = 0;
};

// Empty for an empty curve or a starting capital that is not positive.
std::vector<MonthlyReturn> monthly_returns(std::span<const EquityPoint> equity, double starting_capital);

}  // namespace algohost::metrics
