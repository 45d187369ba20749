// RSI: values against StockCharts' published worked example and a naive from-scratch Wilder
// RSI, the cross rules, confidence, parameters, state and the C table.
#include "rsi/rsi_strategy.hpp"
#include "test_util.hpp"

#include <cmath>
#include <set>

namespace algohost::test {
namespace {

using plugins::RsiStrategy;

const char* const kParams = R"({"period": 14, "oversold": 30, "overbought": 70})";

struct NaiveRsi {
  double rsi, avg_gain, avg_loss;
};

// Wilder's RSI of closes[0..i], recomputed from scratch with the textbook recurrence.
NaiveRsi naive_rsi(const std::vector<double>& c, size_t i, int p) {
  double g = 0, l = 0;
  for (int k = 1; k <= p; ++k) {
    const double d = c[k] - c[k - 1];
    if (d > 0) g += d;
    if (d < 0) l -= d;
  }
  g /= p;
  l /= p;
  for (size_t k = static_cast<size_t>(p) + 1; k <= i; ++k) {
    const double d = c[k] - c[k - 1];
    g = (g * (p - 1) + (d > 0 ? d : 0)) / p;
    l = (l * (p - 1) + (d < 0 ? -d : 0)) / p;
  }
  double rsi;
  if (l == 0)
    rsi = g == 0 ? 50 : 100;
  else
    rsi = 100 - 100 / (1 + g / l);
  return {rsi, g, l};
}

// StockCharts' "RSI" ChartSchool worked example (QQQQ, 14-Dec-2009 .. 1-Feb-2010), closes to
// four decimals as in their spreadsheet; the published RSI(14) column to two decimals.
const std::vector<double> kQqqq = {
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433,
    46.0826, 45.8931, 46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116,
    46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288,
    44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314};
const std::vector<double> kQqqqRsi = {70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93,
                                      63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46,
                                      41.87, 45.46, 37.30, 33.08, 37.77};

TEST(Rsi, StockChartsWorkedExample) {
  RsiStrategy s(params(kParams));
  const auto sigs = run(s, bars_from_closes(kQqqq));
  ASSERT_EQ(sigs.size(), kQqqq.size());
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_EQ(sigs[i].action, AH_HOLD);
    EXPECT_EQ(reason(sigs[i]), "warmup") << i;
    EXPECT_EQ(sigs[i].n_diag, 0u);
  }
  for (size_t k = 0; k < kQqqqRsi.size(); ++k) {
    const auto& sig = sigs[14 + k];
    ASSERT_EQ(sig.n_diag, 3u);
    EXPECT_NEAR(sig.diag[0], kQqqqRsi[k], 0.005) << "bar " << 14 + k;
  }
  // First averages as in the worked example: 0.24 and 0.10 (to two decimals).
  EXPECT_NEAR(sigs[14].diag[1], 0.24, 0.005);
  EXPECT_NEAR(sigs[14].diag[2], 0.10, 0.005);
  // 70.53 -> 66.32 crosses down through 70 on 6-Jan-2010: the only signal at 30/70.
  EXPECT_EQ(sigs[15].action, AH_SELL);
  EXPECT_EQ(reason(sigs[15]), "overbought");
  EXPECT_EQ(count_action(sigs, AH_SELL), 1u);
  EXPECT_EQ(count_action(sigs, AH_BUY), 0u);
}

TEST(Rsi, StockChartsExampleBuyAt35) {
  // 37.30 -> 33.08 -> 37.77: crosses up through 35 on the last bar.
  RsiStrategy s(params(R"({"period": 14, "oversold": 35, "overbought": 70})"));
  const auto sigs = run(s, bars_from_closes(kQqqq));
  EXPECT_EQ(sigs.back().action, AH_BUY);
  EXPECT_EQ(reason(sigs.back()), "oversold");
  EXPECT_EQ(count_action(sigs, AH_BUY), 1u);
  // 33.08 -> 37.77: 0.5 + 4.69 / 35 ~= 0.634.
  EXPECT_NEAR(sigs.back().confidence, 0.634, 0.002);
}

TEST(Rsi, MatchesNaiveRecomputation) {
  for (int period : {2, 5, 14, 30}) {
    SCOPED_TRACE("period " + std::to_string(period));
    const auto bars = random_bars(300, 1000 + static_cast<uint64_t>(period));
    const auto c = closes_of(bars);
    RsiStrategy s(params(R"({"period": )" + std::to_string(period) +
                         R"(, "oversold": 30, "overbought": 70})"));
    const auto sigs = run(s, bars);
    for (size_t i = 0; i < bars.size(); ++i) {
      if (i < static_cast<size_t>(period)) {
        EXPECT_EQ(reason(sigs[i]), "warmup");
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        continue;
      }
      const NaiveRsi want = naive_rsi(c, i, period);
      ASSERT_EQ(sigs[i].n_diag, 3u) << i;
      EXPECT_NEAR(sigs[i].diag[0], want.rsi, 1e-9) << i;
      EXPECT_NEAR(sigs[i].diag[1], want.avg_gain, 1e-9) << i;
      EXPECT_NEAR(sigs[i].diag[2], want.avg_loss, 1e-9) << i;
    }
  }
}

TEST(Rsi, HandComputedPeriod2) {
  // closes 10, 11, 10.5, 12, 12, 11: changes +1, -0.5, +1.5, 0, -1.
  // first averages (period 2): gain (1 + 0) / 2 = 0.5, loss (0 + 0.5) / 2 = 0.25 -> RSI 66.666..
  // then gain (0.5 + 1.5) / 2 = 1, loss 0.25 / 2 = 0.125 -> RS 8 -> RSI 88.888..
  // then gain 1 / 2 = 0.5, loss 0.125 / 2 = 0.0625 -> RS 8 -> RSI 88.888..
  // then gain 0.5 / 2 = 0.25, loss (0.0625 + 1) / 2 = 0.53125 -> RS 0.470588 -> RSI 32
  RsiStrategy s(params(R"({"period": 2, "oversold": 30, "overbought": 70})"));
  const auto sigs = run(s, bars_from_closes({10, 11, 10.5, 12, 12, 11}));
  EXPECT_EQ(reason(sigs[0]), "warmup");
  EXPECT_EQ(reason(sigs[1]), "warmup");
  EXPECT_NEAR(sigs[2].diag[0], 200.0 / 3.0, 1e-12);
  EXPECT_NEAR(sigs[2].diag[1], 0.5, 1e-15);
  EXPECT_NEAR(sigs[2].diag[2], 0.25, 1e-15);
  EXPECT_NEAR(sigs[3].diag[0], 800.0 / 9.0, 1e-12);
  EXPECT_NEAR(sigs[4].diag[0], 800.0 / 9.0, 1e-12);
  EXPECT_NEAR(sigs[5].diag[1], 0.25, 1e-15);
  EXPECT_NEAR(sigs[5].diag[2], 0.53125, 1e-15);
  EXPECT_NEAR(sigs[5].diag[0], 32.0, 1e-12);
  // 88.89 -> 32 crosses down through 70: sell, confidence 0.5 + 56.89 / 30 -> clamped to 1.
  EXPECT_EQ(sigs[5].action, AH_SELL);
  EXPECT_DOUBLE_EQ(sigs[5].confidence, 1.0);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(sigs[i].action, AH_HOLD) << i;
}

TEST(Rsi, DegenerateAverages) {
  // Only rises: avg_loss == 0 -> RSI 100. Flat: both zero -> 50.
  RsiStrategy up(params(kParams));
  std::vector<double> rising;
  for (int i = 0; i < 30; ++i) rising.push_back(100 + i);
  const auto a = run(up, bars_from_closes(rising));
  EXPECT_EQ(a.back().diag[0], 100.0);
  EXPECT_EQ(a.back().diag[2], 0.0);

  RsiStrategy flat(params(kParams));
  const auto b = run(flat, bars_from_closes(std::vector<double>(30, 42.0)));
  EXPECT_EQ(b.back().diag[0], 50.0);
  for (const auto& sig : b) EXPECT_EQ(sig.action, AH_HOLD);
}

TEST(Rsi, SignalsFollowTheCrossRules) {
  const auto bars = random_bars(2000, 7, 0.03);
  const auto c = closes_of(bars);
  const int p = 5;
  const double os = 30, ob = 70;
  RsiStrategy s(params(R"({"period": 5, "oversold": 30, "overbought": 70})"));
  const auto sigs = run(s, bars);
  std::set<double> buy_conf, sell_conf;
  for (size_t i = p; i < bars.size(); ++i) {
    const double cur = naive_rsi(c, i, p).rsi;
    int32_t want = AH_HOLD;
    double conf = 0;
    if (i > static_cast<size_t>(p)) {
      const double prev = naive_rsi(c, i - 1, p).rsi;
      if (prev < os && os <= cur) {
        want = AH_BUY;
        conf = std::min(1.0, 0.5 + (cur - prev) / os);
      } else if (prev > ob && ob >= cur) {
        want = AH_SELL;
        conf = std::min(1.0, 0.5 + (prev - cur) / (100 - ob));
      }
    }
    ASSERT_EQ(sigs[i].action, want) << "bar " << i;
    EXPECT_NEAR(sigs[i].confidence, conf, 1e-9) << "bar " << i;
    if (want == AH_BUY) {
      EXPECT_EQ(reason(sigs[i]), "oversold");
      buy_conf.insert(sigs[i].confidence);
    }
    if (want == AH_SELL) {
      EXPECT_EQ(reason(sigs[i]), "overbought");
      sell_conf.insert(sigs[i].confidence);
    }
    if (want == AH_HOLD) {
      EXPECT_EQ(reason(sigs[i]), "");
    }
    EXPECT_EQ(sigs[i].n_diag, 3u);  // filled on hold bars too
  }
  // The series must exercise both rules, and confidence must vary with the indicator.
  EXPECT_GE(buy_conf.size(), 3u);
  EXPECT_GE(sell_conf.size(), 3u);
  for (double v : buy_conf) EXPECT_TRUE(v > 0.5 && v <= 1.0) << v;
}

TEST(Rsi, HandBuiltCrossUp) {
  // period 2; closes 10, 9, 8, 8.5: changes -1, -1 -> averages gain 0, loss 1 -> RSI 0 (a hold
  // after warm-up); change +0.5 -> gain (0 + 0.5) / 2 = 0.25, loss (1 + 0) / 2 = 0.5
  // -> RSI 100 * 0.25 / 0.75 = 33.33: crosses up through 30 -> buy, confidence
  // 0.5 + 33.33 / 30 clamped to 1.
  RsiStrategy s(params(R"({"period": 2, "oversold": 30, "overbought": 70})"));
  const auto sigs = run(s, bars_from_closes({10, 9, 8, 8.5}));
  EXPECT_NEAR(sigs[2].diag[0], 0.0, 1e-12);
  EXPECT_EQ(sigs[2].action, AH_HOLD);
  EXPECT_EQ(reason(sigs[2]), "");
  EXPECT_NEAR(sigs[3].diag[0], 100.0 / 3.0, 1e-12);
  EXPECT_EQ(sigs[3].action, AH_BUY);
  EXPECT_DOUBLE_EQ(sigs[3].confidence, 1.0);

  // A smaller swing gives a confidence below 1. period 3; closes 10, 9.9, 9.8, 9.7 -> RSI 0.
  //   9.72: gain 0.02/3,                      loss 0.2/3
  //   9.75: gain (0.04/3 + 0.03)/3 = 0.13/9,  loss 0.4/9   -> RSI 100 * 13/53  = 24.53
  //   9.77: gain (0.26/9 + 0.02)/3 = 0.44/27, loss 0.8/27  -> RSI 100 * 44/124 = 35.48
  // 24.53 -> 35.48 crosses 30: buy, confidence 0.5 + (35.48 - 24.53) / 30 = 0.865.
  RsiStrategy t(params(R"({"period": 3, "oversold": 30, "overbought": 70})"));
  const auto u = run(t, bars_from_closes({10, 9.9, 9.8, 9.7, 9.72, 9.75, 9.77}));
  const double prev = 100.0 * 13.0 / 53.0, cur = 100.0 * 44.0 / 124.0;
  EXPECT_NEAR(u[5].diag[0], prev, 1e-9);
  EXPECT_NEAR(u[6].diag[0], cur, 1e-9);
  EXPECT_EQ(u[5].action, AH_HOLD);
  EXPECT_EQ(u[6].action, AH_BUY);
  EXPECT_NEAR(u[6].confidence, 0.5 + (cur - prev) / 30.0, 1e-9);
  EXPECT_LT(u[6].confidence, sigs[3].confidence);
}

TEST(Rsi, LevelReachedExactlyCountsAsACross) {
  // period 2: closes 100, 90, 80 -> gain 0, loss 10 -> RSI 0; +10 -> gain 5, loss 5 -> RSI 50
  // exactly. prev < oversold <= rsi: reaching 50 from below is a buy at oversold 50.
  RsiStrategy s(params(R"({"period": 2, "oversold": 50, "overbought": 70})"));
  const auto a = run(s, bars_from_closes({100, 90, 80, 90}));
  EXPECT_EQ(a[3].diag[0], 50.0);
  EXPECT_EQ(a[3].action, AH_BUY);
  // closes 100, 110, 120 -> RSI 100; -10 -> RSI 50: prev > overbought >= rsi -> sell at 50.
  RsiStrategy t(params(R"({"period": 2, "oversold": 30, "overbought": 50})"));
  const auto b = run(t, bars_from_closes({100, 110, 120, 110}));
  EXPECT_EQ(b[3].diag[0], 50.0);
  EXPECT_EQ(b[3].action, AH_SELL);
  // Leaving the level again (50 -> 50 -> 100) is no new cross.
  RsiStrategy u(params(R"({"period": 2, "oversold": 50, "overbought": 70})"));
  const auto c = run(u, bars_from_closes({100, 90, 80, 90, 90, 90}));
  EXPECT_EQ(c[3].action, AH_BUY);
  EXPECT_EQ(c[4].action, AH_HOLD);
  EXPECT_EQ(c[5].action, AH_HOLD);
}

TEST(Rsi, ParameterErrors) {
  EXPECT_THROW(RsiStrategy(params(R"({"oversold": 30, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": "14", "oversold": 30, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 14.5, "oversold": 30, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 14, "oversold": true, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 14, "oversold": 30})")), std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 0, "oversold": 30, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 14, "oversold": 80, "overbought": 70})")),
               std::invalid_argument);
  EXPECT_THROW(RsiStrategy(params(R"({"period": 14, "oversold": 30, "overbought": 100})")),
               std::invalid_argument);
  const ah_strategy_api* api = sdk::api_for<RsiStrategy>("rsi");
  expect_create_error(api, R"({"oversold": 30, "overbought": 70})", "period");
  expect_create_error(api, R"({"period": "x", "oversold": 30, "overbought": 70})", "period");
  expect_create_error(api, R"({"period": 14, "oversold": 30, "overbought": 70)", "JSON");
}

TEST(Rsi, StateContinuity) {
  const auto bars = random_bars(400, 11, 0.03);
  check_state_continuity<RsiStrategy>(kParams, bars, {0, 1, 5, 14, 15, 16, 200, 399, 400});
}

TEST(Rsi, StateRefusesOtherPeriodAndKeepsInstanceOnError) {
  RsiStrategy a(params(kParams));
  run(a, random_bars(50, 3));
  RsiStrategy b(params(R"({"period": 10, "oversold": 30, "overbought": 70})"));
  EXPECT_THROW(b.import_state(a.export_state()), std::invalid_argument);
  // A truncated state is refused and leaves the instance as it was.
  RsiStrategy c(params(kParams));
  run(c, random_bars(20, 4));
  const std::string before = c.export_state();
  const std::string full = a.export_state();
  EXPECT_THROW(c.import_state(full.substr(0, full.find("avg_gain"))), std::invalid_argument);
  EXPECT_EQ(c.export_state(), before);
}

TEST(Rsi, ApiBatchSliceAndPerBarAgree) {
  check_api_equivalence<RsiStrategy>("rsi", kParams, random_bars(500, 21, 0.03),
                                     {"rsi", "avg_gain", "avg_loss"});
}

}  // namespace
}  // namespace algohost::test
