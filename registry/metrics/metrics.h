// Run metrics with pinned formulas (docs/metrics.md): returns and risk from the daily equity
// curve, trade statistics from closed trades. Where QuantConnect LEAN defines a statistic we use
// its formula and say so; where we differ, docs/metrics.md says how.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

namespace algohost::metrics {

struct EquityPoint {
  int64_t ts_ms;
  double equity;
};

struct ClosedTrade {
  int64_t exit_ms;
  double pnl;  // net of costs
};

struct MetricsInput {
  std::span<const EquityPoint> equity;  // in time order, one point per bar (or per day)
  std::vector<ClosedTrade> trades;   // in exit order
  double starting_capital = 0;
  double total_fees = 0;
  double traded_notional = 0;        // sum of |quantity * price| over all fills
  int64_t bars = 0, bars_in_market = 0;
  int periods_per_year = 252;        // 365 for crypto-calendar data
  double risk_free_rate = 0;         // annual
};

struct Metrics {
  double total_return = 0;
  std::optional<double> cagr, annual_volatility, sharpe, sortino, calmar;  // null when short_window
  std::optional<double> probabilistic_sharpe;
  double max_drawdown = 0;            // fraction of the peak, 0..1
  double max_drawdown_duration_days = 0;
  int64_t trades = 0;
  double win_rate = 0, loss_rate = 0;
  double average_win = 0, average_loss = 0;  // fractions of running capital (LEAN)
  double profit_loss_ratio = 0, expectancy = 0;
  std::optional<double> profit_factor;
  double exposure = 0, total_fees = 0, turnover = 0;
  int64_t days = 0;
  double years = 0;
  bool short_window = false;  // under ~3 months: annualized figures withheld

  nlohmann::ordered_json to_json() const;
};

// Daily returns: the last equity of each UTC day, compared with the previous day's.
std::vector<double> daily_returns(std::span<const EquityPoint> equity);

// Bailey & Lopez de Prado's probabilistic Sharpe ratio of per-period returns against a
// per-period benchmark Sharpe (LEAN uses 1/sqrt(252): an annual Sharpe of 1).
std::optional<double> probabilistic_sharpe_ratio(const std::vector<double>& returns, double benchmark_sharpe);

Metrics compute(const MetricsInput& in);

// Windows shorter than this many calendar days are not annualized.
constexpr double kMinAnnualizeDays = 90;

}  // namespace algohost::metrics
