// Catalog performance: recording trades, metrics over a time range (checked against numbers
// worked out by hand), compare(), the summary columns on strategies, all-or-nothing batches.
// Also the MEM flags and learned patterns.
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;

using algohost::testing::must;

using testutil::scalar;

std::unique_ptr<Catalog> open_with(const TempDir& dir, std::vector<std::string> strategy_names) {
  auto cat = must(Catalog::open(dir / "catalog.db"), "open");
  for (const auto& n : strategy_names) {
    Registration r;
    r.name = n;
    r.display_name = n;
    r.language = "cpp";
    r.status = "active";
    must(cat->register_strategy(r), n);
  }
  return cat;
}

TradeRecord trade(const std::string& strategy, const std::string& day, double pnl, double pct,
                  const std::string& exit_time = "15:00:00Z") {
  TradeRecord t;
  t.strategy_id = strategy;
  t.symbol = "SPY";
  t.timeframe = "1d";
  t.entry_timestamp = day + "T10:00:00Z";
  t.exit_timestamp = day + "T" + exit_time;
  t.duration_seconds = 3600;
  t.entry_price = 100;
  t.quantity = 10;
  t.exit_price = 100 + pnl / 10;
  t.pnl = pnl;
  t.pnl_percentage = pct;
  t.commission = 1.0;
  return t;
}

// Five trades, in exit order:      pnl    pnl%   cumulative  peak  drawdown
//   2024-03-01                   +100    +2.0       100       100      0
//   2024-03-02                    -50    -1.0        50       100     50
//   2024-03-03                   +200    +4.0       250       250      0
//   2024-03-04                   -150    -3.0       100       250    150
//   2024-03-05 (18:30)            +50    +1.0       150       250    100
// wins 3, losses 2, win rate 0.6, total 150, average 30, average pnl% 0.6
// average win 350/3, average loss -200/2 = -100, profit factor 350/200 = 1.75, max drawdown 150
// pnl% mean 0.6; squared deviations 1.96 + 2.56 + 11.56 + 12.96 + 0.16 = 29.2; sample variance
// 29.2 / 4 = 7.3; Sharpe = 0.6 / sqrt(7.3).
std::vector<TradeRecord> five_trades(const std::string& s) {
  // Recorded out of order on purpose: metrics follow exit time, not insertion order (in this
  // insertion order the cumulative PnL would be 200, 300, 150, 100, 150: a drawdown of 200).
  return {trade(s, "2024-03-03", 200, 4.0), trade(s, "2024-03-01", 100, 2.0), trade(s, "2024-03-04", -150, -3.0),
          trade(s, "2024-03-02", -50, -1.0), trade(s, "2024-03-05", 50, 1.0, "18:30:00Z")};
}

TEST(CatalogPerformance, MetricsMatchHandComputedValues) {
  TempDir dir;
  auto cat = open_with(dir, {"hand"});
  auto ids = must(cat->record_trades(five_trades("hand")));
  EXPECT_EQ(ids.size(), 5u);
  auto m = must(cat->performance("hand"));
  EXPECT_EQ(m.strategy_name, "hand");
  EXPECT_EQ(m.trades, 5);
  EXPECT_EQ(m.wins, 3);
  EXPECT_EQ(m.losses, 2);
  EXPECT_DOUBLE_EQ(m.win_rate, 0.6);
  EXPECT_DOUBLE_EQ(m.total_pnl, 150.0);
  EXPECT_DOUBLE_EQ(m.average_pnl, 30.0);
  EXPECT_NEAR(m.average_pnl_pct, 0.6, 1e-12);
  EXPECT_NEAR(m.average_win, 350.0 / 3.0, 1e-9);
  EXPECT_NEAR(m.average_loss, -100.0, 1e-9);
  ASSERT_TRUE(m.profit_factor.has_value());
  EXPECT_NEAR(*m.profit_factor, 1.75, 1e-12);
  EXPECT_NEAR(m.max_drawdown, 150.0, 1e-9);
  ASSERT_TRUE(m.per_trade_sharpe.has_value());
  EXPECT_NEAR(*m.per_trade_sharpe, 0.6 / std::sqrt(7.3), 1e-9);
  EXPECT_NEAR(m.total_commission, 5.0, 1e-12);
}

// 1,000 trades of the same PnL % have no spread: the per-trade Sharpe is undefined (null), on the
// metrics and on the strategy's summary, not the millions a cancelling variance formula gives.
TEST(CatalogPerformance, IdenticalTradesHaveNoPerTradeSharpe) {
  TempDir dir;
  auto cat = open_with(dir, {"flat"});
  std::vector<TradeRecord> trades;
  for (int i = 0; i < 1000; ++i) {
    char day[16];
    std::snprintf(day, sizeof day, "%04d-01-01", 1000 + i);
    trades.push_back(trade("flat", day, 1.1, 0.11));  // 0.11 has no exact binary form
  }
  must(cat->record_trades(trades));
  auto m = must(cat->performance("flat"));
  EXPECT_EQ(m.trades, 1000);
  EXPECT_NEAR(m.average_pnl_pct, 0.11, 1e-12);
  EXPECT_FALSE(m.per_trade_sharpe.has_value()) << *m.per_trade_sharpe;
  EXPECT_TRUE(m.to_json()["per_trade_sharpe"].is_null());
  EXPECT_FALSE(must(cat->get("flat")).lifetime_sharpe_ratio.has_value());
}

// Values far from zero with a small spread, worked out independently: pnl% = 1e8 + {1, 2, 3, 6}:
// mean 1e8 + 3, deviations -2, -1, 0, 3, sample variance 14 / 3. A sum-of-squares formula loses
// the spread to cancellation here (the squares are ~4e16, their last bit ~8).
TEST(CatalogPerformance, PerTradeSharpeIsStableFarFromZero) {
  TempDir dir;
  auto cat = open_with(dir, {"big"});
  std::vector<TradeRecord> trades;
  const double offsets[] = {1, 2, 3, 6};
  for (int i = 0; i < 4; ++i)
    trades.push_back(trade("big", "2024-05-0" + std::to_string(i + 1), 10, 1e8 + offsets[i]));
  must(cat->record_trades(trades));
  auto m = must(cat->performance("big"));
  ASSERT_TRUE(m.per_trade_sharpe.has_value());
  const double want = (1e8 + 3) / std::sqrt(14.0 / 3.0);
  EXPECT_NEAR(*m.per_trade_sharpe / want, 1.0, 1e-12);
  const Json j = m.to_json();
  EXPECT_DOUBLE_EQ(j["per_trade_sharpe"].get<double>(), *m.per_trade_sharpe);
  EXPECT_DOUBLE_EQ(j["sharpe_ratio"].get<double>(), *m.per_trade_sharpe);  // the older key, same value
  auto s = must(cat->get("big"));
  ASSERT_TRUE(s.lifetime_sharpe_ratio.has_value());
  EXPECT_DOUBLE_EQ(s.to_json()["lifetime_per_trade_sharpe"].get<double>(), *s.lifetime_sharpe_ratio);
}

TEST(CatalogPerformance, SummaryColumnsFollowRecordedTrades) {
  TempDir dir;
  auto cat = open_with(dir, {"hand"});
  auto before = must(cat->get("hand"));
  EXPECT_EQ(before.total_trades, 0);
  EXPECT_FALSE(before.lifetime_win_rate.has_value());
  must(cat->record_trades(five_trades("hand")));
  auto s = must(cat->get("hand"));
  EXPECT_EQ(s.total_trades, 5);
  EXPECT_DOUBLE_EQ(s.total_pnl, 150.0);
  ASSERT_TRUE(s.lifetime_win_rate.has_value());
  EXPECT_DOUBLE_EQ(*s.lifetime_win_rate, 0.6);
  ASSERT_TRUE(s.lifetime_sharpe_ratio.has_value());
  EXPECT_NEAR(*s.lifetime_sharpe_ratio, 0.6 / std::sqrt(7.3), 1e-9);
  EXPECT_TRUE(s.last_used_at.has_value());

  // One more losing trade (-30, -0.5%) moves every summary.
  must(cat->record_trade(trade("hand", "2024-03-06", -30, -0.5)));
  s = must(cat->get("hand"));
  EXPECT_EQ(s.total_trades, 6);
  EXPECT_DOUBLE_EQ(s.total_pnl, 120.0);
  EXPECT_DOUBLE_EQ(*s.lifetime_win_rate, 3.0 / 6.0);
  // pnl% 2,-1,4,-3,1,-0.5: mean 2.5/6; sum of squares 31.25 -> variance (31.25 - 6*mean^2)/5.
  const double mean = 2.5 / 6.0;
  const double var = (31.25 - 6 * mean * mean) / 5.0;
  EXPECT_NEAR(*s.lifetime_sharpe_ratio, mean / std::sqrt(var), 1e-9);
}

TEST(CatalogPerformance, TimeRangeOnExitTimeAndDateOnlyEndCoversTheDay) {
  TempDir dir;
  auto cat = open_with(dir, {"hand"});
  must(cat->record_trades(five_trades("hand")));
  // 2024-03-02 .. 2024-03-05 (date only): the 18:30 trade on the 5th is inside.
  auto m = must(cat->performance("hand", std::string("2024-03-02"), std::string("2024-03-05")));
  EXPECT_EQ(m.trades, 4);
  EXPECT_DOUBLE_EQ(m.total_pnl, -50 + 200 - 150 + 50);
  EXPECT_EQ(m.wins, 2);
  ASSERT_TRUE(m.from.has_value());
  EXPECT_EQ(*m.from, "2024-03-02");
  // Up to the 4th: the 5th is outside.
  m = must(cat->performance("hand", std::string("2024-03-02"), std::string("2024-03-04")));
  EXPECT_EQ(m.trades, 3);
  // Only an upper bound; and one with a time of day.
  m = must(cat->performance("hand", std::nullopt, std::string("2024-03-01")));
  EXPECT_EQ(m.trades, 1);
  EXPECT_DOUBLE_EQ(m.total_pnl, 100);
  EXPECT_FALSE(m.per_trade_sharpe.has_value());  // under two trades
  EXPECT_FALSE(m.profit_factor.has_value());  // no losing trade
  m = must(cat->performance("hand", std::string("2024-03-05"), std::string("2024-03-05T18:00:00Z")));
  EXPECT_EQ(m.trades, 0);
  m = must(cat->performance("hand", std::string("2024-03-05")));
  EXPECT_EQ(m.trades, 1);
  // An empty range.
  m = must(cat->performance("hand", std::string("2025-01-01"), std::string("2025-12-31")));
  EXPECT_EQ(m.trades, 0);
  EXPECT_DOUBLE_EQ(m.win_rate, 0);
  EXPECT_EQ(cat->performance("nobody").status().code(), StatusCode::kNotFound);
}

TEST(CatalogPerformance, PerVersionFilter) {
  TempDir dir;
  auto cat = open_with(dir, {"hand"});
  VersionCreate v1;
  v1.version = "1.0.0";
  v1.artifact_sha256 = std::string(64, '1');
  VersionCreate v2 = v1;
  v2.version = "1.1.0";
  v2.artifact_sha256 = std::string(64, '2');
  auto a = must(cat->create_version("hand", v1));
  auto b = must(cat->create_version("hand", v2));
  auto t1 = trade("hand", "2024-01-02", 10, 1);
  t1.version_id = a.version_id;
  auto t2 = trade("hand", "2024-01-03", -5, -0.5);
  t2.version_id = b.version_id;
  auto t3 = trade("hand", "2024-01-04", 7, 0.7);
  t3.version_id = b.version_id;
  must(cat->record_trades({t1, t2, t3}));
  EXPECT_EQ(must(cat->performance("hand", std::nullopt, std::nullopt, a.version_id)).trades, 1);
  auto mb = must(cat->performance("hand", std::nullopt, std::nullopt, b.version_id));
  EXPECT_EQ(mb.trades, 2);
  EXPECT_DOUBLE_EQ(mb.total_pnl, 2);
}

TEST(CatalogPerformance, CompareReturnsEachStrategyInOrder) {
  TempDir dir;
  auto cat = open_with(dir, {"one", "two", "idle"});
  must(cat->record_trades({trade("one", "2024-01-02", 10, 1.0), trade("one", "2024-01-03", 20, 2.0),
                           trade("two", "2024-01-02", -10, -1.0)}));
  auto rows = must(cat->compare({"two", "one", "idle"}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].strategy_name, "two");
  EXPECT_EQ(rows[0].trades, 1);
  EXPECT_DOUBLE_EQ(rows[0].win_rate, 0.0);
  EXPECT_EQ(rows[1].strategy_name, "one");
  EXPECT_EQ(rows[1].trades, 2);
  EXPECT_DOUBLE_EQ(rows[1].total_pnl, 30);
  EXPECT_DOUBLE_EQ(rows[1].win_rate, 1.0);
  EXPECT_EQ(rows[2].trades, 0);
  EXPECT_EQ(cat->compare({"one", "ghost"}).status().code(), StatusCode::kNotFound);
  // A batch over several strategies refreshed both summaries.
  EXPECT_EQ(must(cat->get("one")).total_trades, 2);
  EXPECT_EQ(must(cat->get("two")).total_trades, 1);
}

TEST(CatalogPerformance, TradesAreStoredAsGiven) {
  TempDir dir;
  auto cat = open_with(dir, {"hand"});
  auto t = trade("hand", "2024-02-01", 12.5, 1.25);
  t.run_id = std::nullopt;
  t.trade_id = "T-1";
  t.signal_action = "sell";
  t.signal_confidence = 0.7;
  t.market_regime = "bull";
  t.was_mem_enhanced = true;
  t.mem_confidence_boost = 0.1;
  must(cat->record_trade(t));
  auto rows = must(cat->trades("hand"));
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  EXPECT_EQ(r.strategy_id, must(cat->get("hand")).strategy_id);  // the name was resolved to the id
  EXPECT_EQ(r.trade_id, std::optional<std::string>("T-1"));
  EXPECT_EQ(r.symbol, "SPY");
  EXPECT_EQ(r.signal_action, "sell");
  EXPECT_EQ(r.signal_confidence, std::optional<double>(0.7));
  EXPECT_EQ(r.entry_timestamp, "2024-02-01T10:00:00Z");
  EXPECT_EQ(r.exit_timestamp, "2024-02-01T15:00:00Z");
  EXPECT_DOUBLE_EQ(r.pnl, 12.5);
  EXPECT_DOUBLE_EQ(r.pnl_percentage, 1.25);
  EXPECT_EQ(r.market_regime, std::optional<std::string>("bull"));
  EXPECT_TRUE(r.was_mem_enhanced);
  EXPECT_DOUBLE_EQ(r.commission, 1.0);
}

TEST(CatalogPerformance, ABadTradeRejectsTheWholeBatch) {
  TempDir dir;
  auto cat = open_with(dir, {"hand", "other"});
  must(cat->record_trade(trade("hand", "2024-01-01", 5, 0.5)));
  const int64_t rows = scalar(*cat, "SELECT count(*) FROM strategy_performance");
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");
  const auto summary = must(cat->get("hand"));

  auto exit_before_entry = trade("hand", "2024-01-03", 10, 1);
  exit_before_entry.exit_timestamp = "2024-01-02T10:00:00Z";
  auto nan_price = trade("hand", "2024-01-03", 10, 1);
  nan_price.exit_price = std::numeric_limits<double>::quiet_NaN();
  auto inf_pnl = trade("hand", "2024-01-03", 10, 1);
  inf_pnl.pnl = std::numeric_limits<double>::infinity();
  auto unknown = trade("ghost_strategy", "2024-01-03", 10, 1);
  auto bad_time = trade("hand", "2024-01-03", 10, 1);
  bad_time.exit_timestamp = "yesterday";

  struct Case {
    const char* what;
    TradeRecord bad;
  };
  for (const auto& c : std::vector<Case>{{"exit before entry", exit_before_entry},
                                         {"NaN price", nan_price},
                                         {"infinite pnl", inf_pnl},
                                         {"unknown strategy", unknown},
                                         {"bad timestamp", bad_time}}) {
    // Good trades for two strategies before and after the bad one.
    std::vector<TradeRecord> batch = {trade("hand", "2024-01-02", 10, 1), trade("other", "2024-01-02", 3, 0.3), c.bad,
                                      trade("other", "2024-01-04", 4, 0.4)};
    auto r = cat->record_trades(batch);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.status().code(), StatusCode::kInternal) << c.what << ": " << r.status().to_string();
    EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_performance"), rows) << c.what;
    EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits) << c.what;
    auto after = must(cat->get("hand"));
    EXPECT_EQ(after.total_trades, summary.total_trades) << c.what;
    EXPECT_EQ(must(cat->get("other")).total_trades, 0) << c.what;
  }
  auto unknown_alone = cat->record_trade(unknown);
  EXPECT_EQ(unknown_alone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown_alone.status().message().find("ghost_strategy"), std::string::npos);
}

// Trades go in several rows per statement, the rest one by one: every trade is stored once, with
// its own id, whatever the batch size; the audit row counts them per strategy (one given by name
// and by id is one strategy).
TEST(CatalogPerformance, BatchesOfAnySizeStoreEveryTradeOnce) {
  TempDir dir;
  auto cat = open_with(dir, {"a", "b"});
  const std::string b_id = must(cat->get("b")).strategy_id;
  int64_t expected = 0;
  for (size_t n : {1u, 31u, 32u, 33u, 100u}) {
    SCOPED_TRACE(std::to_string(n) + " trades");
    std::vector<TradeRecord> batch;
    for (size_t i = 0; i < n; ++i) {
      const std::string day = "2024-02-" + std::string(i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1);
      batch.push_back(trade(i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : b_id), day, static_cast<double>(i), 0.1));
    }
    const auto ids = must(cat->record_trades(batch));
    ASSERT_EQ(ids.size(), n);
    expected += static_cast<int64_t>(n);
    EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_performance"), expected);
    EXPECT_EQ(scalar(*cat, "SELECT count(DISTINCT performance_id) FROM strategy_performance"), expected);
    for (size_t i = 0; i < n; ++i) {
      auto st = must(cat->database().prepare("SELECT pnl FROM strategy_performance WHERE performance_id = ?"));
      st->bind(1, ids[i]);
      ASSERT_TRUE(st->step()) << ids[i];
      EXPECT_EQ(st->real(0), static_cast<double>(i)) << "trade " << i << " is stored under its own id";
    }
    auto audit = must(cat->database().prepare(
        "SELECT json_extract(after_json, '$.per_strategy') FROM audit_log ORDER BY audit_id DESC LIMIT 1"));
    ASSERT_TRUE(audit->step());
    const Json per = Json::parse(audit->text(0));
    int64_t sum = 0;
    for (const auto& [k, v] : per.items()) sum += v.get<int64_t>();
    EXPECT_EQ(sum, static_cast<int64_t>(n));
    if (n > 2) {
      EXPECT_EQ(per.value(b_id, int64_t{0}), static_cast<int64_t>(n - (n + 2) / 3));
    }
  }
  const auto a = must(cat->performance("a")), b = must(cat->performance("b"));
  EXPECT_EQ(a.trades + b.trades, expected);
  const auto b_trades = must(cat->trades("b", std::nullopt, 100000));
  ASSERT_EQ(static_cast<int64_t>(b_trades.size()), b.trades);
  for (size_t i = 1; i < b_trades.size(); ++i)
    EXPECT_LE(b_trades[i - 1].exit_timestamp, b_trades[i].exit_timestamp) << "exit order";
}

// ---- MEM ---------------------------------------------------------------------------------

TEST(CatalogMem, MarkMemEnhancedWithBaseLinksTheVersions) {
  TempDir dir;
  auto cat = open_with(dir, {"rsi_basic", "rsi_mem"});
  EXPECT_FALSE(must(cat->is_mem_enhanced("rsi_mem")));
  EXPECT_FALSE(must(cat->is_mem_enhanced("rsi_basic")));
  must(cat->mark_mem_enhanced("rsi_mem", std::string("rsi_basic")));
  EXPECT_TRUE(must(cat->is_mem_enhanced("rsi_mem")));
  EXPECT_FALSE(must(cat->is_mem_enhanced("rsi_basic")));
  auto s = must(cat->get("rsi_mem"));
  EXPECT_TRUE(s.is_mem_enhanced);
  EXPECT_TRUE(s.last_mem_update.has_value());

  auto rel = must(cat->related("rsi_basic"));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].relationship_type, "mem_enhanced_version");
  EXPECT_EQ(rel[0].strategy.strategy_name, "rsi_mem");
  auto rel2 = must(cat->related("rsi_mem"));
  ASSERT_EQ(rel2.size(), 1u);
  EXPECT_EQ(rel2[0].strategy.strategy_name, "rsi_basic");

  // Marking again keeps one link.
  must(cat->mark_mem_enhanced("rsi_mem", std::string("rsi_basic")));
  EXPECT_EQ(must(cat->related("rsi_basic")).size(), 1u);
  EXPECT_EQ(cat->is_mem_enhanced("ghost").status().code(), StatusCode::kNotFound);
}

TEST(CatalogMem, MarkWithoutBaseAndWithAnUnknownBase) {
  TempDir dir;
  auto cat = open_with(dir, {"solo", "other"});
  must(cat->mark_mem_enhanced("solo"));
  EXPECT_TRUE(must(cat->is_mem_enhanced("solo")));
  EXPECT_TRUE(must(cat->related("solo")).empty());
  // Unknown base: refused, and the flag is not set either.
  Status st = cat->mark_mem_enhanced("other", std::string("ghost"));
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_FALSE(must(cat->is_mem_enhanced("other")));
}

TEST(CatalogMem, LearnedPatternsIsAnEmptyListOnANewStrategy) {
  TempDir dir;
  auto cat = open_with(dir, {"solo"});
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'mem_learned_patterns'"), 1);
  EXPECT_TRUE(must(cat->learned_patterns("solo")).empty());
  EXPECT_EQ(cat->learned_patterns("ghost").status().code(), StatusCode::kNotFound);
}

TEST(CatalogMem, LearnedPatternsAreReadBestFirst) {
  TempDir dir;
  auto cat = open_with(dir, {"solo"});
  const std::string sid = must(cat->get("solo")).strategy_id;
  auto ins = must(cat->database().prepare(
      "INSERT INTO mem_learned_patterns (pattern_id, strategy_id, pattern_key, conditions_json, occurrences, wins, "
      "win_rate, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2024-01-01', '2024-01-01')"));
  ins->bind_all(std::string("p1"), sid, std::string("low_vol"), std::string(R"({"vol":"low"})"), int64_t{10}, int64_t{4}, 0.4);
  must(ins->run());
  ins->reset();
  ins->bind_all(std::string("p2"), sid, std::string("trend_up"), std::string(R"({"trend":"up"})"), int64_t{20}, int64_t{15}, 0.75);
  must(ins->run());
  ins->reset();
  auto p = must(cat->learned_patterns("solo"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].pattern_key, "trend_up");
  EXPECT_EQ(p[0].conditions, Json({{"trend", "up"}}));
  EXPECT_EQ(p[0].occurrences, 20);
  EXPECT_EQ(p[1].pattern_key, "low_vol");
}

}  // namespace
}  // namespace algohost::catalog
