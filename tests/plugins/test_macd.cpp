// MACD: values against a naive SMA-seeded EMA, a cross-check against an independent
// implementation's published table, the cross rules, confidence, parameters, state, C table.
#include "macd/macd_strategy.hpp"
#include "test_util.hpp"

#include <cmath>
#include <limits>
#include <set>

namespace algohost::test {
namespace {

using plugins::MacdStrategy;

const char* const kParams = R"({"fast": 12, "slow": 26, "signal": 9})";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// EMA of x with alpha 2/(n+1): NaN before index n-1, the mean of x[0..n) at n-1, then
// alpha * x + (1 - alpha) * previous.
std::vector<double> naive_ema(const std::vector<double>& x, size_t n) {
  std::vector<double> out(x.size(), kNaN);
  if (x.size() < n) return out;
  double seed = 0;
  for (size_t k = 0; k < n; ++k) seed += x[k];
  double e = seed / static_cast<double>(n);
  out[n - 1] = e;
  const double a = 2.0 / (static_cast<double>(n) + 1.0);
  for (size_t k = n; k < x.size(); ++k) {
    e = a * x[k] + (1 - a) * e;
    out[k] = e;
  }
  return out;
}

struct NaiveMacd {
  std::vector<double> macd, signal, hist;  // NaN where undefined
};

NaiveMacd naive_macd(const std::vector<double>& c, size_t fast, size_t slow, size_t sig) {
  const auto f = naive_ema(c, fast), s = naive_ema(c, slow);
  NaiveMacd r;
  r.macd.assign(c.size(), kNaN);
  r.signal.assign(c.size(), kNaN);
  r.hist.assign(c.size(), kNaN);
  std::vector<double> defined;
  for (size_t i = slow - 1; i < c.size(); ++i) {
    r.macd[i] = f[i] - s[i];
    defined.push_back(r.macd[i]);
  }
  const auto sg = naive_ema(defined, sig);
  for (size_t k = 0; k < defined.size(); ++k) {
    r.signal[slow - 1 + k] = sg[k];
    r.hist[slow - 1 + k] = defined[k] - sg[k];
  }
  return r;
}

TEST(Macd, HandComputedSmallPeriods) {
  // fast 2, slow 3, signal 2 on closes 1, 2, 4, 8, 4:
  //   EMA2 (alpha 2/3): seed mean(1, 2) = 1.5; 4 -> 1.5 + 2/3 * 2.5 = 3.1667; 8 -> 6.3889;
  //                     4 -> 4.7963
  //   EMA3 (alpha 1/2): seed mean(1, 2, 4) = 2.3333; 8 -> 5.1667; 4 -> 4.5833
  //   MACD: bar 2: 3.1667 - 2.3333 = 0.8333; bar 3: 6.3889 - 5.1667 = 1.2222;
  //         bar 4: 4.7963 - 4.5833 = 0.2130
  //   signal (alpha 2/3): seed mean(0.8333, 1.2222) = 1.0278 at bar 3;
  //         bar 4: 1.0278 + 2/3 * (0.2130 - 1.0278) = 0.4846
  //   histogram: bar 3: 0.1944; bar 4: -0.2716 -> crosses below: sell
  MacdStrategy s(params(R"({"fast": 2, "slow": 3, "signal": 2})"));
  const auto sigs = run(s, bars_from_closes({1, 2, 4, 8, 4}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reason(sigs[i]), "warmup") << i;
    EXPECT_EQ(sigs[i].n_diag, 0u);
  }
  const double ema2_3 = 1.5 + 2.0 / 3.0 * 2.5 + 2.0 / 3.0 * (8 - (1.5 + 2.0 / 3.0 * 2.5));
  const double ema3_3 = 7.0 / 3.0 + 0.5 * (8 - 7.0 / 3.0);
  const double macd2 = 1.5 + 2.0 / 3.0 * 2.5 - 7.0 / 3.0;
  const double macd3 = ema2_3 - ema3_3;
  const double ema2_4 = ema2_3 + 2.0 / 3.0 * (4 - ema2_3);
  const double ema3_4 = ema3_3 + 0.5 * (4 - ema3_3);
  const double macd4 = ema2_4 - ema3_4;
  const double sig3 = (macd2 + macd3) / 2;
  const double sig4 = sig3 + 2.0 / 3.0 * (macd4 - sig3);
  EXPECT_NEAR(macd2, 0.833333333333, 1e-9);  // the hand numbers above
  EXPECT_NEAR(macd3, 1.222222222222, 1e-9);
  EXPECT_NEAR(sig4, 0.484567901235, 1e-9);
  ASSERT_EQ(sigs[3].n_diag, 3u);
  EXPECT_NEAR(sigs[3].diag[0], macd3, 1e-12);
  EXPECT_NEAR(sigs[3].diag[1], sig3, 1e-12);
  EXPECT_NEAR(sigs[3].diag[2], macd3 - sig3, 1e-12);
  EXPECT_EQ(sigs[3].action, AH_HOLD);
  EXPECT_NEAR(sigs[4].diag[0], macd4, 1e-12);
  EXPECT_NEAR(sigs[4].diag[1], sig4, 1e-12);
  EXPECT_NEAR(sigs[4].diag[2], macd4 - sig4, 1e-12);
  EXPECT_EQ(sigs[4].action, AH_SELL);
  EXPECT_EQ(reason(sigs[4]), "macd_cross_down");
  // 0.5 + 500 * |(-0.2716) - 0.1944| / 4.5833 -> clamped to 1.
  EXPECT_DOUBLE_EQ(sigs[4].confidence, 1.0);
}

TEST(Macd, MatchesNaiveEmaAndCrossRules) {
  struct P {
    size_t f, s, g;
  };
  for (P p : {P{12, 26, 9}, P{5, 35, 5}, P{3, 10, 2}}) {
    SCOPED_TRACE(std::to_string(p.f) + "/" + std::to_string(p.s) + "/" + std::to_string(p.g));
    const auto bars = random_bars(1200, 300 + p.f, 0.01);
    const auto c = closes_of(bars);
    MacdStrategy m(params("{\"fast\": " + std::to_string(p.f) + ", \"slow\": " +
                          std::to_string(p.s) + ", \"signal\": " + std::to_string(p.g) + "}"));
    const auto sigs = run(m, bars);
    const NaiveMacd want = naive_macd(c, p.f, p.s, p.g);
    const size_t first = p.s + p.g - 2;  // first bar with a histogram
    std::set<double> confs;
    size_t buys = 0, sells = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      if (i < first) {
        ASSERT_TRUE(std::isnan(want.hist[i]));
        EXPECT_EQ(reason(sigs[i]), "warmup") << i;
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        continue;
      }
      ASSERT_EQ(sigs[i].n_diag, 3u) << i;
      EXPECT_NEAR(sigs[i].diag[0], want.macd[i], 1e-9) << i;
      EXPECT_NEAR(sigs[i].diag[1], want.signal[i], 1e-9) << i;
      EXPECT_NEAR(sigs[i].diag[2], want.hist[i], 1e-9) << i;
      int32_t action = AH_HOLD;
      if (i > first) {
        if (want.hist[i - 1] <= 0 && want.hist[i] > 0) action = AH_BUY;
        if (want.hist[i - 1] >= 0 && want.hist[i] < 0) action = AH_SELL;
      }
      ASSERT_EQ(sigs[i].action, action) << i;
      if (action != AH_HOLD) {
        const double slow = naive_ema(c, p.s)[i];
        const double conf =
            std::min(1.0, 0.5 + 500 * std::abs(want.hist[i] - want.hist[i - 1]) / slow);
        EXPECT_NEAR(sigs[i].confidence, conf, 1e-9) << i;
        EXPECT_EQ(reason(sigs[i]), action == AH_BUY ? "macd_cross_up" : "macd_cross_down");
        confs.insert(sigs[i].confidence);
        (action == AH_BUY ? buys : sells)++;
      }
    }
    EXPECT_GT(buys, 5u);
    EXPECT_GT(sells, 5u);
    EXPECT_GT(confs.size(), 3u);  // confidence varies with the crossing
  }
}

// The "ta" Python library's MACD table for StockCharts' MACD sample data (11-Feb-2009 ..
// 7-Aug-2009, 124 closes): bukosabino/ta, test/data/cs-macd.csv. That implementation seeds every
// EMA with the first value instead of an SMA; the seeding difference decays geometrically, so
// by the end of the series both must agree to a few 1e-4.
const std::vector<double> kCsMacdCloses = {
    30.2,  30.28, 30.45, 29.35, 29.35, 29.29, 28.83, 28.73, 28.67, 28.85, 28.64, 27.68, 27.21,
    26.87, 27.41, 26.94, 26.52, 26.52, 27.09, 27.69, 28.45, 28.53, 28.67, 29.01, 29.87, 29.8,
    29.75, 30.65, 30.6,  30.76, 31.17, 30.89, 30.04, 30.66, 30.6,  31.97, 32.1,  32.03, 31.63,
    31.85, 32.71, 32.76, 32.58, 32.13, 33.12, 33.19, 32.52, 32.44, 33.22, 32.83, 33.62, 33.75,
    33.6,  34.08, 34.58, 34.22, 34.77, 34.74, 35.01, 34.94, 34.42, 34.4,  34.16, 33.34, 33.39,
    33.51, 33.96, 34.42, 34.72, 33.94, 33.66, 34.51, 34.87, 34.75, 35.17, 36.16, 36.45, 36.03,
    36.45, 36.74, 36.61, 36.83, 36.84, 36.89, 36.38, 35.99, 35.86, 35.88, 35.73, 36.07, 35.6,
    34.98, 35.58, 36.07, 36.21, 36.46, 36.44, 36.54, 35.81, 35.26, 35.21, 34.59, 34.73, 34.86,
    35.31, 35.5,  36.63, 37.14, 37.27, 37.7,  37.87, 38.38, 39.17, 39.05, 39.09, 39.27, 39.11,
    39.86, 39.53, 39.74, 39.87, 39.82, 39.61, 39.75};
// Its last four rows (04-Aug .. 07-Aug-2009): MACD line, signal line.
const double kCsMacdTail[4][2] = {{1.066082746, 0.902344276},
                                  {1.058345111, 0.933544443},
                                  {1.023469812, 0.9515295168},
                                  {0.9956504772, 0.9603537089}};

TEST(Macd, AgreesWithIndependentTableOnceSeedingHasDecayed) {
  ASSERT_EQ(kCsMacdCloses.size(), 124u);
  MacdStrategy m(params(kParams));
  const auto sigs = run(m, bars_from_closes(kCsMacdCloses));
  for (size_t k = 0; k < 4; ++k) {
    const auto& s = sigs[120 + k];
    EXPECT_NEAR(s.diag[0], kCsMacdTail[k][0], 5e-4) << 120 + k;
    EXPECT_NEAR(s.diag[1], kCsMacdTail[k][1], 5e-4) << 120 + k;
  }
  // In that table the MACD line crosses above its signal line on 16-Jul-2009 (row 107: the
  // histogram goes from -0.0204 to +0.0810) and below it on 08-May-2009 (row 60: +0.0516 to
  // -0.0025); far enough from the start for the seeding not to matter.
  EXPECT_EQ(sigs[107].action, AH_BUY);
  EXPECT_EQ(sigs[60].action, AH_SELL);
}

TEST(Macd, CrossFromAnExactlyZeroHistogram) {
  // Constant integer closes give MACD = signal = histogram = 0 exactly; a jump up then makes
  // the histogram positive: prev <= 0 < hist is a buy. A fall back crosses down: a sell.
  std::vector<double> c(40, 10.0);
  c.push_back(11.0);
  MacdStrategy m(params(R"({"fast": 3, "slow": 6, "signal": 3})"));
  const auto sigs = run(m, bars_from_closes(c));
  EXPECT_EQ(sigs[39].diag[2], 0.0);
  EXPECT_EQ(sigs[39].action, AH_HOLD);
  EXPECT_GT(sigs[40].diag[2], 0.0);
  EXPECT_EQ(sigs[40].action, AH_BUY);
  MacdStrategy n(params(R"({"fast": 3, "slow": 6, "signal": 3})"));
  c.back() = 9.0;
  const auto down = run(n, bars_from_closes(c));
  EXPECT_LT(down[40].diag[2], 0.0);
  EXPECT_EQ(down[40].action, AH_SELL);
}

TEST(Macd, ParameterErrors) {
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 12, "slow": 26})")), std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 12, "signal": 9})")), std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": "12", "slow": 26, "signal": 9})")),
               std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 12, "slow": 26.5, "signal": 9})")),
               std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 26, "slow": 26, "signal": 9})")),
               std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 30, "slow": 26, "signal": 9})")),
               std::invalid_argument);
  EXPECT_THROW(MacdStrategy(params(R"({"fast": 12, "slow": 26, "signal": 0})")),
               std::invalid_argument);
  const ah_strategy_api* api = sdk::api_for<MacdStrategy>("macd");
  expect_create_error(api, R"({"fast": 12, "slow": 26})", "signal");
  expect_create_error(api, R"({"fast": 40, "slow": 26, "signal": 9})", "fast");
}

TEST(Macd, StateContinuity) {
  check_state_continuity<MacdStrategy>(kParams, random_bars(400, 13, 0.01),
                                       {0, 1, 11, 12, 25, 26, 33, 34, 35, 200, 400});
}

TEST(Macd, StateRefusesOtherPeriods) {
  MacdStrategy a(params(kParams));
  run(a, random_bars(60, 1));
  MacdStrategy b(params(R"({"fast": 12, "slow": 26, "signal": 5})"));
  EXPECT_THROW(b.import_state(a.export_state()), std::invalid_argument);
}

TEST(Macd, ApiBatchSliceAndPerBarAgree) {
  check_api_equivalence<MacdStrategy>("macd", kParams, random_bars(500, 23, 0.01),
                                      {"macd", "signal", "histogram"});
}

}  // namespace
}  // namespace algohost::test
