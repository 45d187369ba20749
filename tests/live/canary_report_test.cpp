// canary_comparison (host/live/canary_report.h): the canary against the running version over the
// window, by MEM's verdict test. Curves are built here with a planted daily edge, so the verdict's
// direction is known; the returns and the MEM reading are computed by hand.
#include "host/live/canary_report.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace algohost::live {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kStart = 20'000 * kDay;  // a UTC midnight

struct Window {
  std::vector<metrics::EquityPoint> lane, canary;
  std::vector<ClosedTrade> lane_closed, canary_closed;
  CanaryView view() const {
    CanaryView v;
    v.label = "probe@2.0.0";
    v.since_ms = kStart + 1;
    v.split_ms = kStart;
    v.lane_equity = lane;
    v.canary_equity = canary;
    v.lane_closed = lane_closed;
    v.canary_closed = canary_closed;
    return v;
  }
};

// `days` daily closes after the anchors: the lane's returns are noise, the canary's the same
// noise plus `edge` a day (and some noise of its own).
Window planted(int days, double edge, uint32_t seed) {
  Window w;
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.01), own(0.0, 0.001);
  double le = 120'000, ce = 100'000;
  w.lane.push_back({kStart - 1, le});
  w.canary.push_back({kStart - 1, ce});
  for (int d = 0; d < days; ++d) {
    const double r = noise(rng);
    le *= 1 + r;
    ce *= 1 + r + edge + own(rng);
    const int64_t ts = kStart + d * kDay + 20 * 3'600'000;
    w.lane.push_back({ts, le});
    w.canary.push_back({ts, ce});
  }
  return w;
}

TEST(CanaryReport, APlantedEdgeIsCalledForTheCanaryAndItsLackAgainstIt) {
  const Window better = planted(130, 0.002, 5);
  const auto j = canary_comparison(better.view(), "probe@1.0.0", 252, 0.0, false);
  EXPECT_EQ(j["verdict"]["verdict"], "canary better") << j.dump(2);
  EXPECT_TRUE(j["verdict"]["significant"].get<bool>());
  EXPECT_GT(j["verdict"]["hac_t"].get<double>(), 2.0);
  EXPECT_EQ(j["days"], 130);
  EXPECT_EQ(j["running"]["label"], "probe@1.0.0");
  EXPECT_EQ(j["canary"]["label"], "probe@2.0.0");
  // Total returns from each arm's anchor, by hand.
  EXPECT_NEAR(j["running"]["total_return"].get<double>(), better.lane.back().equity / 120'000 - 1, 1e-12);
  EXPECT_NEAR(j["canary"]["total_return"].get<double>(), better.canary.back().equity / 100'000 - 1, 1e-12);
  EXPECT_GT(j["sharpe"]["canary"].get<double>(), j["sharpe"]["running"].get<double>());
  ASSERT_TRUE(j["sharpe"]["ci95"].is_array());
  EXPECT_GT(j["sharpe"]["ci95"][1].get<double>(), j["sharpe"]["ci95"][0].get<double>());
  EXPECT_TRUE(j["running"]["mem"].is_null());

  Window worse = planted(130, -0.002, 5);
  EXPECT_EQ(canary_comparison(worse.view(), "probe@1.0.0", 252, 0.0, false)["verdict"]["verdict"], "canary worse");
}

TEST(CanaryReport, TheSameReturnsAreWithinNoiseWithNoDifference) {
  Window same = planted(120, 0.0, 9);
  for (size_t k = 0; k < same.lane.size(); ++k) same.canary[k].equity = same.lane[k].equity / 1.2;
  const auto j = canary_comparison(same.view(), "probe@1.0.0", 252, 0.0, false);
  EXPECT_EQ(j["verdict"]["verdict"], "within noise");
  EXPECT_FALSE(j["verdict"]["significant"].get<bool>());
  EXPECT_NEAR(j["sharpe"]["difference"].get<double>(), 0.0, 1e-9);
  // A short window: too few days to call anything, whatever the edge.
  const auto short_j = canary_comparison(planted(10, 0.01, 3).view(), "probe@1.0.0", 252, 0.0, false);
  EXPECT_EQ(short_j["verdict"]["verdict"], "within noise");
}

ClosedTrade trade(int64_t entry, double pnl, double boost) {
  ClosedTrade t;
  t.entry_ms = entry;
  t.exit_ms = entry + kDay;
  t.quantity = 1;
  t.entry_price = 100;
  t.exit_price = 100 + pnl;
  t.pnl = pnl;
  t.was_enhanced = true;
  t.confidence_boost = boost;
  return t;
}

// Trades entered before the canary began are not the window's; the MEM reading counts what MEM
// raised and lowered and how those trades ended.
TEST(CanaryReport, OnlyTheWindowsTradesCountAndMemsReadingIsPerArm) {
  Window w = planted(40, 0.0, 11);
  w.lane_closed = {trade(kStart - 5 * kDay, 50, 0.2),  // before the window
                   trade(kStart + 1 * kDay, 10, 0.1), trade(kStart + 3 * kDay, -5, 0.2), trade(kStart + 5 * kDay, 7, -0.1)};
  w.canary_closed = {trade(kStart + 2 * kDay, -3, -0.2), trade(kStart + 4 * kDay, -2, -0.1)};
  w.canary_closed.push_back(trade(kStart + 6 * kDay, 1, 0.0));
  w.canary_closed.back().was_enhanced = false;
  const auto j = canary_comparison(w.view(), "probe@1.0.0", 252, 0.0, true);
  EXPECT_EQ(j["running"]["trades"], 3);
  EXPECT_EQ(j["canary"]["trades"], 3);
  const auto& lm = j["running"]["mem"];
  EXPECT_EQ(lm["entries_judged"], 3);
  EXPECT_NEAR(lm["mean_confidence_boost"].get<double>(), (0.1 + 0.2 - 0.1) / 3, 1e-12);
  EXPECT_EQ(lm["raised"], 2);
  EXPECT_DOUBLE_EQ(lm["raised_win_rate"].get<double>(), 0.5);
  EXPECT_EQ(lm["lowered"], 1);
  EXPECT_DOUBLE_EQ(lm["lowered_win_rate"].get<double>(), 1.0);
  const auto& cm = j["canary"]["mem"];
  EXPECT_EQ(cm["entries_judged"], 2);
  EXPECT_EQ(cm["raised"], 0);
  EXPECT_TRUE(cm["raised_win_rate"].is_null());
  EXPECT_DOUBLE_EQ(cm["lowered_win_rate"].get<double>(), 0.0);
}

}  // namespace
}  // namespace algohost::live
