// plugins/common/rolling.hpp: ring buffer, rolling sum, SMA-seeded EMA.
#include "common/rolling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.hpp"

namespace algohost::test {
namespace {

using namespace algohost::plugins::rolling;

TEST(Rolling, Clamp01) {
  EXPECT_EQ(clamp01(-0.5), 0.0);
  EXPECT_EQ(clamp01(0.25), 0.25);
  EXPECT_EQ(clamp01(3.0), 1.0);
  EXPECT_EQ(clamp01(std::nan("")), 0.0);
}

TEST(Rolling, RingEvictsOldestAndIndexesBack) {
  Ring r(3);
  EXPECT_FALSE(r.full());
  EXPECT_EQ(r.push(1), 0.0);
  EXPECT_EQ(r.push(2), 0.0);
  EXPECT_EQ(r.push(3), 0.0);
  EXPECT_TRUE(r.full());
  EXPECT_EQ(r.oldest(), 1.0);
  EXPECT_EQ(r.ago(0), 3.0);
  EXPECT_EQ(r.ago(2), 1.0);
  EXPECT_EQ(r.push(4), 1.0);
  EXPECT_EQ(r.push(5), 2.0);
  EXPECT_EQ(r.ago(0), 5.0);
  EXPECT_EQ(r.ago(1), 4.0);
  EXPECT_EQ(r.ago(2), 3.0);
  EXPECT_EQ(r.size(), 3u);
}

TEST(Rolling, RingRestoreValidates) {
  Ring r(3);
  EXPECT_THROW(r.restore({1, 2}, 0, 2), std::invalid_argument);      // wrong capacity
  EXPECT_THROW(r.restore({1, 2, 3}, 3, 3), std::invalid_argument);   // pos out of range
  EXPECT_THROW(r.restore({1, 2, 0}, 0, 2), std::invalid_argument);   // not full: pos == size
  r.restore({7, 8, 9}, 1, 3);
  EXPECT_EQ(r.ago(0), 7.0);
  EXPECT_EQ(r.oldest(), 8.0);
}

TEST(Rolling, RollingSumMatchesNaiveOverLongSeries) {
  Rng rng(5);
  const size_t w = 17;
  RollingSum s(w);
  std::vector<double> xs;
  for (int i = 0; i < 100000; ++i) {
    // Wildly varying magnitudes stress the incremental update.
    const double x = (i % 1000 == 0 ? 1e9 : 1.0) * rng.uniform();
    xs.push_back(x);
    s.push(x);
    if (i % 997 == 0 || i > 99980) {
      double naive = 0;
      for (size_t k = xs.size() >= w ? xs.size() - w : 0; k < xs.size(); ++k) naive += xs[k];
      EXPECT_NEAR(s.sum(), naive, 1e-9 * std::max(1.0, naive)) << i;
    }
  }
}

TEST(Rolling, RollingSumOfZerosIsExactlyZero) {
  RollingSum s(4);
  for (double x : {0.1, 0.2, 0.3, 0.0}) s.push(x);
  EXPECT_NEAR(s.sum(), 0.6, 1e-15);
  s.push(0);
  s.push(0);
  EXPECT_NE(s.sum(), 0.0);
  s.push(0);  // the last non-zero value leaves; this push does not complete a lap of the ring
  EXPECT_EQ(s.sum(), 0.0);  // not a rounding residue of 0.1 + 0.2 + 0.3 - 0.1 - 0.2 - 0.3
  EXPECT_EQ(s.nonzero(), 0u);
}

TEST(Rolling, SeededEmaMatchesNaive) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 10, 3, 2};
  SeededEma e(4);
  // Seed: mean(1, 2, 3, 4) = 2.5; alpha = 0.4.
  double naive = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const bool ready = e.push(x[i]);
    EXPECT_EQ(ready, i >= 3);
    if (i == 3) naive = 2.5;
    if (i > 3) naive = 0.4 * x[i] + 0.6 * naive;
    if (ready) {
      EXPECT_NEAR(e.value(), naive, 1e-12) << i;
    }
  }
  // 5 -> 3.5, 6 -> 4.5, 7 -> 5.5, 10 -> 7.3
  SeededEma f(4);
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 10.0}) f.push(v);
  EXPECT_NEAR(f.value(), 7.3, 1e-12);
}

}  // namespace
}  // namespace algohost::test
