// ReplayFeed: every bar fed once in time order; the rate is a lower bound on the time taken;
// stop() and a refusing sink end it; loop shifts timestamps past the last one.
#include <gtest/gtest.h>

#include <thread>

#include "host/data/synthetic.h"
#include "host/live/feeds.h"

namespace algohost::live {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

BarSeries series(const std::string& symbol, std::vector<int64_t> ts) {
  BarSeries s;
  s.symbol = symbol;
  for (int64_t t : ts) s.push(ah_bar{t, t / 1000.0, t / 1000.0 + 1, t / 1000.0, t / 1000.0 + 0.5, 1});
  return s;
}

struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<OwnedSlice> slices;
  size_t refuse_after = SIZE_MAX;  // the sink returns false on this call (1-based), and after
  size_t calls = 0;
  SliceSink sink() {
    return [this](OwnedSlice s) {
      std::lock_guard lock(mu);
      if (++calls >= refuse_after) return false;
      slices.push_back(std::move(s));
      cv.notify_all();
      return true;
    };
  }
  bool wait_for_slices(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 20s, [&] { return slices.size() >= n; });
  }
};

bool wait_done(const ReplayFeed& feed) {
  const auto deadline = Clock::now() + 30s;
  while (!feed.done() && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  return feed.done();
}

TEST(ReplayFeed, FeedsEveryBarOnceInTimeOrder) {
  MarketData data;
  data.series.push_back(series("A", {1000, 2000, 3000, 5000}));
  data.series.push_back(series("B", {2000, 3000, 4000}));
  data.series[1].carry = {0.1, 0.2, 0.3};
  Collector out;
  ReplayFeed feed(data, {}, out.sink());
  EXPECT_EQ(feed.symbols(), (std::vector<std::string>{"A", "B"}));
  feed.start();
  ASSERT_TRUE(wait_done(feed));
  EXPECT_EQ(feed.bars_fed(), 7u);
  EXPECT_EQ(feed.slices_fed(), 5u);
  ASSERT_EQ(out.slices.size(), 5u);
  std::vector<int64_t> ts;
  for (const auto& s : out.slices) ts.push_back(s.ts_ms);
  EXPECT_EQ(ts, (std::vector<int64_t>{1000, 2000, 3000, 4000, 5000}));
  EXPECT_EQ(out.slices[0].has_bar, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(out.slices[3].has_bar, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(out.slices[3].bars[1].close, 4.5);
  EXPECT_EQ(out.slices[3].carry, (std::vector<double>{0, 0.3}));
  EXPECT_EQ(out.slices[4].bars[1].ts_ms, 4000);  // B's slot repeats its last bar
}

TEST(ReplayFeed, SyntheticDataEveryBarOnce) {
  auto spec = SyntheticSpec::parse("symbols=4,bars=3000,seed=3");
  ASSERT_TRUE(spec.ok());
  MarketData data = generate_synthetic(*spec);
  Collector out;
  ReplayFeed feed(data, {}, out.sink());
  feed.start();
  ASSERT_TRUE(wait_done(feed));
  ASSERT_EQ(feed.bars_fed(), data.total_bars());
  // Per symbol, the bars marked as printed are exactly its series, in order.
  for (size_t i = 0; i < data.series.size(); ++i) {
    size_t k = 0;
    for (const auto& s : out.slices)
      if (s.has_bar[i]) {
        ASSERT_LT(k, data.series[i].size());
        EXPECT_EQ(s.bars[i].ts_ms, data.series[i].ts_ms[k]);
        EXPECT_EQ(s.bars[i].close, data.series[i].close[k]);
        ++k;
      }
    EXPECT_EQ(k, data.series[i].size()) << data.series[i].symbol;
  }
}

// Through a small SliceQueue (back-pressure): what the consumer pops is what the feed fed.
TEST(ReplayFeed, ThroughABoundedQueueNothingIsLost) {
  auto spec = SyntheticSpec::parse("symbols=3,bars=5000,seed=9");
  ASSERT_TRUE(spec.ok());
  MarketData data = generate_synthetic(*spec);
  SliceQueue queue(4);
  ReplayFeed feed(data, {}, [&](OwnedSlice s) { return queue.push(std::move(s)); });
  feed.start();
  uint64_t popped = 0, slices = 0;
  int64_t last = INT64_MIN;
  const auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline) {
    auto s = queue.pop(5ms);
    if (!s) {
      if (feed.done() && queue.depth() == 0) break;  // done is set after the last push
      continue;
    }
    ASSERT_GT(s->ts_ms, last);
    last = s->ts_ms;
    popped += s->bar_count();
    ++slices;
    ASSERT_LE(queue.depth(), 4u);
  }
  ASSERT_TRUE(feed.done());
  EXPECT_EQ(popped, data.total_bars());
  EXPECT_EQ(popped, feed.bars_fed());
  EXPECT_EQ(slices, feed.slices_fed());
}

TEST(ReplayFeed, RateIsALowerBoundOnTheTimeTaken) {
  MarketData data;
  std::vector<int64_t> ts;
  for (int i = 1; i <= 100; ++i) ts.push_back(i * 60'000);
  data.series.push_back(series("A", ts));
  data.series.push_back(series("B", ts));
  Collector out;
  ReplayFeed feed(data, {.rate = 1000, .loop = false}, out.sink());
  const auto start = Clock::now();
  feed.start();
  ASSERT_TRUE(wait_done(feed));
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(feed.bars_fed(), 200u);
  EXPECT_GE(elapsed, 150ms);  // 200 bars at 1000 bars/s: 200 ms, less the last batch
}

TEST(ReplayFeed, StopEndsIt) {
  MarketData data;
  std::vector<int64_t> ts;
  for (int i = 1; i <= 10'000; ++i) ts.push_back(i * 1000);
  data.series.push_back(series("A", ts));
  Collector out;
  ReplayFeed feed(data, {.rate = 100, .loop = true}, out.sink());  // would take 100 s, and loops
  feed.start();
  ASSERT_TRUE(out.wait_for_slices(3));
  EXPECT_FALSE(feed.done());
  feed.stop();
  EXPECT_TRUE(feed.done());
  const uint64_t fed = feed.slices_fed();
  EXPECT_LT(fed, 10'000u);
  std::lock_guard lock(out.mu);
  EXPECT_EQ(out.slices.size(), fed);
}

TEST(ReplayFeed, ARefusingSinkEndsIt) {
  MarketData data;
  data.series.push_back(series("A", {1000, 2000, 3000, 4000, 5000, 6000}));
  Collector out;
  out.refuse_after = 4;
  ReplayFeed feed(data, {}, out.sink());
  feed.start();
  ASSERT_TRUE(wait_done(feed));
  EXPECT_EQ(out.calls, 4u);  // nothing offered after the refusal
  EXPECT_EQ(feed.slices_fed(), 3u);
  EXPECT_EQ(feed.bars_fed(), 3u);
}

TEST(ReplayFeed, LoopShiftsTimestampsPastTheLastOne) {
  MarketData data;
  data.series.push_back(series("A", {10'000, 20'000, 30'000}));
  data.series.push_back(series("B", {20'000, 30'000}));
  Collector out;
  out.refuse_after = 8;  // two and a bit passes
  ReplayFeed feed(data, {.rate = 0, .loop = true}, out.sink());
  feed.start();
  ASSERT_TRUE(wait_done(feed));
  ASSERT_EQ(out.slices.size(), 7u);
  std::vector<int64_t> ts;
  for (const auto& s : out.slices) ts.push_back(s.ts_ms);
  // span 20 s + step 10 s: each pass 30 s later.
  EXPECT_EQ(ts, (std::vector<int64_t>{10'000, 20'000, 30'000, 40'000, 50'000, 60'000, 70'000}));
  EXPECT_EQ(out.slices[3].bars[0].ts_ms, 40'000);
  EXPECT_EQ(out.slices[3].bars[0].close, 10.5);  // the same bars again
  EXPECT_EQ(out.slices[3].has_bar, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(out.slices[3].bars[1].ts_ms, 30'000);  // B's slot keeps its last bar of the pass before
  EXPECT_EQ(out.slices[3].bars[1].close, 30.5);
  EXPECT_EQ(out.slices[4].bars[1].ts_ms, 50'000);
  EXPECT_EQ(out.slices[4].bars[1].close, 20.5);
  EXPECT_EQ(feed.bars_fed(), 5u + 5u + 1u);  // two whole passes and the first slice of a third
}

}  // namespace
}  // namespace algohost::live
