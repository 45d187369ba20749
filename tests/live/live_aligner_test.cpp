// LiveAligner: slices emitted when complete or when a later bar arrives; older and duplicate bars
// refused without changing anything; flush; concurrent pushes lose nothing.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "host/live/feeds.h"

namespace algohost::live {
namespace {

ah_bar bar_at(int64_t ts, double close) { return ah_bar{ts, close, close + 1, close - 1, close, 10}; }

struct Collector {
  std::mutex mu;
  std::vector<OwnedSlice> slices;
  SliceSink sink() {
    return [this](OwnedSlice s) {
      std::lock_guard lock(mu);
      slices.push_back(std::move(s));
      return true;
    };
  }
};

TEST(LiveAligner, EmitsWhenEverySymbolHasItsBar) {
  Collector out;
  LiveAligner a({"A", "B"}, out.sink());
  ASSERT_TRUE(a.push("A", bar_at(1000, 10)).ok());
  EXPECT_TRUE(out.slices.empty());
  ASSERT_TRUE(a.push("B", bar_at(1000, 20)).ok());
  ASSERT_EQ(out.slices.size(), 1u);
  const OwnedSlice& s = out.slices[0];
  EXPECT_EQ(s.ts_ms, 1000);
  EXPECT_EQ(s.has_bar, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(s.bars[0].close, 10);
  EXPECT_EQ(s.bars[1].close, 20);
  EXPECT_EQ(s.bar_count(), 2);
  EXPECT_TRUE(s.carry.empty());
  EXPECT_EQ(a.bars_accepted(), 2u);
}

TEST(LiveAligner, EmitsWhenALaterBarArrives) {
  Collector out;
  LiveAligner a({"A", "B"}, out.sink());
  ASSERT_TRUE(a.push("B", bar_at(1000, 20)).ok());
  ASSERT_TRUE(a.push("B", bar_at(2000, 21)).ok());  // A has no bar at 1000
  ASSERT_EQ(out.slices.size(), 1u);
  EXPECT_EQ(out.slices[0].ts_ms, 1000);
  EXPECT_EQ(out.slices[0].has_bar, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(out.slices[0].bars[0].close, 0);  // no bar of A yet: zeros
  ASSERT_TRUE(a.push("A", bar_at(2000, 11)).ok());
  ASSERT_EQ(out.slices.size(), 2u);
  ASSERT_TRUE(a.push(1u, bar_at(3000, 22)).ok());  // by index
  ASSERT_TRUE(a.push("B", bar_at(4000, 23)).ok());
  ASSERT_EQ(out.slices.size(), 3u);
  const OwnedSlice& s = out.slices[2];
  EXPECT_EQ(s.ts_ms, 3000);
  EXPECT_EQ(s.has_bar, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(s.bars[0].close, 11);  // A's slot repeats its last bar, as SliceAligner does
  EXPECT_EQ(s.bars[0].ts_ms, 2000);
  EXPECT_EQ(s.bars[1].close, 22);
}

TEST(LiveAligner, RefusesOlderAndDuplicateBarsAndChangesNothing) {
  Collector out;
  LiveAligner a({"A", "B"}, out.sink());
  ASSERT_TRUE(a.push("A", bar_at(1'704'153'600'000, 10)).ok());
  ASSERT_TRUE(a.push("A", bar_at(1'704'240'000'000, 11)).ok());  // emits the first day's slice
  ASSERT_EQ(out.slices.size(), 1u);

  Status older = a.push("B", bar_at(1'704'153'600'000, 99));
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(older.message().find("B"), std::string::npos) << older.message();
  EXPECT_NE(older.message().find("2024-01-02T00:00:00Z"), std::string::npos) << older.message();
  EXPECT_NE(older.message().find("2024-01-03T00:00:00Z"), std::string::npos) << older.message();

  Status duplicate = a.push("A", bar_at(1'704'240'000'000, 99));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(duplicate.message().find("A already has a bar at 2024-01-03T00:00:00Z"), std::string::npos)
      << duplicate.message();

  EXPECT_EQ(a.bars_accepted(), 2u);
  EXPECT_EQ(a.bars_refused(), 2u);
  EXPECT_EQ(out.slices.size(), 1u);
  a.flush();
  ASSERT_EQ(out.slices.size(), 2u);
  const OwnedSlice& s = out.slices[1];
  EXPECT_EQ(s.ts_ms, 1'704'240'000'000);
  EXPECT_EQ(s.has_bar, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(s.bars[0].close, 11);  // the first bar, not the refused duplicate
  EXPECT_EQ(s.bars[1].close, 0);   // the refused older bar of B left no trace

  // A bar for a slice that has already gone (emitted complete) is refused too.
  Collector out2;
  LiveAligner b({"A", "B"}, out2.sink());
  ASSERT_TRUE(b.push("A", bar_at(1000, 1)).ok());
  ASSERT_TRUE(b.push("B", bar_at(1000, 2)).ok());
  Status late = b.push("A", bar_at(1000, 3));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.message().find("has already gone"), std::string::npos) << late.message();
  b.flush();
  EXPECT_EQ(out2.slices.size(), 1u);
}

TEST(LiveAligner, UnknownSymbols) {
  Collector out;
  LiveAligner a({"AAA", "BBB"}, out.sink());
  Status s = a.push("XYZ", bar_at(1000, 1));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "bar.symbol: 'XYZ' is not a symbol of this host (it has: AAA, BBB)");
  EXPECT_FALSE(a.push(2u, bar_at(1000, 1)).ok());
  EXPECT_EQ(a.bars_refused(), 2u);
  EXPECT_EQ(a.bars_accepted(), 0u);
}

TEST(LiveAligner, FlushEmitsTheOpenSliceOnce) {
  Collector out;
  LiveAligner a({"A", "B", "C"}, out.sink());
  a.flush();  // nothing open
  EXPECT_TRUE(out.slices.empty());
  ASSERT_TRUE(a.push("C", bar_at(5000, 3), 0.02).ok());
  a.flush();
  a.flush();
  ASSERT_EQ(out.slices.size(), 1u);
  EXPECT_EQ(out.slices[0].ts_ms, 5000);
  EXPECT_EQ(out.slices[0].has_bar, (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(out.slices[0].carry, (std::vector<double>{0, 0, 0.02}));
  // After a flush the slice has gone: a bar at its time is late, a later one opens a new slice.
  EXPECT_FALSE(a.push("A", bar_at(5000, 1)).ok());
  ASSERT_TRUE(a.push("A", bar_at(6000, 1)).ok());
  a.flush();
  ASSERT_EQ(out.slices.size(), 2u);
  EXPECT_EQ(out.slices[1].carry, (std::vector<double>{0, 0, 0.02}));  // C's latest carry is kept
}

TEST(LiveAligner, ConcurrentPushesLoseNothing) {
  constexpr int kThreads = 6, kBars = 3000;
  std::vector<std::string> symbols;
  for (int i = 0; i < kThreads; ++i) symbols.push_back(std::string("S").append(std::to_string(i)));
  Collector out;
  LiveAligner a(symbols, out.sink());
  std::atomic<uint64_t> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kBars; ++i) {
        Status s = a.push(static_cast<uint32_t>(t), bar_at(i * 1000, t * 100 + i));
        (s.ok() ? ok : refused)++;
      }
    });
  for (auto& th : threads) th.join();
  a.flush();
  EXPECT_EQ(ok + refused, uint64_t{kThreads * kBars});
  EXPECT_EQ(a.bars_accepted(), ok.load());
  EXPECT_EQ(a.bars_refused(), refused.load());
  uint64_t in_slices = 0;
  int64_t last = INT64_MIN;
  for (const auto& s : out.slices) {
    in_slices += s.bar_count();
    EXPECT_GT(s.ts_ms, last);
    last = s.ts_ms;
    for (size_t i = 0; i < s.bars.size(); ++i)
      if (s.has_bar[i]) {
        EXPECT_EQ(s.bars[i].ts_ms, s.ts_ms);
        EXPECT_EQ(s.bars[i].close, static_cast<double>(i * 100 + s.ts_ms / 1000));
      }
  }
  EXPECT_EQ(in_slices, a.bars_accepted());
  EXPECT_GT(a.bars_accepted(), 0u);
}

// The same in lockstep (a barrier between timestamps): every bar is accepted and every slice is
// complete, however the threads interleave within a timestamp.
TEST(LiveAligner, ConcurrentPushesInLockstepAllAccepted) {
  constexpr int kThreads = 4, kBars = 1000;
  std::vector<std::string> symbols;
  for (int i = 0; i < kThreads; ++i) symbols.push_back(std::string("S").append(std::to_string(i)));
  Collector out;
  LiveAligner a(symbols, out.sink());
  std::barrier sync(kThreads);
  std::atomic<uint64_t> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kBars; ++i) {
        if (!a.push(static_cast<uint32_t>(t), bar_at(i * 1000, t * 100 + i)).ok()) ++failed;
        sync.arrive_and_wait();
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0u);
  EXPECT_EQ(a.bars_accepted(), uint64_t{kThreads * kBars});
  ASSERT_EQ(out.slices.size(), size_t{kBars});  // each emitted as soon as complete: nothing left to flush
  for (int i = 0; i < kBars; ++i) {
    EXPECT_EQ(out.slices[i].ts_ms, (i + 1) * 1000);
    EXPECT_EQ(out.slices[i].bar_count(), kThreads);
  }
}

}  // namespace
}  // namespace algohost::live
