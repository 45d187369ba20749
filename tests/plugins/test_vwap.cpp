// VWAP: rolling and session values against naive sums, an independent implementation's
// published table and R TTR on its ttrc data, of the typical price and of the close; the band
// rules, confidence, zero volume, parameters, state, C table.
#include "vwap/vwap_strategy.hpp"
#include "test_util.hpp"
#include "ttrc_reference.hpp"

#include <set>

namespace algohost::test {
namespace {

using plugins::VwapStrategy;

const char* const kRolling = R"({"mode": "rolling", "window": 20, "band_pct": 0.01})";
const char* const kSession = R"({"mode": "session", "window": 20, "band_pct": 0.005})";

double tp(const ah_bar& b) { return (b.high + b.low + b.close) / 3; }

// Rolling VWAP at bar i (i >= w - 1) from scratch; NaN when the window has no volume.
double naive_rolling(const std::vector<ah_bar>& b, size_t i, size_t w) {
  double pv = 0, v = 0;
  for (size_t k = i + 1 - w; k <= i; ++k) {
    pv += tp(b[k]) * b[k].volume;
    v += b[k].volume;
  }
  return v == 0 ? std::nan("") : pv / v;
}

// Session VWAP at bar i: every bar of the same UTC day up to i, found by scanning back.
double naive_session(const std::vector<ah_bar>& b, size_t i) {
  const int64_t day = b[i].ts_ms / kDayMs;  // the tests use positive timestamps
  double pv = 0, v = 0;
  for (size_t k = i + 1; k-- > 0;) {
    if (b[k].ts_ms / kDayMs != day) break;
    pv += tp(b[k]) * b[k].volume;
    v += b[k].volume;
  }
  return v == 0 ? std::nan("") : pv / v;
}

// Expected action/confidence for a given VWAP and close under band `band`.
void expect_rule(const ah_signal& s, double close, double vwap, double band, size_t i) {
  const double dev = close / vwap - 1;
  int32_t want = AH_HOLD;
  double conf = 0;
  if (close < vwap * (1 - band)) {
    want = AH_BUY;
    conf = std::min(1.0, -dev / (2 * band));
  } else if (close > vwap * (1 + band)) {
    want = AH_SELL;
    conf = std::min(1.0, dev / (2 * band));
  }
  ASSERT_EQ(s.action, want) << "bar " << i;
  EXPECT_NEAR(s.confidence, conf, 1e-9) << "bar " << i;
  EXPECT_EQ(reason(s), want == AH_BUY ? "below_vwap" : want == AH_SELL ? "above_vwap" : "");
}

TEST(Vwap, HandComputedRolling) {
  // window 2, band 1%. Bars (H, L, C, V):
  //   0: 11, 9, 10, 100    TP 10
  //   1: 13, 11, 12, 300   TP 12  -> VWAP (1000 + 3600) / 400 = 11.5; 12 > 11.615 -> sell
  //   2: 12, 10, 11, 100   TP 11  -> VWAP (3600 + 1100) / 400 = 11.75; 11 < 11.6325 -> buy
  //   3: 11.4, 11.4, 11.4, 0      -> VWAP (1100 + 0) / 100 = 11; 11.4 > 11.11 -> sell
  //   4: 11, 11, 11, 0            -> no volume in the window: hold "no_volume"
  std::vector<ah_bar> bars = {{kT0, 10, 11, 9, 10, 100},
                              {kT0 + kDayMs, 10, 13, 11, 12, 300},
                              {kT0 + 2 * kDayMs, 12, 12, 10, 11, 100},
                              {kT0 + 3 * kDayMs, 11, 11.4, 11.4, 11.4, 0},
                              {kT0 + 4 * kDayMs, 11, 11, 11, 11, 0}};
  VwapStrategy s(params(R"({"mode": "rolling", "window": 2, "band_pct": 0.01})"));
  const auto sigs = run(s, bars);
  EXPECT_EQ(reason(sigs[0]), "warmup");
  EXPECT_EQ(sigs[0].n_diag, 0u);
  EXPECT_NEAR(sigs[1].diag[0], 11.5, 1e-12);
  EXPECT_NEAR(sigs[1].diag[1], 12.0 / 11.5 - 1, 1e-12);
  EXPECT_EQ(sigs[1].action, AH_SELL);
  // deviation 0.043478 / 0.02 -> clamped to 1.
  EXPECT_DOUBLE_EQ(sigs[1].confidence, 1.0);
  EXPECT_NEAR(sigs[2].diag[0], 11.75, 1e-12);
  EXPECT_EQ(sigs[2].action, AH_BUY);
  EXPECT_NEAR(sigs[3].diag[0], 11.0, 1e-12);
  EXPECT_EQ(sigs[3].action, AH_SELL);
  EXPECT_EQ(sigs[4].action, AH_HOLD);
  EXPECT_EQ(reason(sigs[4]), "no_volume");
  EXPECT_EQ(sigs[4].n_diag, 0u);

  // A smaller deviation gives a confidence below 1: close 1.5% under VWAP with a 1% band.
  VwapStrategy t(params(R"({"mode": "rolling", "window": 2, "band_pct": 0.01})"));
  const auto u = run(t, std::vector<ah_bar>{{kT0, 100, 100, 100, 100, 1000},
                                            {kT0 + kDayMs, 100, 100, 100, 97, 0}});
  // TP of bar 1 = 99 but it has no volume: VWAP = 100; deviation -3% -> buy, 0.03/0.02 -> 1.
  EXPECT_NEAR(u[1].diag[0], 100.0, 1e-12);
  EXPECT_DOUBLE_EQ(u[1].confidence, 1.0);
  VwapStrategy v(params(R"({"mode": "rolling", "window": 2, "band_pct": 0.01})"));
  const auto w = run(v, std::vector<ah_bar>{{kT0, 100, 100, 100, 100, 1000},
                                            {kT0 + kDayMs, 100, 100, 100, 98.5, 0}});
  EXPECT_EQ(w[1].action, AH_BUY);
  EXPECT_NEAR(w[1].confidence, 0.015 / 0.02, 1e-12);
}

TEST(Vwap, BandEdgeIsNoSignal) {
  // window 1, band 50%: H = L = 12.5, C = 5 -> TP 10 = VWAP; close 5 == 10 * 0.5 -> hold.
  // H = L = 7.5, C = 15 -> TP 10; close 15 == 10 * 1.5 -> hold.
  VwapStrategy s(params(R"({"mode": "rolling", "window": 1, "band_pct": 0.5})"));
  const auto sigs = run(s, std::vector<ah_bar>{{kT0, 10, 12.5, 12.5, 5, 1},
                                               {kT0 + kDayMs, 10, 7.5, 7.5, 15, 1},
                                               {kT0 + 2 * kDayMs, 10, 12.5, 12.5, 4.25, 1}});
  EXPECT_EQ(sigs[0].diag[0], 10.0);
  EXPECT_EQ(sigs[0].action, AH_HOLD);
  EXPECT_EQ(sigs[1].diag[0], 10.0);
  EXPECT_EQ(sigs[1].action, AH_HOLD);
  // TP (12.5 + 12.5 + 4.25) / 3 = 9.75; 4.25 / 9.75 - 1 = -0.564 -> buy, 0.564 / 1.0.
  EXPECT_EQ(sigs[2].action, AH_BUY);
  EXPECT_NEAR(sigs[2].confidence, 1 - 4.25 / 9.75, 1e-12);
}

// The "ta" Python library's rolling VWAP (window 14) for StockCharts' sample data: bukosabino/ta,
// test/data/cs-vwap.csv (high, low, close, volume; vwap from the 14th row on).
const double kCsVwap[30][5] = {
    {24.8283, 24.3205, 24.7486, 18730.144, 0},
    {24.7586, 24.5993, 24.7088, 12271.74, 0},
    {25.1568, 24.7785, 25.0373, 24691.414, 0},
    {25.5848, 24.9477, 25.545, 18357.606, 0},
    {25.6844, 24.8083, 25.0672, 22964.08, 0},
    {25.336, 25.0572, 25.107, 15918.948, 0},
    {25.2862, 24.8482, 24.888, 16067.044, 0},
    {25.1269, 24.7496, 24.9975, 16568.487, 0},
    {25.2762, 24.9278, 25.0473, 16018.729, 0},
    {25.3857, 25.0274, 25.336, 9773.569, 0},
    {25.5351, 25.0473, 25.0572, 22572.712, 0},
    {25.6048, 25.0622, 25.4455, 12986.669, 0},
    {25.7441, 25.5351, 25.5649, 10906.659, 0},
    {25.7242, 25.4554, 25.555, 5799.259, 25.11402265022072},
    {25.6744, 25.2862, 25.4057, 7395.274, 25.168402599215426},
    {25.4455, 25.1667, 25.3658, 5818.162, 25.20144430295291},
    {25.3161, 24.9178, 25.0373, 7164.726, 25.224830276069326},
    {25.2563, 24.9079, 24.9178, 5672.914, 25.20440931025093},
    {25.0373, 24.8283, 24.878, 5624.742, 25.196687502882995},
    {25.0074, 24.7088, 24.9676, 5023.469, 25.189626838746534},
    {25.3061, 25.0274, 25.0473, 7457.091, 25.207347120469738},
    {25.117, 24.3404, 24.45, 11798.009, 25.187857717587413},
    {24.6889, 24.2708, 24.5694, 12366.132, 25.13631726721325},
    {24.5495, 23.8925, 24.0219, 13294.865, 25.03055511378965},
    {24.2708, 23.778, 23.8825, 9256.87, 24.91547606305806},
    {24.2708, 23.7232, 24.2011, 9690.604, 24.794771487236023},
    {24.5993, 24.2011, 24.2807, 8870.318, 24.683726453845228},
    {24.4798, 24.2409, 24.3305, 7168.965, 24.618745747839235},
    {24.5595, 23.4345, 24.44, 11356.18, 24.522768899085932},
    {25.16, 24.27, 25.0, 13379.374, 24.51628803159466}};

TEST(Vwap, AgreesWithIndependentTable) {
  std::vector<ah_bar> bars;
  for (size_t i = 0; i < 30; ++i)
    bars.push_back(ah_bar{kT0 + static_cast<int64_t>(i) * kDayMs, kCsVwap[i][2], kCsVwap[i][0],
                          kCsVwap[i][1], kCsVwap[i][2], kCsVwap[i][3]});
  VwapStrategy s(params(R"({"mode": "rolling", "window": 14, "band_pct": 0.02})"));
  const auto sigs = run(s, bars);
  for (size_t i = 0; i < 13; ++i) EXPECT_EQ(reason(sigs[i]), "warmup") << i;
  for (size_t i = 13; i < 30; ++i) {
    ASSERT_EQ(sigs[i].n_diag, 2u) << i;
    EXPECT_NEAR(sigs[i].diag[0], kCsVwap[i][4], 1e-9) << i;
    EXPECT_NEAR(sigs[i].diag[1], kCsVwap[i][2] / kCsVwap[i][4] - 1, 1e-9) << i;
  }
  // 23.8825 on 7-Jan-2011 is 4.1% under the 24.92 VWAP: a buy with a 2% band.
  EXPECT_EQ(sigs[24].action, AH_BUY);
  EXPECT_EQ(sigs[13].action, AH_HOLD);
}

// R TTR's VWAP(price, volume, 20) on ttrc: of the close (price "close") and of rowMeans(HLC)
// (price "typical", the default).
TEST(Vwap, AgreesWithRTtrOnTtrcForBothPrices) {
  const auto ref = ttrc_reference();
  ASSERT_EQ(ref.size(), 5550u);
  const auto bars = ttrc_bars(ref, kT0);
  for (const char* price : {"close", "typical"}) {
    SCOPED_TRACE(price);
    VwapStrategy s(params(std::string(R"({"mode": "rolling", "window": 20, "band_pct": 0.02, "price": ")") +
                          price + "\"}"));
    const auto sigs = run(s, bars);
    size_t buys = 0, sells = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double want = std::string(price) == "close" ? ref[i].vwap20_close : ref[i].vwap20_typical;
      if (i < 19) {
        ASSERT_TRUE(std::isnan(want)) << i;
        EXPECT_EQ(reason(sigs[i]), "warmup") << i;
        continue;
      }
      ASSERT_EQ(sigs[i].n_diag, 2u) << ref[i].date;
      EXPECT_NEAR(sigs[i].diag[0] / want, 1.0, 1e-10) << ref[i].date;
      expect_rule(sigs[i], ref[i].close, sigs[i].diag[0], 0.02, i);
      buys += sigs[i].action == AH_BUY;
      sells += sigs[i].action == AH_SELL;
    }
    EXPECT_GT(buys, 100u);
    EXPECT_GT(sells, 100u);
  }
}

// price "close": sum(close * volume) / sum(volume), computed from scratch, rolling and session;
// it differs from the typical-price VWAP on the same bars.
TEST(Vwap, CloseMatchesNaiveRollingAndSession) {
  auto bars = random_bars(1500, 321, 0.01, 3600000);
  for (size_t i = 400; i < 430; ++i) bars[i].volume = 0;
  auto naive_close = [&](size_t i, size_t from) {
    double pv = 0, v = 0;
    for (size_t k = from; k <= i; ++k) {
      pv += bars[k].close * bars[k].volume;
      v += bars[k].volume;
    }
    return v == 0 ? std::nan("") : pv / v;
  };
  VwapStrategy rolling(params(R"({"mode": "rolling", "window": 10, "band_pct": 0.004, "price": "close"})"));
  VwapStrategy typical(params(R"({"mode": "rolling", "window": 10, "band_pct": 0.004, "price": "typical"})"));
  VwapStrategy session(params(R"({"mode": "session", "window": 10, "band_pct": 0.004, "price": "close"})"));
  EXPECT_EQ(rolling.price(), VwapStrategy::Price::kClose);
  const auto rs = run(rolling, bars), ts = run(typical, bars), ss = run(session, bars);
  size_t differ = 0, signals = 0;
  for (size_t i = 9; i < bars.size(); ++i) {
    const double want = naive_close(i, i - 9);
    if (std::isnan(want)) {
      EXPECT_EQ(reason(rs[i]), "no_volume") << i;
      continue;
    }
    ASSERT_EQ(rs[i].n_diag, 2u) << i;
    EXPECT_NEAR(rs[i].diag[0], want, 1e-9) << i;
    expect_rule(rs[i], bars[i].close, want, 0.004, i);
    differ += std::fabs(rs[i].diag[0] - ts[i].diag[0]) > 1e-6;
    signals += rs[i].action != AH_HOLD;
  }
  EXPECT_GT(differ, 1000u);
  EXPECT_GT(signals, 50u);
  size_t day_start = 0;
  for (size_t i = 0; i < bars.size(); ++i) {
    if (i > 0 && bars[i].ts_ms / kDayMs != bars[i - 1].ts_ms / kDayMs) day_start = i;
    const double want = naive_close(i, day_start);
    if (std::isnan(want)) {
      EXPECT_EQ(reason(ss[i]), "no_volume") << i;
      continue;
    }
    EXPECT_NEAR(ss[i].diag[0], want, 1e-9) << i;
  }
}

TEST(Vwap, RollingMatchesNaiveAndRules) {
  for (size_t w : {1u, 5u, 20u, 64u}) {
    SCOPED_TRACE("window " + std::to_string(w));
    auto bars = random_bars(2000, 500 + w, 0.01);
    for (size_t i = 700; i < 800; ++i) bars[i].volume = 0;  // a stretch without volume
    const double band = 0.01;
    VwapStrategy s(params(R"({"mode": "rolling", "window": )" + std::to_string(w) +
                          R"(, "band_pct": 0.01})"));
    const auto sigs = run(s, bars);
    std::set<double> confs;
    size_t no_volume = 0;
    for (size_t i = 0; i < bars.size(); ++i) {
      if (i + 1 < w) {
        EXPECT_EQ(reason(sigs[i]), "warmup");
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        continue;
      }
      const double vwap = naive_rolling(bars, i, w);
      if (std::isnan(vwap)) {
        EXPECT_EQ(reason(sigs[i]), "no_volume") << i;
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        ++no_volume;
        continue;
      }
      ASSERT_EQ(sigs[i].n_diag, 2u) << i;
      EXPECT_NEAR(sigs[i].diag[0], vwap, 1e-9) << i;
      EXPECT_NEAR(sigs[i].diag[1], bars[i].close / vwap - 1, 1e-9) << i;
      expect_rule(sigs[i], bars[i].close, vwap, band, i);
      if (sigs[i].action != AH_HOLD) confs.insert(sigs[i].confidence);
    }
    EXPECT_EQ(no_volume, 100 - (w - 1));
    EXPECT_GT(confs.size(), w == 1 ? 5u : 20u);  // confidence varies with the deviation
  }
}

TEST(Vwap, SessionResetsAtUtcMidnight) {
  // Hourly bars starting 21:00 UTC: the session restarts every 24 bars, at 00:00 UTC.
  const auto bars = random_bars(24 * 5, 9, 0.004, 3600000, kT0 - 3 * 3600000);
  VwapStrategy s(params(kSession));
  const auto sigs = run(s, bars);
  size_t resets = 0, buys = 0, sells = 0;
  for (size_t i = 0; i < bars.size(); ++i) {
    const double vwap = naive_session(bars, i);
    ASSERT_EQ(sigs[i].n_diag, 2u) << i;  // no warm-up in session mode
    EXPECT_NEAR(sigs[i].diag[0], vwap, 1e-9) << i;
    if (bars[i].ts_ms % kDayMs == 0 || i == 0) {
      // First bar of a session: VWAP is that bar's typical price.
      EXPECT_NEAR(sigs[i].diag[0], tp(bars[i]), 1e-12) << i;
      ++resets;
    }
    expect_rule(sigs[i], bars[i].close, vwap, 0.005, i);
    buys += sigs[i].action == AH_BUY;
    sells += sigs[i].action == AH_SELL;
  }
  EXPECT_EQ(resets, 6u);  // the partial first day plus 5 midnights
  EXPECT_GT(buys, 3u);
  EXPECT_GT(sells, 3u);
}

TEST(Vwap, SessionZeroVolumeAndUtcDay) {
  EXPECT_EQ(VwapStrategy::utc_day(0), 0);
  EXPECT_EQ(VwapStrategy::utc_day(kDayMs - 1), 0);
  EXPECT_EQ(VwapStrategy::utc_day(kDayMs), 1);
  EXPECT_EQ(VwapStrategy::utc_day(-1), -1);
  EXPECT_EQ(VwapStrategy::utc_day(-kDayMs), -1);
  EXPECT_EQ(VwapStrategy::utc_day(-kDayMs - 1), -2);

  // A session whose first bars have no volume holds with "no_volume" until volume appears.
  std::vector<ah_bar> bars = {{kT0 - 60000, 10, 10, 10, 10, 5},     // previous day
                              {kT0, 10, 10, 10, 10, 0},             // new day, no volume
                              {kT0 + 60000, 10, 10, 10, 10, 0},
                              {kT0 + 120000, 10, 13, 10, 10, 3}};  // TP 11
  VwapStrategy s(params(kSession));
  const auto sigs = run(s, bars);
  EXPECT_NEAR(sigs[0].diag[0], 10.0, 1e-12);
  EXPECT_EQ(reason(sigs[1]), "no_volume");
  EXPECT_EQ(reason(sigs[2]), "no_volume");
  EXPECT_NEAR(sigs[3].diag[0], 11.0, 1e-12);
  EXPECT_EQ(sigs[3].action, AH_BUY);  // 10 < 11 * 0.995
}

TEST(Vwap, ParameterErrors) {
  EXPECT_THROW(VwapStrategy(params(R"({"window": 20, "band_pct": 0.01})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "weekly", "window": 20, "band_pct": 0.01})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": 1, "window": 20, "band_pct": 0.01})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "rolling", "band_pct": 0.01})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "rolling", "window": 20})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "rolling", "window": 0, "band_pct": 0.01})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "rolling", "window": 20, "band_pct": 0})")),
               std::invalid_argument);
  EXPECT_THROW(VwapStrategy(params(R"({"mode": "rolling", "window": 20, "band_pct": 0.01, "price": "open"})")),
               std::invalid_argument);
  // Without `price` (a caller that predates it): the typical price.
  EXPECT_EQ(VwapStrategy(params(kRolling)).price(), VwapStrategy::Price::kTypical);
  const ah_strategy_api* api = sdk::api_for<VwapStrategy>("vwap");
  expect_create_error(api, R"({"mode": "weekly", "window": 20, "band_pct": 0.01})", "mode");
  expect_create_error(api, R"({"mode": "rolling", "window": 20, "band_pct": 0.01, "price": "hl2"})", "price");
  expect_create_error(api, R"({"mode": "session", "window": "20", "band_pct": 0.01})", "window");
}

TEST(Vwap, StateContinuityRolling) {
  auto bars = random_bars(400, 15, 0.01);
  for (size_t i = 200; i < 230; ++i) bars[i].volume = 0;
  check_state_continuity<VwapStrategy>(kRolling, bars, {0, 1, 19, 20, 21, 215, 250, 399, 400});
}

TEST(Vwap, StateContinuitySession) {
  const auto bars = random_bars(24 * 4, 16, 0.004, 3600000);
  check_state_continuity<VwapStrategy>(kSession, bars, {0, 1, 23, 24, 25, 50, 96});
}

TEST(Vwap, StateContinuityClose) {
  check_state_continuity<VwapStrategy>(
      R"({"mode": "rolling", "window": 20, "band_pct": 0.01, "price": "close"})",
      random_bars(200, 17, 0.01), {0, 19, 20, 21, 150, 200});
}

TEST(Vwap, StateRefusesOtherModeWindowOrPrice) {
  VwapStrategy a(params(kRolling));
  run(a, random_bars(30, 1));
  VwapStrategy close(params(R"({"mode": "rolling", "window": 20, "band_pct": 0.01, "price": "close"})"));
  EXPECT_THROW(close.import_state(a.export_state()), std::invalid_argument);
  // State written before `price` existed (1.0.0) is the typical price's.
  std::string old_state = a.export_state();
  const size_t at = old_state.find("price=");
  ASSERT_NE(at, std::string::npos);
  old_state.erase(at, old_state.find('\n', at) + 1 - at);
  VwapStrategy typical(params(kRolling));
  EXPECT_NO_THROW(typical.import_state(old_state));
  EXPECT_THROW(close.import_state(old_state), std::invalid_argument);
  VwapStrategy b(params(kSession));
  EXPECT_THROW(b.import_state(a.export_state()), std::invalid_argument);
  VwapStrategy c(params(R"({"mode": "rolling", "window": 10, "band_pct": 0.01})"));
  EXPECT_THROW(c.import_state(a.export_state()), std::invalid_argument);
}

TEST(Vwap, ApiBatchSliceAndPerBarAgree) {
  check_api_equivalence<VwapStrategy>("vwap", kRolling, random_bars(500, 25, 0.01),
                                      {"vwap", "deviation"});
  check_api_equivalence<VwapStrategy>("vwap", kSession, random_bars(500, 26, 0.004, 3600000),
                                      {"vwap", "deviation"});
}

}  // namespace
}  // namespace algohost::test
