// PaperAccount: next-bar-open fills, costs, stops and targets (pessimistic when both are touched),
// shorting rules, resizing, excursions and marking — each against prices worked out by hand.
#include "host/engine/paper_broker.h"

#include <gtest/gtest.h>

namespace algohost {
namespace {

ah_bar B(int64_t ts, double o, double h, double l, double c) { return ah_bar{ts, o, h, l, c, 1000}; }

ah_signal S(int32_t action, double size = 0, double stop = 0, double take = 0) {
  ah_signal s{};
  s.action = action;
  s.position_size = size;
  s.stop_loss = stop;
  s.take_profit = take;
  s.confidence = 0.5;
  return s;
}

ah_signal T(double target) {
  ah_signal s{};
  s.action = AH_TARGET;
  s.target_position = target;
  return s;
}

BrokerConfig plain(double capital = 10'000, bool allow_short = false) {
  BrokerConfig c;
  c.capital = capital;
  c.allow_short = allow_short;
  return c;
}

const ContextReading kCtx{};

// One bar of one symbol: the open phase (fills the queued order) then the range and the close.
void step(PaperAccount& a, uint32_t s, const ah_bar& bar) {
  a.on_open(s, bar);
  a.on_bar(s, bar);
}

TEST(PaperAccount, SignalFillsAtTheNextBarsOpenNeverAtItsOwnClose) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 100, 101, 99, 100.5));
  a.on_signal(0, S(AH_BUY), kCtx);
  // Nothing happens at the signal bar's close.
  EXPECT_DOUBLE_EQ(a.cash(), 10'000);
  EXPECT_DOUBLE_EQ(a.equity(), 10'000);
  EXPECT_FALSE(a.in_market());
  EXPECT_TRUE(a.closed().empty());
  // The next bar opens at 102: 10000 / 102 shares, marked at its close 104.
  step(a, 0, B(2, 102, 105, 101, 104));
  EXPECT_TRUE(a.in_market());
  EXPECT_NEAR(a.cash(), 0.0, 1e-9);
  EXPECT_NEAR(a.equity(), 10'000.0 * 104 / 102, 1e-9);
  a.on_signal(0, S(AH_SELL), kCtx);
  EXPECT_TRUE(a.in_market());  // still long until the next open
  step(a, 0, B(3, 103, 106, 100, 105));
  EXPECT_FALSE(a.in_market());
  ASSERT_EQ(a.closed().size(), 1u);
  const ClosedTrade& t = a.closed()[0];
  EXPECT_EQ(t.entry_ms, 2);
  EXPECT_EQ(t.exit_ms, 3);
  EXPECT_DOUBLE_EQ(t.entry_price, 102);
  EXPECT_DOUBLE_EQ(t.exit_price, 103);
  EXPECT_NEAR(t.quantity, 10'000.0 / 102, 1e-12);
  EXPECT_NEAR(t.pnl, 10'000.0 / 102, 1e-9);
  EXPECT_NEAR(t.pnl_pct, 1.0 / 102, 1e-12);
  EXPECT_EQ(t.exit_reason, "signal");
  EXPECT_EQ(t.action, AH_BUY);
  EXPECT_NEAR(a.cash(), 10'000.0 * 103 / 102, 1e-9);
}

TEST(PaperAccount, SlippageAndCommissionByHand) {
  BrokerConfig c = plain();
  c.slippage_bps = 10;          // 0.1% against the trader
  c.commission_per_trade = 1;   // plus
  c.commission_bps = 5;         // 0.05% of the notional, per fill
  PaperAccount a(c, 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY), kCtx);
  // Open 100: quantity 10000 / 100 = 100 shares (sized on the open), bought at 100.1.
  // Notional 10010, commission 1 + 5.005 = 6.005; cash 10000 - 10010 - 6.005 = -16.005.
  step(a, 0, B(2, 100, 102, 99, 101));
  EXPECT_NEAR(a.cash(), -16.005, 1e-9);
  EXPECT_NEAR(a.equity(), -16.005 + 100 * 101, 1e-9);
  EXPECT_NEAR(a.total_fees(), 6.005, 1e-12);
  a.on_signal(0, S(AH_SELL), kCtx);
  // Open 110: sold at 109.89; notional 10989, commission 1 + 5.4945 = 6.4945.
  step(a, 0, B(3, 110, 111, 108, 109));
  EXPECT_NEAR(a.cash(), -16.005 + 10'989 - 6.4945, 1e-9);
  EXPECT_NEAR(a.equity(), 10'966.5005, 1e-9);
  ASSERT_EQ(a.closed().size(), 1u);
  const ClosedTrade& t = a.closed()[0];
  EXPECT_NEAR(t.quantity, 100, 1e-12);
  EXPECT_NEAR(t.entry_price, 100.1, 1e-12);
  EXPECT_NEAR(t.exit_price, 109.89, 1e-12);
  EXPECT_NEAR(t.commission, 6.005 + 6.4945, 1e-9);
  EXPECT_NEAR(t.slippage_cost, 100 * 0.1 + 100 * 0.11, 1e-9);
  EXPECT_NEAR(t.pnl, 100 * (109.89 - 100.1) - 12.4995, 1e-9);  // 966.5005
  EXPECT_NEAR(t.pnl_pct, 966.5005 / (100 * 100.1), 1e-12);
  EXPECT_NEAR(a.total_fees(), 12.4995, 1e-9);
  EXPECT_NEAR(a.traded_notional(), 10'010 + 10'989, 1e-9);
  // Everything closed: equity - capital is the trade's PnL.
  EXPECT_NEAR(a.equity() - 10'000, t.pnl, 1e-9);
}

// A long with stop 95 and target 110, filled at 100 (100 shares); the second bar is as given.
ClosedTrade long_with_levels(const ah_bar& second, size_t* trades = nullptr) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY, 0, 95, 110), kCtx);
  step(a, 0, B(2, 100, 102, 98, 101));  // fills at 100; touches neither level
  EXPECT_TRUE(a.in_market());
  step(a, 0, second);
  if (trades) *trades = a.closed().size();
  EXPECT_FALSE(a.in_market());
  EXPECT_EQ(a.closed().size(), 1u);
  if (a.closed().empty()) return {};
  EXPECT_NEAR(a.cash(), 10'000 + a.closed()[0].pnl, 1e-9);
  return a.closed()[0];
}

TEST(PaperAccount, StopIsAssumedFirstWhenOneBarTouchesBoth) {
  ClosedTrade t = long_with_levels(B(3, 100, 111, 94, 105));
  EXPECT_EQ(t.exit_reason, "stop_loss");
  EXPECT_DOUBLE_EQ(t.exit_price, 95);
  EXPECT_NEAR(t.pnl, -500, 1e-9);
  EXPECT_EQ(t.exit_ms, 3);
  EXPECT_DOUBLE_EQ(t.stop_loss, 95);
  EXPECT_DOUBLE_EQ(t.take_profit, 110);
}

TEST(PaperAccount, TakeProfitWithinTheBar) {
  ClosedTrade t = long_with_levels(B(3, 101, 111, 100, 108));
  EXPECT_EQ(t.exit_reason, "take_profit");
  EXPECT_DOUBLE_EQ(t.exit_price, 110);
  EXPECT_NEAR(t.pnl, 1'000, 1e-9);
}

TEST(PaperAccount, GapThroughTheStopFillsAtTheOpen) {
  ClosedTrade t = long_with_levels(B(3, 90, 92, 88, 91));
  EXPECT_EQ(t.exit_reason, "stop_loss");
  EXPECT_DOUBLE_EQ(t.exit_price, 90);  // not 95: the market never traded there
  EXPECT_NEAR(t.pnl, -1'000, 1e-9);
}

TEST(PaperAccount, GapThroughTheTargetFillsAtTheOpen) {
  ClosedTrade t = long_with_levels(B(3, 115, 116, 113, 114));
  EXPECT_EQ(t.exit_reason, "take_profit");
  EXPECT_DOUBLE_EQ(t.exit_price, 115);
  EXPECT_NEAR(t.pnl, 1'500, 1e-9);
}

TEST(PaperAccount, ShortStopsAreAboveAndPessimisticToo) {
  PaperAccount a(plain(10'000, true), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_SELL, 0, 105, 90), kCtx);
  step(a, 0, B(2, 100, 101, 99, 100));  // short 100 at 100
  step(a, 0, B(3, 100, 106, 89, 95));   // touches both: the stop at 105
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_EQ(a.closed()[0].exit_reason, "stop_loss");
  EXPECT_DOUBLE_EQ(a.closed()[0].exit_price, 105);
  EXPECT_NEAR(a.closed()[0].quantity, -100, 1e-12);
  EXPECT_NEAR(a.closed()[0].pnl, -500, 1e-9);

  PaperAccount g(plain(10'000, true), 1);
  step(g, 0, B(1, 99, 99, 99, 99));
  g.on_signal(0, S(AH_SELL, 0, 105, 90), kCtx);
  step(g, 0, B(2, 100, 101, 99, 100));
  step(g, 0, B(3, 108, 109, 107, 108));  // gaps above the stop: fills at the open
  ASSERT_EQ(g.closed().size(), 1u);
  EXPECT_DOUBLE_EQ(g.closed()[0].exit_price, 108);
  EXPECT_NEAR(g.closed()[0].pnl, -800, 1e-9);
}

TEST(PaperAccount, StopAppliesFromTheFillBar) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY, 0, 95, 0), kCtx);
  step(a, 0, B(2, 100, 101, 94, 96));  // fills at 100, then trades down through 95
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_EQ(a.closed()[0].exit_reason, "stop_loss");
  EXPECT_EQ(a.closed()[0].entry_ms, 2);
  EXPECT_EQ(a.closed()[0].exit_ms, 2);
  EXPECT_DOUBLE_EQ(a.closed()[0].exit_price, 95);
}

TEST(PaperAccount, NoShortingWhenNotAllowed) {
  PaperAccount a(plain(10'000, false), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_SELL), kCtx);  // from flat: nothing
  step(a, 0, B(2, 100, 101, 99, 100));
  EXPECT_FALSE(a.in_market());
  EXPECT_DOUBLE_EQ(a.cash(), 10'000);
  EXPECT_TRUE(a.closed().empty());
  EXPECT_DOUBLE_EQ(a.total_fees(), 0);
  EXPECT_DOUBLE_EQ(a.traded_notional(), 0);

  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(3, 100, 101, 99, 100));  // long 100 at 100
  a.on_signal(0, S(AH_SELL), kCtx);      // while long: closes, does not reverse
  step(a, 0, B(4, 120, 121, 119, 120));
  EXPECT_FALSE(a.in_market());
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_GT(a.closed()[0].quantity, 0);
  EXPECT_NEAR(a.cash(), 12'000, 1e-9);
  step(a, 0, B(5, 50, 51, 49, 50));
  EXPECT_NEAR(a.equity(), 12'000, 1e-9);  // flat: the price fall does not touch the account

  // A negative target is clamped to flat too.
  a.on_signal(0, T(-0.5), kCtx);
  step(a, 0, B(6, 50, 51, 49, 50));
  EXPECT_FALSE(a.in_market());
  EXPECT_EQ(a.closed().size(), 1u);
}

TEST(PaperAccount, ShortFromFlatWhenAllowedAndItsPnlSign) {
  PaperAccount a(plain(10'000, true), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_SELL), kCtx);
  step(a, 0, B(2, 100, 101, 94, 95));  // short 100 at 100; proceeds are cash
  EXPECT_TRUE(a.in_market());
  EXPECT_NEAR(a.cash(), 20'000, 1e-9);
  EXPECT_NEAR(a.equity(), 20'000 - 100 * 95, 1e-9);  // marked: the fall is a gain
  a.on_signal(0, S(AH_BUY), kCtx);  // reverses: covers at 90, then long with all equity
  step(a, 0, B(3, 90, 91, 89, 90));
  ASSERT_EQ(a.closed().size(), 1u);
  const ClosedTrade& t = a.closed()[0];
  EXPECT_NEAR(t.quantity, -100, 1e-12);
  EXPECT_EQ(t.action, AH_SELL);
  EXPECT_NEAR(t.pnl, 1'000, 1e-9);  // sold at 100, bought back at 90
  EXPECT_NEAR(t.pnl_pct, 0.1, 1e-12);
  EXPECT_TRUE(a.in_market());
  EXPECT_NEAR(a.cash(), 0, 1e-9);  // 11000 of equity, all in the long at 90
  EXPECT_NEAR(a.equity(), 11'000, 1e-9);

  // A losing short: price rises.
  PaperAccount b(plain(10'000, true), 1);
  step(b, 0, B(1, 99, 99, 99, 99));
  b.on_signal(0, S(AH_SELL), kCtx);
  step(b, 0, B(2, 100, 101, 99, 100));
  b.on_signal(0, T(0), kCtx);
  step(b, 0, B(3, 110, 111, 109, 110));
  ASSERT_EQ(b.closed().size(), 1u);
  EXPECT_NEAR(b.closed()[0].pnl, -1'000, 1e-9);
  EXPECT_FALSE(b.in_market());
  EXPECT_NEAR(b.cash(), 9'000, 1e-9);
}

TEST(PaperAccount, RepeatedBuyWhileLongChangesNothing) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(2, 100, 101, 99, 100));
  const double cash = a.cash(), fees = a.total_fees(), notional = a.traded_notional();
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(3, 110, 111, 109, 110));
  a.on_signal(0, S(AH_BUY, 0.5), kCtx);  // another size is still "buy while long"
  step(a, 0, B(4, 120, 121, 119, 120));
  EXPECT_EQ(a.cash(), cash);
  EXPECT_EQ(a.total_fees(), fees);
  EXPECT_EQ(a.traded_notional(), notional);
  EXPECT_TRUE(a.closed().empty());
  EXPECT_NEAR(a.equity(), 100 * 120, 1e-9);
}

TEST(PaperAccount, TargetResizesAndAPartialCloseRecordsTheClosedPart) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, T(1.0), kCtx);
  step(a, 0, B(2, 100, 101, 99, 100));  // 100 shares at 100
  a.on_signal(0, T(0.4), kCtx);
  // Open 125: equity 12500, target 0.4 * 12500 / 125 = 40 shares: 60 are sold at 125.
  step(a, 0, B(3, 125, 131, 124, 130));
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_NEAR(a.closed()[0].quantity, 60, 1e-9);
  EXPECT_DOUBLE_EQ(a.closed()[0].entry_price, 100);
  EXPECT_DOUBLE_EQ(a.closed()[0].exit_price, 125);
  EXPECT_NEAR(a.closed()[0].pnl, 1'500, 1e-9);
  EXPECT_EQ(a.closed()[0].action, AH_TARGET);
  EXPECT_TRUE(a.in_market());
  EXPECT_NEAR(a.cash(), 7'500, 1e-9);
  EXPECT_NEAR(a.equity(), 7'500 + 40 * 130, 1e-9);
  a.on_signal(0, T(0), kCtx);
  step(a, 0, B(4, 150, 151, 149, 150));
  ASSERT_EQ(a.closed().size(), 2u);
  EXPECT_NEAR(a.closed()[1].quantity, 40, 1e-9);
  EXPECT_NEAR(a.closed()[1].pnl, 2'000, 1e-9);
  EXPECT_FALSE(a.in_market());
  EXPECT_NEAR(a.cash(), 13'500, 1e-9);
}

TEST(PaperAccount, TargetIncreaseAveragesTheEntryPrice) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, T(0.5), kCtx);
  step(a, 0, B(2, 100, 101, 99, 100));  // 50 shares at 100, cash 5000
  EXPECT_NEAR(a.cash(), 5'000, 1e-9);
  a.on_signal(0, T(1.0), kCtx);
  // Open 200: equity 5000 + 50 * 200 = 15000 -> 75 shares: 25 more at 200, cash 0.
  step(a, 0, B(3, 200, 201, 199, 200));
  EXPECT_NEAR(a.cash(), 0, 1e-9);
  EXPECT_TRUE(a.closed().empty());
  a.on_signal(0, T(0), kCtx);
  step(a, 0, B(4, 210, 211, 209, 210));
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_NEAR(a.closed()[0].quantity, 75, 1e-9);
  EXPECT_NEAR(a.closed()[0].entry_price, (50 * 100.0 + 25 * 200.0) / 75, 1e-9);
  EXPECT_NEAR(a.closed()[0].pnl, 75 * 210 - 10'000, 1e-9);
  EXPECT_NEAR(a.cash(), 15'750, 1e-9);
}

TEST(PaperAccount, MaximumAdverseAndFavorableExcursions) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(2, 100, 104, 97, 101));  // entry 100: -3% .. +4%
  step(a, 0, B(3, 101, 108, 99, 107));  // +8%
  a.on_signal(0, S(AH_SELL), kCtx);
  step(a, 0, B(4, 106, 130, 50, 110));  // exits at the open: this bar's range is not the trade's
  ASSERT_EQ(a.closed().size(), 1u);
  EXPECT_NEAR(a.closed()[0].mae, -0.03, 1e-12);
  EXPECT_NEAR(a.closed()[0].mfe, 0.08, 1e-12);

  PaperAccount s(plain(10'000, true), 1);
  step(s, 0, B(1, 99, 99, 99, 99));
  s.on_signal(0, S(AH_SELL), kCtx);
  step(s, 0, B(2, 100, 105, 96, 98));  // short at 100: adverse is up, +5%
  step(s, 0, B(3, 98, 99, 90, 92));    // favorable is down, -10%
  s.on_signal(0, T(0), kCtx);
  step(s, 0, B(4, 93, 200, 1, 95));
  ASSERT_EQ(s.closed().size(), 1u);
  EXPECT_NEAR(s.closed()[0].mae, -0.05, 1e-12);
  EXPECT_NEAR(s.closed()[0].mfe, 0.10, 1e-12);
  EXPECT_NEAR(s.closed()[0].pnl, 700, 1e-9);
}

TEST(PaperAccount, EquityIsCashPlusMarkedPositionsAndCloseAllEndsEverything) {
  BrokerConfig c = plain();
  c.default_size = 0.5;
  PaperAccount a(c, 2);
  step(a, 0, B(0, 100, 100, 100, 100));
  step(a, 1, B(0, 50, 50, 50, 50));
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(1, 100, 112, 99, 110));  // 0.5 * 10000 / 100 = 50 shares; cash 5000
  EXPECT_NEAR(a.cash(), 5'000, 1e-9);
  EXPECT_NEAR(a.equity(), 5'000 + 50 * 110, 1e-9);
  a.on_signal(1, S(AH_BUY), kCtx);
  // Symbol 1's next bar (symbol 0 has none at ts 2): equity at its open is 5000 + 50 * 110 =
  // 10500, so 0.5 * 10500 / 50 = 105 shares at 50; cash 5000 - 5250 = -250.
  step(a, 1, B(2, 50, 51, 39, 40));
  EXPECT_NEAR(a.cash(), -250, 1e-9);
  EXPECT_NEAR(a.equity(), -250 + 50 * 110 + 105 * 40, 1e-9);  // 9450
  EXPECT_TRUE(a.in_market());
  a.on_signal(0, S(AH_SELL), kCtx);  // pending at the end: dropped by close_all
  a.close_all(99);
  EXPECT_FALSE(a.in_market());
  ASSERT_EQ(a.closed().size(), 2u);
  for (const auto& t : a.closed()) {
    EXPECT_EQ(t.exit_reason, "end_of_data");
    EXPECT_EQ(t.exit_ms, 99);
  }
  EXPECT_EQ(a.closed()[0].symbol, 0u);
  EXPECT_DOUBLE_EQ(a.closed()[0].exit_price, 110);  // the last mark
  EXPECT_NEAR(a.closed()[0].pnl, 500, 1e-9);
  EXPECT_EQ(a.closed()[1].symbol, 1u);
  EXPECT_NEAR(a.closed()[1].quantity, 105, 1e-9);
  EXPECT_NEAR(a.closed()[1].pnl, -1'050, 1e-9);
  EXPECT_NEAR(a.cash(), 9'450, 1e-9);
  EXPECT_NEAR(a.equity(), 9'450, 1e-9);
  // The dropped order never fills.
  step(a, 0, B(100, 120, 121, 119, 120));
  EXPECT_EQ(a.closed().size(), 2u);
  EXPECT_FALSE(a.in_market());
}

// Two symbols at one timestamp: every open is filled before any close is marked, so symbol 1's
// order is sized with symbol 0 at its open (100), not its close (110). At the open the account
// is worth 5000 cash + 50 shares at 100 = 10000: half of it is 100 shares at 50 (not 105).
TEST(PaperAccount, SizingAtTheOpenUsesNoCloseOfTheSameTimestamp) {
  BrokerConfig c = plain();
  c.default_size = 0.5;
  PaperAccount a(c, 2);
  step(a, 0, B(0, 100, 100, 100, 100));
  step(a, 1, B(0, 50, 50, 50, 50));
  a.on_signal(0, S(AH_BUY), kCtx);
  a.on_signal(1, S(AH_BUY), kCtx);
  const ah_bar b0 = B(1, 100, 112, 99, 110), b1 = B(1, 50, 51, 39, 40);
  a.on_open(0, b0);
  a.on_open(1, b1);
  a.on_bar(0, b0);
  a.on_bar(1, b1);
  EXPECT_NEAR(a.cash(), 0, 1e-9);
  EXPECT_NEAR(a.equity(), 50 * 110 + 100 * 40, 1e-9);
  a.close_all(2);
  ASSERT_EQ(a.closed().size(), 2u);
  EXPECT_NEAR(a.closed()[0].quantity, 50, 1e-9);
  EXPECT_NEAR(a.closed()[1].quantity, 100, 1e-9);
}

TEST(PaperAccount, TakeNewClosedStreamsEachTradeOnce) {
  PaperAccount a(plain(), 1);
  step(a, 0, B(1, 99, 99, 99, 99));
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(2, 100, 101, 99, 100));
  EXPECT_TRUE(a.take_new_closed().empty());
  a.on_signal(0, S(AH_SELL), kCtx);
  step(a, 0, B(3, 101, 101, 101, 101));
  auto first = a.take_new_closed();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].exit_ms, 3);
  EXPECT_TRUE(a.take_new_closed().empty());
  a.on_signal(0, S(AH_BUY), kCtx);
  step(a, 0, B(4, 100, 101, 99, 100));
  a.close_all(5);
  auto second = a.take_new_closed();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].exit_ms, 5);
  EXPECT_EQ(a.closed().size(), 2u);
}

}  // namespace
}  // namespace algohost
