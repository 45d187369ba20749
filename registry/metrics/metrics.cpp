#include "registry/metrics/metrics.h"

#include <algorithm>
#include <cmath>

namespace algohost::metrics {
namespace {

constexpr int64_t kDayMs = 86'400'000;

int64_t day_of(int64_t ts_ms) { return ts_ms >= 0 ? ts_ms / kDayMs : -((-ts_ms + kDayMs - 1) / kDayMs); }

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// Sample variance (n - 1), as MathNet's Variance() that LEAN uses.
double sample_variance(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

std::vector<double> daily_returns(std::span<const EquityPoint> equity) {
  std::vector<double> closes;
  int64_t current_day = 0;
  for (size_t i = 0; i < equity.size(); ++i) {
    const int64_t d = day_of(equity[i].ts_ms);
    if (closes.empty() || d != current_day) {
      closes.push_back(equity[i].equity);
      current_day = d;
    } else {
      closes.back() = equity[i].equity;
    }
  }
  std::vector<double> out;
  for (size_t i = 1; i < closes.size(); ++i) out.push_back(closes[i - 1] != 0 ? closes[i] / closes[i - 1] - 1.0 : 0.0);
  return out;
}

std::optional<double> probabilistic_sharpe_ratio(const std::vector<double>& r, double benchmark_sharpe) {
  const size_t n = r.size();
  if (n < 3) return std::nullopt;
  const double m = mean(r);
  double m2 = 0, m3 = 0, m4 = 0;
  for (double x : r) {
    const double d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= static_cast<double>(n);
  m3 /= static_cast<double>(n);
  m4 /= static_cast<double>(n);
  if (m2 <= 0) return std::nullopt;
  const double sd = std::sqrt(sample_variance(r));
  const double sr = m / sd;
  const double skew = m3 / std::pow(m2, 1.5);
  const double kurt = m4 / (m2 * m2);  // not excess
  const double denom = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr;
  if (denom <= 0) return std::nullopt;
  return normal_cdf((sr - benchmark_sharpe) * std::sqrt(static_cast<double>(n - 1)) / std::sqrt(denom));
}

Metrics compute(const MetricsInput& in) {
  Metrics m;
  m.total_fees = in.total_fees;
  m.trades = static_cast<int64_t>(in.trades.size());
  if (in.bars > 0) m.exposure = static_cast<double>(in.bars_in_market) / static_cast<double>(in.bars);
  if (in.equity.empty() || in.starting_capital <= 0) return m;

  const double final_equity = in.equity.back().equity;
  m.total_return = final_equity / in.starting_capital - 1.0;
  const double span_days = static_cast<double>(in.equity.back().ts_ms - in.equity.front().ts_ms) / kDayMs;
  m.days = static_cast<int64_t>(std::llround(span_days));
  m.years = span_days / 365.0;  // LEAN: TotalDays / 365
  m.short_window = span_days < kMinAnnualizeDays;

  // Drawdown (LEAN: max of 1 - equity / running peak) and its longest duration.
  double peak = in.equity.front().equity, sum_equity = 0;
  int64_t peak_ts = in.equity.front().ts_ms;
  for (const auto& p : in.equity) {
    sum_equity += p.equity;
    if (p.equity >= peak) {
      peak = p.equity;
      peak_ts = p.ts_ms;
    } else if (peak > 0) {
      m.max_drawdown = std::max(m.max_drawdown, 1.0 - p.equity / peak);
    }
    m.max_drawdown_duration_days = std::max(m.max_drawdown_duration_days, static_cast<double>(p.ts_ms - peak_ts) / kDayMs);
  }
  const double avg_equity = sum_equity / static_cast<double>(in.equity.size());
  if (avg_equity > 0) m.turnover = in.traded_notional / avg_equity;

  const std::vector<double> r = daily_returns(in.equity);
  const double days_per_year = in.periods_per_year;
  if (!m.short_window && r.size() >= 2 && final_equity > 0) {
    m.cagr = std::pow(final_equity / in.starting_capital, 1.0 / m.years) - 1.0;
    const double annual_var = sample_variance(r) * days_per_year;
    const double annual_perf = std::pow(mean(r) + 1.0, days_per_year) - 1.0;  // LEAN's annual performance
    m.annual_volatility = std::sqrt(annual_var);
    m.sharpe = *m.annual_volatility > 0 ? (annual_perf - in.risk_free_rate) / *m.annual_volatility : 0.0;
    double down = 0;
    for (double x : r) down += x < 0 ? x * x : 0.0;
    const double downside = std::sqrt(down / static_cast<double>(r.size()) * days_per_year);
    m.sortino = downside > 0 ? std::optional<double>((annual_perf - in.risk_free_rate) / downside) : std::nullopt;
    m.calmar = m.max_drawdown > 0 ? std::optional<double>(*m.cagr / m.max_drawdown) : std::nullopt;
    m.probabilistic_sharpe = probabilistic_sharpe_ratio(r, 1.0 / std::sqrt(252.0));
  }

  // Trade statistics (LEAN's PortfolioStatistics): wins are PnL > 0, everything else a loss;
  // average win / loss as fractions of the capital running at each trade.
  double running = in.starting_capital, win_frac = 0, loss_frac = 0, gross_win = 0, gross_loss = 0;
  int64_t wins = 0, losses = 0;
  for (const auto& t : in.trades) {
    if (t.pnl > 0) {
      ++wins;
      win_frac += running != 0 ? t.pnl / running : 0;
      gross_win += t.pnl;
    } else {
      ++losses;
      loss_frac += running != 0 ? t.pnl / running : 0;
      gross_loss -= t.pnl;
    }
    running += t.pnl;
  }
  if (m.trades > 0) {
    m.win_rate = static_cast<double>(wins) / static_cast<double>(m.trades);
    m.loss_rate = static_cast<double>(losses) / static_cast<double>(m.trades);
  }
  m.average_win = wins ? win_frac / static_cast<double>(wins) : 0;
  m.average_loss = losses ? loss_frac / static_cast<double>(losses) : 0;
  m.profit_loss_ratio = m.average_loss != 0 ? m.average_win / std::fabs(m.average_loss) : 0;
  m.expectancy = m.win_rate * m.profit_loss_ratio - m.loss_rate;
  if (gross_loss > 0) m.profit_factor = gross_win / gross_loss;
  return m;
}

nlohmann::ordered_json Metrics::to_json() const {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
  return {{"total_return", total_return},
          {"cagr", opt(cagr)},
          {"annual_volatility", opt(annual_volatility)},
          {"sharpe", opt(sharpe)},
          {"sortino", opt(sortino)},
          {"probabilistic_sharpe", opt(probabilistic_sharpe)},
          {"max_drawdown", max_drawdown},
          {"max_drawdown_duration_days", max_drawdown_duration_days},
          {"calmar", opt(calmar)},
          {"trades", trades},
          {"win_rate", win_rate},
          {"loss_rate", loss_rate},
          {"average_win", average_win},
          {"average_loss", average_loss},
          {"profit_loss_ratio", profit_loss_ratio},
          {"expectancy", expectancy},
          {"profit_factor", opt(profit_factor)},
          {"exposure", exposure},
          {"total_fees", total_fees},
          {"turnover", turnover},
          {"days", days},
          {"years", years},
          {"short_window", short_window}};
}

}  // namespace algohost::metrics
