// read_context(): volume ratio, realized volatility and the regime label as of a bar, from that
// bar and earlier ones only; checked against hand-built series.
#include "host/engine/market_context.h"

#include <cmath>

#include <gtest/gtest.h>

namespace algohost {
namespace {

BarSeries from_closes(const std::vector<double>& closes, double volume = 100) {
  BarSeries s;
  s.symbol.push_back('X');  // (assigning a short literal trips a GCC 12 -Wrestrict false positive)
  for (size_t i = 0; i < closes.size(); ++i)
    s.push({static_cast<int64_t>(i) * 86'400'000, closes[i], closes[i], closes[i], closes[i], volume});
  return s;
}

TEST(MarketContext, VolumeRatioIsThisBarOverThePreviousWindowMean) {
  BarSeries s = from_closes(std::vector<double>(30, 10.0));
  for (size_t i = 0; i < s.size(); ++i) s.volume[i] = i < 25 ? 100.0 : 300.0;
  EXPECT_DOUBLE_EQ(read_context(s, 25, 20).volume_ratio, 3.0);  // 300 / mean(100 x 20)
  // bar 27: previous 20 bars are 5..26 = 18 x 100 + 2 x 300 -> mean 120
  EXPECT_DOUBLE_EQ(read_context(s, 27, 20).volume_ratio, 300.0 / 120.0);
  EXPECT_DOUBLE_EQ(read_context(s, 0, 20).volume_ratio, 1.0);  // nothing before: neutral
}

TEST(MarketContext, VolatilityIsTheAnnualizedSampleStdevOfTheWindowReturns) {
  std::vector<double> closes = {100};
  for (int i = 1; i <= 25; ++i) closes.push_back(closes.back() * (i % 2 ? 1.02 : 0.99));
  BarSeries s = from_closes(closes);
  const size_t i = 25, w = 5;
  std::vector<double> r;
  for (size_t k = i - w + 1; k <= i; ++k) r.push_back(closes[k] / closes[k - 1] - 1);
  double m = 0;
  for (double x : r) m += x / w;
  double v = 0;
  for (double x : r) v += (x - m) * (x - m) / (w - 1);
  const ContextReading c = read_context(s, i, static_cast<int>(w), 252);
  ASSERT_TRUE(c.ready);
  EXPECT_NEAR(c.volatility, std::sqrt(v) * std::sqrt(252.0), 1e-12);
  EXPECT_FALSE(read_context(s, 4, 5).ready);  // fewer than `window` returns: unknown
  EXPECT_STREQ(read_context(s, 4, 5).regime, "unknown");
}

TEST(MarketContext, RegimeLabels) {
  // Steady 1% rise with a little wiggle: the 20-bar move dwarfs the noise -> trending.
  std::vector<double> up = {100};
  for (int i = 1; i < 300; ++i) up.push_back(up.back() * (1.01 + (i % 2 ? 0.001 : -0.001)));
  EXPECT_STREQ(read_context(from_closes(up), 299, 20).regime, "trending");
  // Alternating +1% / -1%: no net move -> mean_reverting.
  std::vector<double> flat = {100};
  for (int i = 1; i < 300; ++i) flat.push_back(flat.back() * (i % 2 ? 1.01 : 1 / 1.01));
  EXPECT_STREQ(read_context(from_closes(flat), 299, 20).regime, "mean_reverting");
  // Calm for 280 bars, then +-8% swings in the last 20: volatile against the 250-bar history.
  std::vector<double> burst = {100};
  for (int i = 1; i < 300; ++i) burst.push_back(burst.back() * (i < 280 ? (i % 2 ? 1.001 : 1 / 1.001) : (i % 2 ? 1.08 : 1 / 1.08)));
  EXPECT_STREQ(read_context(from_closes(burst), 299, 20).regime, "volatile");
}

TEST(MarketContext, NeverReadsPastTheBarAskedFor) {
  std::vector<double> closes(60, 50.0);
  BarSeries s = from_closes(closes);
  const ContextReading before = read_context(s, 40, 20);
  for (size_t k = 41; k < s.size(); ++k) {  // rewrite the future wildly
    s.close[k] = 1e6 * static_cast<double>(k);
    s.volume[k] = 1e9;
  }
  const ContextReading after = read_context(s, 40, 20);
  EXPECT_EQ(before.volatility, after.volatility);
  EXPECT_EQ(before.volume_ratio, after.volume_ratio);
  EXPECT_STREQ(before.regime, after.regime);
}

}  // namespace
}  // namespace algohost
