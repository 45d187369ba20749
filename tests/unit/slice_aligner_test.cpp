#include "host/data/slice_aligner.h"

#include <gtest/gtest.h>

namespace algohost {
namespace {

BarSeries series(const std::string& sym, std::vector<int64_t> ts) {
  BarSeries s;
  s.symbol = sym;
  for (int64_t t : ts) s.push({t, double(t), double(t), double(t), double(t), 1});
  return s;
}

TEST(SliceAligner, UnionOfTimestampsWithCarriedBars) {
  BarSeries a = series("A", {1, 2, 4});
  BarSeries b = series("B", {2, 3});
  SliceAligner al({&a, &b});
  std::vector<std::tuple<int64_t, int, int, double>> seen;  // ts, has A, has B, B's close
  while (al.next()) {
    const ah_slice& s = al.slice();
    ASSERT_EQ(s.n_symbols, 2u);
    // Nothing from the future: every bar in the slice is at or before the slice's time.
    for (uint32_t i = 0; i < s.n_symbols; ++i) EXPECT_LE(s.bars[i].ts_ms, s.ts_ms);
    seen.emplace_back(s.ts_ms, s.has_bar[0], s.has_bar[1], s.bars[1].close);
  }
  std::vector<std::tuple<int64_t, int, int, double>> want = {
      {1, 1, 0, 0.0}, {2, 1, 1, 2.0}, {3, 0, 1, 3.0}, {4, 1, 0, 3.0}};
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace algohost
