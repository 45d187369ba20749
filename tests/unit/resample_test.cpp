// Resampling to a longer timeframe: the bars equal a reference resampling computed another way
// (every base bar grouped by its UTC bucket with std::map, then folded), and no resampled bar is
// seen before the last base bar it is made of has closed — nor later than the bar that closes its
// bucket. Series with missing bars, periods from 5m to 1d.
#include "host/data/resample.h"

#include <cstdint>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace algohost {
namespace {

// A random walk of `n` bars every `step` ms from `start`, dropping about `drop` of them.
BarSeries walk(size_t n, int64_t start, int64_t step, double drop, uint32_t seed, bool carry = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  BarSeries s;
  s.symbol = "W";
  double p = 100;
  for (size_t i = 0; i < n; ++i) {
    const double o = p;
    p *= 1 + (u(rng) - 0.5) * 0.02;
    if (u(rng) < drop) continue;
    s.push(ah_bar{start + static_cast<int64_t>(i) * step, o, std::max(o, p) * (1 + u(rng) * 0.01),
                  std::min(o, p) * (1 - u(rng) * 0.01), p, std::floor(u(rng) * 1000)});
    if (carry) s.carry.push_back(u(rng));
  }
  return s;
}

struct RefBar {
  double open = 0, high = 0, low = 0, close = 0, volume = 0, carry = 0;
  size_t last_index = 0;  // the bucket's last base bar
};

// The reference: each bucket's bars in a map keyed by floor(ts / period), folded in time order.
std::map<int64_t, RefBar> reference(const BarSeries& s, int64_t period) {
  std::map<int64_t, std::vector<size_t>> members;
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t b = s.ts_ms[i] / period;
    if (s.ts_ms[i] < 0 && s.ts_ms[i] % period) --b;
    members[b].push_back(i);
  }
  std::map<int64_t, RefBar> out;
  for (const auto& [b, idx] : members) {
    RefBar r;
    r.open = s.open[idx.front()];
    r.close = s.close[idx.back()];
    r.high = s.high[idx.front()];
    r.low = s.low[idx.front()];
    for (size_t i : idx) {
      if (s.high[i] > r.high) r.high = s.high[i];
      if (s.low[i] < r.low) r.low = s.low[i];
      r.volume += s.volume[i];
    }
    if (!s.carry.empty()) r.carry = s.carry[idx.back()];
    r.last_index = idx.back();
    out[b * period] = r;
  }
  return out;
}

TEST(Resample, BarsEqualAReferenceResamplingAndAreNeverSeenEarly) {
  struct Case {
    int64_t base, period;
    size_t n;
    double drop;
    int64_t start;
  };
  const Case cases[] = {
      {60'000, 300'000, 5000, 0.0, 1'700'000'000'000},         // 1m -> 5m, complete
      {60'000, 3'600'000, 20000, 0.1, 1'700'000'000'000},  // 1m -> 1h, gaps
      {3'600'000, 86'400'000, 3000, 0.25, 1'600'000'000'000 - 1'600'000'000'000 % 3'600'000},  // 1h -> 1d
      {900'000, 14'400'000, 4000, 0.5, int64_t{-86'400'000} * 30},       // 15m -> 4h before the epoch, half missing
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE("base " + std::to_string(c.base) + " ms -> " + std::to_string(c.period) + " ms");
    const bool carry = seed % 2 == 0;
    const BarSeries s = walk(c.n, c.start, c.base, c.drop, seed++, carry);
    auto r = resample(s, c.base, c.period);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const auto ref = reference(s, c.period);
    ASSERT_EQ(r->bars.size(), ref.size());
    ASSERT_EQ(r->visible_at.size(), ref.size());
    size_t k = 0;
    for (const auto& [start, want] : ref) {
      SCOPED_TRACE("bar " + std::to_string(k));
      EXPECT_EQ(r->bars.ts_ms[k], start);
      EXPECT_EQ(r->bars.open[k], want.open);
      EXPECT_EQ(r->bars.high[k], want.high);
      EXPECT_EQ(r->bars.low[k], want.low);
      EXPECT_EQ(r->bars.close[k], want.close);
      EXPECT_DOUBLE_EQ(r->bars.volume[k], want.volume);
      if (!s.carry.empty()) {
        EXPECT_EQ(r->bars.carry[k], want.carry);
      }
      // Never before the last base bar it is made of; and by the first base bar at or past the
      // bucket's end in time (that bar's period reaches it, or it lies in a later bucket).
      const size_t v = r->visible_at[k];
      EXPECT_GE(v, want.last_index);
      size_t due = s.size();
      for (size_t i = want.last_index; i < s.size(); ++i)
        if (s.ts_ms[i] + c.base >= start + c.period) {
          due = i;
          break;
        }
      EXPECT_EQ(v, due);
      ++k;
    }
    // complete_at(i) counts exactly the bars visible at i.
    for (size_t i = 0; i < s.size(); i += 7) {
      size_t want = 0;
      while (want < r->visible_at.size() && r->visible_at[want] <= i) ++want;
      EXPECT_EQ(r->complete_at(i), want) << "at base bar " << i;
    }
  }
}

TEST(Resample, ABucketTheDataEndsInsideIsNeverSeen) {
  const BarSeries s = walk(90, 0, 60'000, 0, 3);  // 1m bars 00:00 .. 01:29
  auto r = resample(s, 60'000, 3'600'000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->bars.size(), 2u);
  EXPECT_EQ(r->visible_at[0], 59u);       // the 00:59 bar closes at 01:00
  EXPECT_EQ(r->visible_at[1], s.size());  // 01:00 .. 01:29 is still open
  EXPECT_EQ(r->complete_at(58), 0u);
  EXPECT_EQ(r->complete_at(59), 1u);
  EXPECT_EQ(r->complete_at(89), 1u);
}

TEST(Resample, BadPeriodsAndUnorderedBarsAreRefusedByName) {
  const BarSeries s = walk(10, 0, 3'600'000, 0, 4);
  for (int64_t p : {int64_t{3'600'000}, int64_t{5'400'000}, int64_t{60'000}, int64_t{0}}) {
    auto r = resample(s, 3'600'000, p);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_NE(r.status().message().find("not a whole multiple"), std::string::npos) << r.status().message();
  }
  BarSeries back = s;
  back.ts_ms[5] = back.ts_ms[4];
  auto r = resample(back, 3'600'000, 86'400'000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bar 5"), std::string::npos) << r.status().message();
  EXPECT_EQ(*timeframe_ms("4h"), 14'400'000);
  auto bad = timeframe_ms("3d");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'3d'"), std::string::npos);
}

}  // namespace
}  // namespace algohost
