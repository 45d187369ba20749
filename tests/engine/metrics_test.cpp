// Run metrics (registry/metrics) against equity curves and trade lists small enough to work out by
// hand. Every expected value is written out here from the formula it checks, never copied from
// the implementation's output.
#include "registry/metrics/metrics.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace algohost::metrics {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kDay0 = 19'000;  // 2022-01-08, a day number since the epoch

// One point per day at noon UTC: day kDay0 + offsets[i] has equity values[i].
std::vector<EquityPoint> curve(const std::vector<int64_t>& offsets, const std::vector<double>& values) {
  std::vector<EquityPoint> out;
  for (size_t i = 0; i < values.size(); ++i) out.push_back({(kDay0 + offsets[i]) * kDay + kDay / 2, values[i]});
  return out;
}

std::vector<EquityPoint> consecutive(const std::vector<double>& values) {
  std::vector<int64_t> offsets;
  for (size_t i = 0; i < values.size(); ++i) offsets.push_back(static_cast<int64_t>(i));
  return curve(offsets, values);
}

// ---- Naive reference statistics, written independently of metrics.cpp -----------------------

double naive_mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double naive_sample_var(const std::vector<double>& v) {
  const double m = naive_mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

// Population central moment k.
double central_moment(const std::vector<double>& v, int k) {
  const double m = naive_mean(v);
  double s = 0;
  for (double x : v) s += std::pow(x - m, k);
  return s / static_cast<double>(v.size());
}

double phi(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

// Bailey & Lopez de Prado (2012): PSR = Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)),
// SR = mean / sample stdev, g3 = skewness, g4 = (non-excess) kurtosis from population moments.
double naive_psr(const std::vector<double>& r, double benchmark) {
  const double sr = naive_mean(r) / std::sqrt(naive_sample_var(r));
  const double m2 = central_moment(r, 2);
  const double skew = central_moment(r, 3) / std::pow(m2, 1.5);
  const double kurt = central_moment(r, 4) / (m2 * m2);
  const double n = static_cast<double>(r.size());
  return phi((sr - benchmark) * std::sqrt(n - 1.0) / std::sqrt(1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr));
}

// ---- Short window: everything by hand -----------------------------------------------------

TEST(Metrics, ShortWindowHandComputed) {
  // Five consecutive days: 100, 110, 99, 105, 121 on a starting capital of 100.
  const auto eq = consecutive({100, 110, 99, 105, 121});
  MetricsInput in;
  in.equity = eq;
  in.starting_capital = 100;
  // PnL +10 (capital 100), -11 (capital 110), +22 (capital 99), 0 (capital 121: a non-win).
  in.trades = {{1, 10.0}, {2, -11.0}, {3, 22.0}, {4, 0.0}};
  in.total_fees = 3.5;
  in.traded_notional = 214;  // average equity is 535 / 5 = 107 -> turnover 2
  in.bars = 5;
  in.bars_in_market = 3;
  const Metrics m = compute(in);

  EXPECT_NEAR(m.total_return, 0.21, 1e-12);
  EXPECT_EQ(m.days, 4);
  EXPECT_NEAR(m.years, 4.0 / 365.0, 1e-15);
  EXPECT_TRUE(m.short_window);
  EXPECT_FALSE(m.cagr.has_value());
  EXPECT_FALSE(m.annual_volatility.has_value());
  EXPECT_FALSE(m.sharpe.has_value());
  EXPECT_FALSE(m.sortino.has_value());
  EXPECT_FALSE(m.calmar.has_value());
  EXPECT_FALSE(m.probabilistic_sharpe.has_value());

  // Peak 110 on day 1, trough 99 on day 2: 1 - 99/110 = 0.1; under water on days 2 and 3,
  // so the longest drawdown lasts from day 1 to day 3: 2 days. Day 4 sets a new peak.
  EXPECT_NEAR(m.max_drawdown, 0.1, 1e-12);
  EXPECT_NEAR(m.max_drawdown_duration_days, 2.0, 1e-12);

  EXPECT_EQ(m.trades, 4);
  EXPECT_DOUBLE_EQ(m.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(m.loss_rate, 0.5);  // the zero-PnL trade counts as a loss (LEAN)
  const double avg_win = (10.0 / 100.0 + 22.0 / 99.0) / 2.0;
  const double avg_loss = (-11.0 / 110.0 + 0.0 / 121.0) / 2.0;  // -0.05
  EXPECT_NEAR(m.average_win, avg_win, 1e-12);
  EXPECT_NEAR(m.average_loss, avg_loss, 1e-12);
  EXPECT_NEAR(m.profit_loss_ratio, avg_win / 0.05, 1e-12);
  EXPECT_NEAR(m.expectancy, 0.5 * (avg_win / 0.05) - 0.5, 1e-12);
  ASSERT_TRUE(m.profit_factor.has_value());
  EXPECT_NEAR(*m.profit_factor, 32.0 / 11.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.exposure, 0.6);
  EXPECT_DOUBLE_EQ(m.total_fees, 3.5);
  EXPECT_NEAR(m.turnover, 2.0, 1e-12);
}

TEST(Metrics, ProfitFactorNullWithoutGrossLoss) {
  const auto eq = consecutive({100, 101});
  MetricsInput in;
  in.equity = eq;
  in.starting_capital = 100;
  in.trades = {{1, 1.0}, {2, 0.0}};  // a zero trade is a "loss" for the rates but has no gross loss
  const Metrics m = compute(in);
  EXPECT_DOUBLE_EQ(m.loss_rate, 0.5);
  EXPECT_FALSE(m.profit_factor.has_value());
  EXPECT_DOUBLE_EQ(m.average_loss, 0.0);
  EXPECT_DOUBLE_EQ(m.profit_loss_ratio, 0.0);  // no average loss to divide by
  EXPECT_DOUBLE_EQ(m.expectancy, 0.5 * 0.0 - 0.5);
}

TEST(Metrics, NoTradesNoBars) {
  const auto eq = consecutive({100, 100});
  MetricsInput in;
  in.equity = eq;
  in.starting_capital = 100;
  const Metrics m = compute(in);
  EXPECT_EQ(m.trades, 0);
  EXPECT_EQ(m.win_rate, 0.0);
  EXPECT_EQ(m.loss_rate, 0.0);
  EXPECT_EQ(m.exposure, 0.0);
  EXPECT_EQ(m.max_drawdown, 0.0);
}

// ---- Annualized figures by hand -----------------------------------------------------------

// Three points 50 days apart: 100 -> 110 -> 99 on capital 100. Daily returns (one per day that
// has data) are +0.1 and -0.1: mean 0, sample variance (0.01 + 0.01) / 1 = 0.02.
MetricsInput three_points(const std::vector<EquityPoint>& eq, int periods, double rf) {
  MetricsInput in;
  in.equity = eq;
  in.starting_capital = 100;
  in.periods_per_year = periods;
  in.risk_free_rate = rf;
  return in;
}

TEST(Metrics, AnnualizedByHand) {
  const auto eq = curve({0, 50, 100}, {100, 110, 99});
  const Metrics m = compute(three_points(eq, 252, 0.05));
  EXPECT_FALSE(m.short_window);
  EXPECT_EQ(m.days, 100);
  EXPECT_NEAR(m.years, 100.0 / 365.0, 1e-15);
  ASSERT_TRUE(m.cagr && m.annual_volatility && m.sharpe && m.sortino && m.calmar);
  // CAGR = (99/100)^(1/years) - 1 = 0.99^3.65 - 1.
  const double cagr = std::pow(0.99, 3.65) - 1.0;
  EXPECT_NEAR(*m.cagr, cagr, 1e-12);
  // Annual volatility = sqrt(0.02 * 252).
  const double vol = std::sqrt(0.02 * 252);
  EXPECT_NEAR(*m.annual_volatility, vol, 1e-12);
  // Sharpe = ((1 + 0)^252 - 1 - 0.05) / vol.
  EXPECT_NEAR(*m.sharpe, -0.05 / vol, 1e-12);
  // Sortino as implemented (docs/metrics.md): the same annual performance over the downside
  // deviation sqrt(sum over all returns of min(r, 0)^2 / n * periods) = sqrt(0.01 / 2 * 252).
  EXPECT_NEAR(*m.sortino, -0.05 / std::sqrt(0.01 / 2.0 * 252), 1e-12);
  // Max drawdown 1 - 99/110 = 0.1, from day 50 to day 100: 50 days.
  EXPECT_NEAR(m.max_drawdown, 0.1, 1e-12);
  EXPECT_NEAR(m.max_drawdown_duration_days, 50.0, 1e-12);
  EXPECT_NEAR(*m.calmar, cagr / 0.1, 1e-12);
  // Two returns are too few for the probabilistic Sharpe ratio.
  EXPECT_FALSE(m.probabilistic_sharpe.has_value());
}

TEST(Metrics, ThreeHundredSixtyFivePeriodsChangeAnnualization) {
  const auto eq = curve({0, 50, 100}, {100, 110, 99});
  const Metrics m252 = compute(three_points(eq, 252, 0.05));
  const Metrics m365 = compute(three_points(eq, 365, 0.05));
  ASSERT_TRUE(m365.annual_volatility && m365.sharpe && m365.sortino && m365.cagr);
  EXPECT_NEAR(*m365.annual_volatility, std::sqrt(0.02 * 365), 1e-12);
  EXPECT_NEAR(*m365.sharpe, -0.05 / std::sqrt(0.02 * 365), 1e-12);
  EXPECT_NEAR(*m365.sortino, -0.05 / std::sqrt(0.01 / 2.0 * 365), 1e-12);
  EXPECT_NE(*m365.annual_volatility, *m252.annual_volatility);
  // CAGR uses calendar years (days / 365) whatever the periods per year.
  EXPECT_NEAR(*m365.cagr, *m252.cagr, 1e-15);
}

TEST(Metrics, NinetyDaysIsTheAnnualizationThreshold) {
  const auto short_eq = curve({0, 45, 89}, {100, 110, 99});
  const auto long_eq = curve({0, 45, 90}, {100, 110, 99});
  const Metrics s = compute(three_points(short_eq, 252, 0));
  const Metrics l = compute(three_points(long_eq, 252, 0));
  EXPECT_TRUE(s.short_window);
  EXPECT_FALSE(s.cagr || s.sharpe || s.sortino || s.calmar);
  EXPECT_FALSE(l.short_window);
  EXPECT_TRUE(l.cagr && l.sharpe && l.sortino && l.calmar);
  // Drawdown and returns are reported either way.
  EXPECT_NEAR(s.max_drawdown, 0.1, 1e-12);
  EXPECT_NEAR(s.total_return, -0.01, 1e-12);
}

// A longer curve with a non-zero mean: the annualized figures against the formulas written out.
TEST(Metrics, LongCurveAgainstFormulas) {
  const double cycle[] = {0.012, -0.007, 0.003, -0.011, 0.009, 0.001, -0.004};
  std::vector<double> values{1000};
  for (int i = 0; i < 150; ++i) values.push_back(values.back() * (1.0 + cycle[i % 7]));
  const auto eq = consecutive(values);
  MetricsInput in;
  in.equity = eq;
  in.starting_capital = 1000;
  in.risk_free_rate = 0.02;
  const Metrics m = compute(in);

  std::vector<double> r;
  for (size_t i = 1; i < values.size(); ++i) r.push_back(values[i] / values[i - 1] - 1.0);
  const double mean = naive_mean(r), var = naive_sample_var(r);
  const double annual_perf = std::pow(1.0 + mean, 252) - 1.0;
  const double vol = std::sqrt(var * 252);
  double down2 = 0;
  for (double x : r)
    if (x < 0) down2 += x * x;
  const double downside = std::sqrt(down2 / static_cast<double>(r.size()) * 252);
  const double years = 150.0 / 365.0;
  const double cagr = std::pow(values.back() / 1000.0, 1.0 / years) - 1.0;
  double peak = values[0], mdd = 0;
  for (double v : values) {
    peak = std::max(peak, v);
    mdd = std::max(mdd, 1.0 - v / peak);
  }
  ASSERT_TRUE(m.cagr && m.annual_volatility && m.sharpe && m.sortino && m.calmar && m.probabilistic_sharpe);
  EXPECT_NEAR(m.total_return, values.back() / 1000.0 - 1.0, 1e-12);
  EXPECT_NEAR(*m.cagr, cagr, 1e-10);
  EXPECT_NEAR(*m.annual_volatility, vol, 1e-12);
  EXPECT_NEAR(*m.sharpe, (annual_perf - 0.02) / vol, 1e-10);
  EXPECT_NEAR(*m.sortino, (annual_perf - 0.02) / downside, 1e-10);
  EXPECT_NEAR(m.max_drawdown, mdd, 1e-12);
  EXPECT_NEAR(*m.calmar, cagr / mdd, 1e-9);
  // compute() benchmarks the PSR against an annual Sharpe of 1 (1/sqrt(252) per day).
  EXPECT_NEAR(*m.probabilistic_sharpe, naive_psr(r, 1.0 / std::sqrt(252.0)), 1e-9);
}

// ---- Daily returns ------------------------------------------------------------------------

TEST(Metrics, DailyReturnsTakeTheLastEquityOfEachUtcDay) {
  const int64_t d = kDay0 * kDay;
  const std::vector<EquityPoint> eq = {
      {d + 3'600'000, 100},          // day 0, 01:00
      {d + kDay - 1, 105},           // day 0, 23:59:59.999: the day's close
      {d + kDay, 90},                // day 1, 00:00
      {d + 2 * kDay - 1, 110},       // day 1, last millisecond
      {d + 2 * kDay + kDay / 2, 121}  // day 2
  };
  const auto r = daily_returns(eq);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 110.0 / 105.0 - 1.0, 1e-15);
  EXPECT_NEAR(r[1], 0.1, 1e-15);
  EXPECT_TRUE(daily_returns(std::vector<EquityPoint>{{d, 100}}).empty());
}

TEST(Metrics, DailyReturnsBeforeTheEpochUseUtcDays) {
  // -86'400'000 and -1 are both 1969-12-31; 0 is 1970-01-01.
  const std::vector<EquityPoint> eq = {{-kDay - 1, 50}, {-kDay, 100}, {-1, 80}, {0, 88}};
  const auto r = daily_returns(eq);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 80.0 / 50.0 - 1.0, 1e-15);
  EXPECT_NEAR(r[1], 0.1, 1e-15);
}

// ---- Probabilistic Sharpe ratio -----------------------------------------------------------

TEST(Metrics, ProbabilisticSharpeAgainstIndependentComputation) {
  const std::vector<double> r = {0.01, -0.02, 0.015, 0.003, -0.004, 0.02, -0.01, 0.007, 0.0, 0.012, -0.006, 0.025};
  const double bench = 1.0 / std::sqrt(252.0);
  auto psr = probabilistic_sharpe_ratio(r, bench);
  ASSERT_TRUE(psr.has_value());
  EXPECT_NEAR(*psr, naive_psr(r, bench), 1e-9);
  // The same value computed separately in Python (statistics + math.erfc, same formula).
  EXPECT_NEAR(*psr, 0.8021898320689611, 1e-9);
  auto psr0 = probabilistic_sharpe_ratio(r, 0.0);
  ASSERT_TRUE(psr0.has_value());
  EXPECT_NEAR(*psr0, naive_psr(r, 0.0), 1e-9);
  EXPECT_GT(*psr0, *psr);  // a lower bar is cleared with higher probability
}

TEST(Metrics, ProbabilisticSharpeNeedsThreeVaryingReturns) {
  EXPECT_FALSE(probabilistic_sharpe_ratio({0.01, 0.02}, 0).has_value());
  EXPECT_FALSE(probabilistic_sharpe_ratio({0.01, 0.01, 0.01, 0.01}, 0).has_value());
  EXPECT_TRUE(probabilistic_sharpe_ratio({0.01, 0.02, -0.01}, 0).has_value());
}

}  // namespace
}  // namespace algohost::metrics
