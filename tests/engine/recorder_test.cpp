// Recorder: asynchronous batched writes into a catalog in a temporary directory — nothing is lost
// under back-pressure, write errors surface in flush(), finish() refreshes the summaries.
#include "host/recorder/recorder.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::filesystem::path db = dir / "catalog.db";
  std::unique_ptr<catalog::Catalog> cat;
  std::string id, run;

  Fixture() {
    auto c = catalog::Catalog::open(db);
    EXPECT_TRUE(c.ok()) << c.status().message();
    cat = std::move(*c);
    catalog::Registration r;
    r.name = "rec_test";
    r.display_name = "Recorder test";
    r.language = "cpp";
    auto sid = cat->register_strategy(r);
    EXPECT_TRUE(sid.ok()) << sid.status().message();
    id = *sid;
    auto r_id = cat->start_run("backtest", catalog::Json::array(), catalog::Json::object(), catalog::Json::object(),
                               "test");
    EXPECT_TRUE(r_id.ok()) << r_id.status().message();
    run = *r_id;
  }

  size_t rows() {
    auto t = cat->trades(id, std::nullopt, 1'000'000);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? t->size() : 0;
  }
};

catalog::TradeRecord trade(const std::string& strategy, int i, const std::string& run) {
  catalog::TradeRecord t;
  t.strategy_id = strategy;
  t.run_id = run;
  t.symbol = "SYN000";
  t.timeframe = "1d";
  t.entry_price = 100;
  t.exit_price = 100 + (i % 3 - 1);  // -1, 0, +1
  t.quantity = 1;
  t.pnl = t.exit_price - t.entry_price;
  t.pnl_percentage = t.pnl / 100;
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-01-01T00:00:%02d.000Z", i % 60);
  t.entry_timestamp = buf;
  std::snprintf(buf, sizeof buf, "2024-01-02T00:%02d:00.000Z", i % 60);
  t.exit_timestamp = buf;
  t.duration_seconds = 86'400;
  return t;
}

// Runs `f` on another thread and waits up to `seconds` for it. When it has not returned, calls
// `rescue` until it does (so a deadlock fails the test instead of hanging the suite) and returns
// false; aborts the binary when even that does not help.
template <class F, class R>
bool finishes_within(int seconds, F f, R rescue) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  std::thread([done, f]() mutable {
    f();
    done->set_value();
  }).detach();
  if (fut.wait_for(std::chrono::seconds(seconds)) == std::future_status::ready) return true;
  for (int i = 0; i < 10'000 && fut.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready; ++i) rescue();
  if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: still blocked after the rescue; giving up\n");
    std::_Exit(1);
  }
  return false;
}

TEST(Recorder, MoreTradesThanOneBatchAreAllWritten) {
  Fixture fx;
  Recorder::Options o;
  o.capacity = 64;
  o.batch = 16;
  auto rec = Recorder::open(fx.db, o);
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  for (int i = 0; i < 100; ++i) (*rec)->push(trade(fx.id, i, fx.run));
  ASSERT_TRUE((*rec)->flush().ok());
  EXPECT_EQ((*rec)->recorded(), 100u);
  EXPECT_EQ(fx.rows(), 100u);
  auto perf = fx.cat->performance(fx.id);
  ASSERT_TRUE(perf.ok());
  EXPECT_EQ(perf->trades, 100);
  ASSERT_TRUE((*rec)->finish().ok());
}

TEST(Recorder, BackPressureLosesNothing) {
  Fixture fx;
  Recorder::Options o;
  o.capacity = 8;
  o.batch = 4;
  auto rec = Recorder::open(fx.db, o);
  ASSERT_TRUE(rec.ok());
  Recorder& r = **rec;
  EXPECT_TRUE(finishes_within(
      60, [&] { for (int i = 0; i < 1000; ++i) r.push(trade(fx.id, i, fx.run)); }, [&] { (void)r.flush(); }))
      << "push blocked for good";
  Status st = r.flush();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.recorded(), 1000u);
  EXPECT_EQ(fx.rows(), 1000u);
  ASSERT_TRUE(r.finish().ok());
}

// Options allow a queue smaller than a batch: the writer must still be woken.
TEST(Recorder, CapacityBelowBatchDoesNotDeadlock) {
  Fixture fx;
  Recorder::Options o;
  o.capacity = 8;
  o.batch = 16;
  auto rec = Recorder::open(fx.db, o);
  ASSERT_TRUE(rec.ok());
  Recorder& r = **rec;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the writer is idle, waiting
  EXPECT_TRUE(finishes_within(
      5, [&] { for (int i = 0; i < 100; ++i) r.push(trade(fx.id, i, fx.run)); }, [&] { (void)r.flush(); }))
      << "push() blocked on a full queue of 8 that the writer was never woken for (it waits for 16)";
  Status st = r.flush();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(fx.rows(), 100u);
  ASSERT_TRUE(r.finish().ok());
}

TEST(Recorder, UnknownStrategyMakesFlushFailNamingIt) {
  Fixture fx;
  Recorder::Options o;
  o.batch = 4;
  auto rec = Recorder::open(fx.db, o);
  ASSERT_TRUE(rec.ok());
  Recorder& r = **rec;
  for (int i = 0; i < 3; ++i) r.push(trade(fx.id, i, fx.run));
  ASSERT_TRUE(r.flush().ok());
  r.push(trade("no_such_strategy", 3, fx.run));
  Status st = r.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no_such_strategy"), std::string::npos) << st.message();
  // The error is kept; what was committed before stays.
  EXPECT_FALSE(r.flush().ok());
  EXPECT_EQ(fx.rows(), 3u);
  EXPECT_EQ(r.recorded(), 3u);
  EXPECT_FALSE(r.finish().ok());
}

TEST(Recorder, FinishRefreshesTheStrategySummary) {
  Fixture fx;
  Recorder::Options o;
  o.batch = 10;
  auto rec = Recorder::open(fx.db, o);
  ASSERT_TRUE(rec.ok());
  double pnl = 0;
  int wins = 0;
  for (int i = 0; i < 30; ++i) {
    auto t = trade(fx.id, i, fx.run);
    pnl += t.pnl;
    wins += t.pnl > 0;
    (*rec)->push(std::move(t));
  }
  ASSERT_TRUE((*rec)->flush().ok());
  // Batches are written without refreshing the summary.
  auto before = fx.cat->get(fx.id);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->total_trades, 0);
  ASSERT_TRUE((*rec)->finish().ok());
  auto after = fx.cat->get(fx.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->total_trades, 30);
  EXPECT_NEAR(after->total_pnl, pnl, 1e-9);
  ASSERT_TRUE(after->lifetime_win_rate.has_value());
  EXPECT_NEAR(*after->lifetime_win_rate, wins / 30.0, 1e-12);
  EXPECT_EQ((*rec)->recorded(), 30u);
}

TEST(Recorder, DestructionWithoutFinishStillWritesWhatWasQueued) {
  Fixture fx;
  {
    Recorder::Options o;
    o.batch = 1000;  // nothing reaches a batch: only the shutdown drains the queue
    auto rec = Recorder::open(fx.db, o);
    ASSERT_TRUE(rec.ok());
    for (int i = 0; i < 25; ++i) (*rec)->push(trade(fx.id, i, fx.run));
  }
  EXPECT_EQ(fx.rows(), 25u);
}

}  // namespace
}  // namespace algohost
