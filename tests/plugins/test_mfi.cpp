// MFI: values against StockCharts' published worked example, R TTR on its ttrc data and a naive
// windowed sum, the cross rules, an unchanged typical price despite rounding, confidence, zero
// volume, parameters, state, C table.
#include "mfi/mfi_strategy.hpp"
#include "test_util.hpp"
#include "ttrc_reference.hpp"

#include <cstdio>
#include <set>

namespace algohost::test {
namespace {

using plugins::MfiStrategy;

const char* const kParams = R"({"period": 14, "oversold": 20, "overbought": 80})";

// MFI at bar i (i >= p) from scratch: sums of the last p positive / negative money flows.
double naive_mfi(const std::vector<ah_bar>& b, size_t i, size_t p) {
  auto tp = [&](size_t k) { return (b[k].high + b[k].low + b[k].close) / 3; };
  double pos = 0, neg = 0;
  for (size_t k = i + 1 - p; k <= i; ++k) {
    const double flow = tp(k) * b[k].volume;
    if (tp(k) > tp(k - 1)) pos += flow;
    if (tp(k) < tp(k - 1)) neg += flow;
  }
  if (neg == 0) return pos == 0 ? 50 : 100;
  return 100 - 100 / (1 + pos / neg);
}

// StockCharts' "Money Flow Index" ChartSchool worked example (3-Dec-2010 .. 14-Jan-2011):
// high, low, close, volume; and the published MFI(14) column to two decimals.
const double kCs[30][4] = {
    {24.8283, 24.3205, 24.7486, 18730.144}, {24.7586, 24.5993, 24.7088, 12271.740},
    {25.1568, 24.7785, 25.0373, 24691.414}, {25.5848, 24.9477, 25.5450, 18357.606},
    {25.6844, 24.8083, 25.0672, 22964.080}, {25.3360, 25.0572, 25.1070, 15918.948},
    {25.2862, 24.8482, 24.8880, 16067.044}, {25.1269, 24.7496, 24.9975, 16568.487},
    {25.2762, 24.9278, 25.0473, 16018.729}, {25.3857, 25.0274, 25.3360, 9773.569},
    {25.5351, 25.0473, 25.0572, 22572.712}, {25.6048, 25.0622, 25.4455, 12986.669},
    {25.7441, 25.5351, 25.5649, 10906.659}, {25.7242, 25.4554, 25.5550, 5799.259},
    {25.6744, 25.2862, 25.4057, 7395.274},  {25.4455, 25.1667, 25.3658, 5818.162},
    {25.3161, 24.9178, 25.0373, 7164.726},  {25.2563, 24.9079, 24.9178, 5672.914},
    {25.0373, 24.8283, 24.8780, 5624.742},  {25.0074, 24.7088, 24.9676, 5023.469},
    {25.3061, 25.0274, 25.0473, 7457.091},  {25.1170, 24.3404, 24.4500, 11798.009},
    {24.6889, 24.2708, 24.5694, 12366.132}, {24.5495, 23.8925, 24.0219, 13294.865},
    {24.2708, 23.7780, 23.8825, 9256.870},  {24.2708, 23.7232, 24.2011, 9690.604},
    {24.5993, 24.2011, 24.2807, 8870.318},  {24.4798, 24.2409, 24.3305, 7168.965},
    {24.5595, 23.4345, 24.4400, 11356.180}, {25.1600, 24.2700, 25.0000, 13379.374}};
const std::vector<double> kCsMfi = {49.47, 45.11, 36.27, 28.41, 31.53, 33.87, 41.30, 42.80,
                                    31.83, 23.76, 26.51, 24.07, 22.38, 22.18, 21.53, 30.84};

std::vector<ah_bar> cs_bars() {
  std::vector<ah_bar> bars;
  for (size_t i = 0; i < 30; ++i)
    bars.push_back(ah_bar{kT0 + static_cast<int64_t>(i) * kDayMs, kCs[i][2], kCs[i][0],
                          kCs[i][1], kCs[i][2], kCs[i][3]});
  return bars;
}

TEST(Mfi, StockChartsWorkedExample) {
  MfiStrategy s(params(kParams));
  const auto sigs = run(s, cs_bars());
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_EQ(reason(sigs[i]), "warmup") << i;
    EXPECT_EQ(sigs[i].n_diag, 0u);
  }
  for (size_t k = 0; k < kCsMfi.size(); ++k) {
    ASSERT_EQ(sigs[14 + k].n_diag, 1u);
    EXPECT_NEAR(sigs[14 + k].diag[0], kCsMfi[k], 0.005) << "bar " << 14 + k;
  }
  // Never below 20 nor above 80 in the example: no signal at the defaults.
  EXPECT_EQ(count_action(sigs, AH_BUY) + count_action(sigs, AH_SELL), 0u);
}

TEST(Mfi, StockChartsExampleCrosses) {
  // oversold 25 / overbought 45: 49.47 -> 45.11 -> 36.27 crosses down through 45 on 28-Dec
  // (bar 16); 23.76 -> 26.51 crosses up through 25 on 7-Jan (bar 24); 21.53 -> 30.84 on 14-Jan
  // (bar 29). 24.07 -> ... (bar 25) falls back below 25, which is no signal.
  MfiStrategy s(params(R"({"period": 14, "oversold": 25, "overbought": 45})"));
  const auto sigs = run(s, cs_bars());
  for (size_t i = 0; i < sigs.size(); ++i) {
    const int32_t want = i == 16 ? AH_SELL : (i == 24 || i == 29) ? AH_BUY : AH_HOLD;
    EXPECT_EQ(sigs[i].action, want) << "bar " << i;
  }
  EXPECT_EQ(reason(sigs[16]), "overbought");
  EXPECT_EQ(reason(sigs[24]), "oversold");
  // Confidence grows with the swing: 0.5 + 2.75 / 25 = 0.61 and 0.5 + 9.31 / 25 = 0.87;
  // the sell: 0.5 + (45.11 - 36.27) / 55 = 0.66.
  EXPECT_NEAR(sigs[24].confidence, 0.61, 0.001);
  EXPECT_NEAR(sigs[29].confidence, 0.8724, 0.001);
  EXPECT_NEAR(sigs[16].confidence, 0.6607, 0.001);
}

// The MFI cross rule applied to a series of MFI values (NaN = not yet defined), as the plugin
// applies it: 1 buy, 2 sell, 0 hold.
std::vector<int> cross_signals(const std::vector<double>& mfi, double os, double ob) {
  std::vector<int> out(mfi.size(), 0);
  for (size_t i = 1; i < mfi.size(); ++i) {
    if (std::isnan(mfi[i]) || std::isnan(mfi[i - 1])) continue;
    if (mfi[i - 1] < os && os <= mfi[i]) out[i] = 1;
    else if (mfi[i - 1] > ob && ob >= mfi[i]) out[i] = 2;
  }
  return out;
}

int sign(long long v) { return (v > 0) - (v < 0); }

// R TTR's MFI(14) on its ttrc data (5,550 daily bars, prices in cents). The direction of each
// step is known exactly from the prices in integer cents. The plugin must follow it on every
// step, so on every bar it equals a naive MFI with exact directions. TTR computes the typical
// price with rowMeans (an 80-bit sum rounded to double) and compares exactly, so it takes some
// unchanged prices for a rise or a fall; emulating that reproduces TTR's values, which shows
// that is the only cause of disagreement. Every bar and every signal of the plugin then agrees
// with TTR's except where TTR's window holds such a step (those are counted and explained).
TEST(Mfi, AgreesWithRTtrOnTtrcExceptWhereTtrRoundsAnUnchangedPrice) {
  const auto ref = ttrc_reference();
  ASSERT_EQ(ref.size(), 5550u);
  const size_t n = ref.size(), p = 14;
  const auto bars = ttrc_bars(ref, kT0);
  MfiStrategy s(params(kParams));
  const auto sigs = run(s, bars);

  std::vector<long long> cents3(n);  // 3 * typical price, in cents: exact
  std::vector<double> tp(n), ttr_tp(n);
  for (size_t i = 0; i < n; ++i) {
    long long c = 0;
    for (double x : {ref[i].high, ref[i].low, ref[i].close}) {
      ASSERT_NEAR(x * 100, std::llround(x * 100), 1e-6) << ref[i].date << ": not a price in cents";
      c += std::llround(x * 100);
    }
    cents3[i] = c;
    tp[i] = (ref[i].high + ref[i].low + ref[i].close) / 3;
    ttr_tp[i] = static_cast<double>(
        (static_cast<long double>(ref[i].high) + ref[i].low + ref[i].close) / 3.0L);
  }
  // MFI at bar i over the flows of steps i-13..i, each step's direction given by `dir`.
  auto mfi_with = [&](const std::vector<double>& price, const std::vector<int>& dir) {
    std::vector<double> out(n, std::nan(""));
    for (size_t i = p; i < n; ++i) {
      double pos = 0, neg = 0;
      for (size_t k = i + 1 - p; k <= i; ++k) {
        if (dir[k] > 0) pos += price[k] * ref[k].volume;
        if (dir[k] < 0) neg += price[k] * ref[k].volume;
      }
      out[i] = neg == 0 ? (pos == 0 ? 50 : 100) : 100 - 100 / (1 + pos / neg);
    }
    return out;
  };
  std::vector<int> exact_dir(n, 0), ttr_dir(n, 0), ttr_wrong(n, 0);
  size_t unchanged = 0, wrong = 0;
  for (size_t k = 1; k < n; ++k) {
    exact_dir[k] = sign(cents3[k] - cents3[k - 1]);
    ttr_dir[k] = (ttr_tp[k] > ttr_tp[k - 1]) - (ttr_tp[k] < ttr_tp[k - 1]);
    ttr_wrong[k] = ttr_dir[k] != exact_dir[k];
    unchanged += exact_dir[k] == 0;
    wrong += ttr_wrong[k];
  }
  EXPECT_EQ(unchanged, 90u);  // steps whose typical price is exactly unchanged
  EXPECT_EQ(wrong, 11u);      // of which TTR's rounded rowMeans calls a rise or a fall

  // The emulation of TTR reproduces its published values on every bar: the explanation holds.
  const auto ttr_emulated = mfi_with(ttr_tp, ttr_dir);
  const auto exact = mfi_with(tp, exact_dir);
  for (size_t i = 0; i < p; ++i) ASSERT_TRUE(std::isnan(ref[i].mfi14)) << i;
  std::vector<double> ttr(n, std::nan(""));
  std::vector<int> explained(n, 0);  // bar i's window (steps i-13..i) holds a step TTR misreads
  size_t bars_explained = 0;
  for (size_t i = p; i < n; ++i) {
    ttr[i] = ref[i].mfi14;
    ASSERT_FALSE(std::isnan(ttr[i])) << ref[i].date;
    EXPECT_NEAR(ttr_emulated[i], ttr[i], 1e-8) << ref[i].date;
    for (size_t k = i + 1 - p; k <= i; ++k) explained[i] |= ttr_wrong[k];
    // The plugin: exact directions on every step, so the exact MFI on every bar ...
    ASSERT_EQ(sigs[i].n_diag, 1u) << i;
    EXPECT_NEAR(sigs[i].diag[0], exact[i], 1e-9) << ref[i].date;
    // ... and TTR's wherever TTR read every step of the window right.
    if (!explained[i]) {
      EXPECT_NEAR(sigs[i].diag[0], ttr[i], 1e-8) << ref[i].date;
    }
    bars_explained += explained[i];
  }
  EXPECT_GT(bars_explained, 0u);
  EXPECT_LT(bars_explained, 160u);

  // Signals at 20 / 80: TTR's (the same cross rule on its MFI) and the plugin's agree except
  // where TTR's value at the bar or the one before is explained above.
  const auto ttr_sigs = cross_signals(ttr, 20, 80);
  size_t ttr_count = 0, ours = 0, differ = 0;
  for (size_t i = 0; i < n; ++i) {
    const int mine = sigs[i].action == AH_BUY ? 1 : sigs[i].action == AH_SELL ? 2 : 0;
    ttr_count += ttr_sigs[i] != 0;
    ours += mine != 0;
    if (mine != ttr_sigs[i]) {
      ++differ;
      EXPECT_TRUE(explained[i] || (i > 0 && explained[i - 1]))
          << ref[i].date << ": plugin " << mine << ", TTR " << ttr_sigs[i] << " (unexplained)";
    }
  }
  EXPECT_EQ(ttr_count, 106u);
  EXPECT_GT(ours, 100u);
  EXPECT_LE(differ, 6u);
  std::printf("ttrc: %zu plugin signals, %zu TTR signals, %zu differ (TTR misreads %zu unchanged "
              "typical prices)\n", ours, ttr_count, differ, wrong);
}

// Two bars whose typical prices are equal in decimal but not in double arithmetic (ttrc's
// 1985-03-29 and 1985-04-01): (3.41 + 3.36 + 3.38) / 3 and (3.40 + 3.36 + 3.39) / 3 differ by
// rounding; the step is no flow at all.
TEST(Mfi, UnchangedTypicalPriceDespiteRounding) {
  const double a = (3.41 + 3.36 + 3.38) / 3.0, b = (3.40 + 3.36 + 3.39) / 3.0;
  ASSERT_NE(a, b);  // the premise: exact comparison would call this a move
  // period 2: a rise (+flow), then the same typical price in another form, then again.
  std::vector<ah_bar> bars = {{kT0, 3, 3, 3, 3, 1},
                              {kT0 + kDayMs, 3.38, 3.41, 3.36, 3.38, 1},
                              {kT0 + 2 * kDayMs, 3.39, 3.40, 3.36, 3.39, 1},
                              {kT0 + 3 * kDayMs, 3.38, 3.41, 3.36, 3.38, 1}};
  MfiStrategy s(params(R"({"period": 2, "oversold": 20, "overbought": 80})"));
  const auto sigs = run(s, bars);
  // Bar 2: a rise (bar 1) and no flow (bar 2): 100. Bar 3: no flow twice: 50.
  EXPECT_EQ(sigs[2].diag[0], 100.0);
  EXPECT_EQ(sigs[3].diag[0], 50.0);
  // A real move one part in 1e13 is still a move.
  std::vector<ah_bar> tiny = {{kT0, 9, 9, 9, 9, 1},
                              {kT0 + kDayMs, 10, 10, 10, 10, 1},
                              {kT0 + 2 * kDayMs, 10, 10, 10, 10 * (1 - 3e-13), 1}};
  MfiStrategy t(params(R"({"period": 2, "oversold": 20, "overbought": 80})"));
  const auto tsigs = run(t, tiny);
  EXPECT_NEAR(tsigs[2].diag[0], 50.0, 1e-6);  // +10 and a fall of ~10: about even
}

TEST(Mfi, MatchesNaiveAndRulesOnRandomSeries) {
  for (size_t p : {2u, 5u, 14u}) {
    SCOPED_TRACE("period " + std::to_string(p));
    const auto bars = random_bars(1500, 77 + p, 0.02);
    const double os = 30, ob = 70;
    MfiStrategy s(params(R"({"period": )" + std::to_string(p) +
                         R"(, "oversold": 30, "overbought": 70})"));
    const auto sigs = run(s, bars);
    std::set<double> confs;
    size_t buys = 0, sells = 0;
    for (size_t i = 0; i < bars.size(); ++i) {
      if (i < p) {
        EXPECT_EQ(reason(sigs[i]), "warmup");
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        continue;
      }
      const double cur = naive_mfi(bars, i, p);
      ASSERT_EQ(sigs[i].n_diag, 1u);
      EXPECT_NEAR(sigs[i].diag[0], cur, 1e-9) << i;
      int32_t want = AH_HOLD;
      double conf = 0;
      if (i > p) {
        const double prev = naive_mfi(bars, i - 1, p);
        if (prev < os && os <= cur) {
          want = AH_BUY;
          conf = std::min(1.0, 0.5 + (cur - prev) / os);
        } else if (prev > ob && ob >= cur) {
          want = AH_SELL;
          conf = std::min(1.0, 0.5 + (prev - cur) / (100 - ob));
        }
      }
      ASSERT_EQ(sigs[i].action, want) << i;
      EXPECT_NEAR(sigs[i].confidence, conf, 1e-9) << i;
      if (want != AH_HOLD) {
        confs.insert(sigs[i].confidence);
        (want == AH_BUY ? buys : sells)++;
      }
    }
    EXPECT_GT(buys, 5u);
    EXPECT_GT(sells, 5u);
    EXPECT_GT(confs.size(), 5u);
  }
}

TEST(Mfi, HandComputedPeriod2) {
  // period 2; typical prices (H = L = C): 10, 11, 10, 10, 12 with volumes 1, 2, 3, 4, 5.
  //   flows: bar 1 +22, bar 2 -30, bar 3 none (equal), bar 4 +60
  //   bar 2: pos 22, neg 30 -> 100 - 100 / (1 + 22/30) = 42.3077
  //   bar 3: pos 0,  neg 30 -> 0
  //   bar 4: pos 60, neg 0  -> 100
  auto bars = bars_from_closes({10, 11, 10, 10, 12});
  for (size_t i = 0; i < bars.size(); ++i) bars[i].volume = static_cast<double>(i + 1);
  MfiStrategy s(params(R"({"period": 2, "oversold": 20, "overbought": 80})"));
  const auto sigs = run(s, bars);
  EXPECT_EQ(reason(sigs[1]), "warmup");
  EXPECT_NEAR(sigs[2].diag[0], 100.0 * 22.0 / 52.0, 1e-12);
  EXPECT_EQ(sigs[3].diag[0], 0.0);
  EXPECT_EQ(sigs[4].diag[0], 100.0);
  EXPECT_EQ(sigs[3].action, AH_HOLD);  // 42.3 -> 0 crosses no level downward that sells
  EXPECT_EQ(sigs[4].action, AH_BUY);   // 0 -> 100 crosses 20 upward
  EXPECT_DOUBLE_EQ(sigs[4].confidence, 1.0);
}

TEST(Mfi, LevelReachedExactlyCountsAsACross) {
  // period 2; TP 10, 8, 6 (volume 1) -> flows -8, -6 -> MFI 0; then TP 8 with volume 3/16
  // -> flow +1.5: pos 1.5, neg 6 -> MFI 100 * 1.5 / 7.5 = 20 exactly: prev 0 < 20 <= 20 -> buy.
  auto bars = bars_from_closes({10, 8, 6, 8});
  for (auto& b : bars) b.volume = 1;
  bars[3].volume = 0.1875;
  MfiStrategy t(params(R"({"period": 2, "oversold": 20, "overbought": 80})"));
  const auto sigs = run(t, bars);
  EXPECT_EQ(sigs[2].diag[0], 0.0);
  EXPECT_EQ(sigs[3].diag[0], 20.0);
  EXPECT_EQ(sigs[3].action, AH_BUY);
}

TEST(Mfi, ZeroVolumeWindowIsNeutral) {
  auto bars = random_bars(40, 5);
  for (size_t i = 10; i < 40; ++i) bars[i].volume = 0;
  MfiStrategy s(params(R"({"period": 5, "oversold": 20, "overbought": 80})"));
  const auto sigs = run(s, bars);
  for (size_t i = 15; i < 40; ++i) {
    EXPECT_EQ(sigs[i].diag[0], 50.0) << i;
    EXPECT_EQ(sigs[i].action, AH_HOLD);
  }
}

TEST(Mfi, ParameterErrors) {
  EXPECT_THROW(MfiStrategy(params(R"({"oversold": 20, "overbought": 80})")),
               std::invalid_argument);
  EXPECT_THROW(MfiStrategy(params(R"({"period": [14], "oversold": 20, "overbought": 80})")),
               std::invalid_argument);
  EXPECT_THROW(MfiStrategy(params(R"({"period": 14, "oversold": "20", "overbought": 80})")),
               std::invalid_argument);
  EXPECT_THROW(MfiStrategy(params(R"({"period": 14, "oversold": 20})")), std::invalid_argument);
  EXPECT_THROW(MfiStrategy(params(R"({"period": 0, "oversold": 20, "overbought": 80})")),
               std::invalid_argument);
  EXPECT_THROW(MfiStrategy(params(R"({"period": 14, "oversold": 90, "overbought": 80})")),
               std::invalid_argument);
  const ah_strategy_api* api = sdk::api_for<MfiStrategy>("mfi");
  expect_create_error(api, R"({"period": 14, "overbought": 80})", "oversold");
  expect_create_error(api, R"({"period": null, "oversold": 20, "overbought": 80})", "period");
}

TEST(Mfi, StateContinuity) {
  auto bars = random_bars(400, 14);
  for (size_t i = 100; i < 120; ++i) bars[i].volume = 0;  // exercise the zero-flow path
  check_state_continuity<MfiStrategy>(kParams, bars, {0, 1, 13, 14, 15, 16, 110, 123, 399, 400});
}

TEST(Mfi, StateRefusesOtherPeriod) {
  MfiStrategy a(params(kParams));
  run(a, random_bars(30, 1));
  MfiStrategy b(params(R"({"period": 7, "oversold": 20, "overbought": 80})"));
  EXPECT_THROW(b.import_state(a.export_state()), std::invalid_argument);
}

TEST(Mfi, ApiBatchSliceAndPerBarAgree) {
  check_api_equivalence<MfiStrategy>("mfi", kParams, random_bars(500, 24), {"mfi"});
}

}  // namespace
}  // namespace algohost::test
