// SliceQueue: FIFO, back-pressure (push waits while full, nothing dropped), pop's time limit,
// and close(): wakes everyone, refuses pushes, lets pop drain what is left.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "host/live/feeds.h"

namespace algohost::live {
namespace {

using namespace std::chrono_literals;

OwnedSlice slice_at(int64_t ts) {
  OwnedSlice s;
  s.ts_ms = ts;
  s.bars.push_back(ah_bar{ts, 1, 1, 1, 1, 1});
  s.has_bar.push_back(1);
  return s;
}

TEST(SliceQueue, FifoAndTimeOut) {
  SliceQueue q(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(slice_at(i)));
  EXPECT_EQ(q.depth(), 5u);
  for (int i = 0; i < 5; ++i) {
    auto s = q.pop(0ms);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->ts_ms, i);
  }
  EXPECT_FALSE(q.pop(10ms).has_value());  // empty: times out
  EXPECT_FALSE(q.closed());
}

TEST(SliceQueue, PushWaitsWhileFull) {
  SliceQueue q(2);
  ASSERT_TRUE(q.push(slice_at(1)));
  ASSERT_TRUE(q.push(slice_at(2)));
  auto third = std::async(std::launch::async, [&] { return q.push(slice_at(3)); });
  // Still waiting after a while (a negative check can only be bounded in time).
  EXPECT_EQ(third.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(q.depth(), 2u);
  auto first = q.pop(1s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->ts_ms, 1);
  ASSERT_EQ(third.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(third.get());
  EXPECT_EQ(q.depth(), 2u);
  EXPECT_EQ(q.pop(0ms)->ts_ms, 2);
  EXPECT_EQ(q.pop(0ms)->ts_ms, 3);  // nothing dropped
}

TEST(SliceQueue, ManyProducersOneConsumerLoseNothing) {
  constexpr int kProducers = 4, kEach = 2000;
  SliceQueue q(16);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(q.push(slice_at(p * kEach + i)));
    });
  std::vector<int> seen(kProducers * kEach, 0);
  std::vector<int64_t> last(kProducers, -1);
  for (int n = 0; n < kProducers * kEach; ++n) {
    auto s = q.pop(10s);
    ASSERT_TRUE(s.has_value()) << n;
    ++seen[s->ts_ms];
    const int p = static_cast<int>(s->ts_ms / kEach);
    EXPECT_GT(s->ts_ms, last[p]);  // each producer's slices in its order
    last[p] = s->ts_ms;
    EXPECT_LE(q.depth(), 16u);
  }
  for (auto& t : producers) t.join();
  for (int v : seen) EXPECT_EQ(v, 1);
}

TEST(SliceQueue, CloseWakesEveryoneAndDrains) {
  SliceQueue q(1);
  auto waiting_pop = std::async(std::launch::async, [&] { return q.pop(60s); });
  q.close();
  ASSERT_EQ(waiting_pop.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(waiting_pop.get().has_value());
  EXPECT_TRUE(q.closed());
  EXPECT_FALSE(q.push(slice_at(1)));  // refused once closed
  EXPECT_EQ(q.depth(), 0u);

  SliceQueue full(1);
  ASSERT_TRUE(full.push(slice_at(7)));
  auto waiting_push = std::async(std::launch::async, [&] { return full.push(slice_at(8)); });
  EXPECT_EQ(waiting_push.wait_for(50ms), std::future_status::timeout);
  full.close();
  ASSERT_EQ(waiting_push.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(waiting_push.get());  // woken and refused
  auto left = full.pop(60s);         // what was queued before close() is still delivered
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->ts_ms, 7);
  EXPECT_FALSE(full.pop(60s).has_value());  // closed and drained: at once, not after the wait
}

TEST(SliceQueue, BarCount) {
  OwnedSlice s;
  s.has_bar = {1, 0, 1, 1};
  EXPECT_EQ(s.bar_count(), 3);
}

}  // namespace
}  // namespace algohost::live
