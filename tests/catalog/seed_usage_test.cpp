// The seed's usage example, step by step: register a research strategy, publish a version,
// record its trades, find the high performers, read its performance over a time range.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;

using algohost::testing::must;

struct TimeRange {
  std::string start, end;
};

TradeRecord closed_trade(const std::string& strategy, const std::string& version_id, const std::string& exit,
                         double pnl_pct) {
  TradeRecord t;
  t.strategy_id = strategy;
  t.version_id = version_id;
  t.symbol = "SPY";
  t.timeframe = "1d";
  t.signal_action = "buy";
  t.entry_timestamp = exit.substr(0, 10) + "T09:30:00Z";
  t.exit_timestamp = exit;
  t.entry_price = 100.0;
  t.quantity = 100;
  t.exit_price = 100.0 * (1 + pnl_pct / 100);
  t.pnl = 10000.0 * pnl_pct / 100;  // a $10,000 position
  t.pnl_percentage = pnl_pct;
  return t;
}

TEST(SeedUsage, VolatilityManagedMomentum) {
  TempDir dir;
  auto registry = must(Catalog::open(dir / "strategies.db"));

  // 1. Register the strategy.
  Registration strategy;
  strategy.name = "volatility_managed_momentum";
  strategy.display_name = "Volatility-Managed Momentum";
  strategy.description = "Momentum with exposure scaled by realised volatility (Barroso & Santa-Clara, 2015).";
  strategy.category = "momentum";
  strategy.language = "cpp";
  strategy.tags = {"momentum", "volatility_scaling", "academic"};
  strategy.origin = "research";
  strategy.academic_source = "Barroso, P. and Santa-Clara, P. (2015). Momentum has its moments.";
  strategy.status = "active";
  const std::string strategy_id = must(registry->register_strategy(strategy));

  // 2. Publish a version.
  VersionCreate version;
  version.version = "1.0.0";
  version.changelog = "Initial implementation";
  version.artifact_sha256 = std::string(64, 'd');
  version.parameters = Json::parse(R"({"lookback": {"type": "integer", "default": 252, "min": 20, "max": 500},
                                       "target_vol": {"type": "float", "default": 0.12, "min": 0.01, "max": 0.5}})");
  version.default_parameters = Json{{"lookback", 252}, {"target_vol", 0.12}};
  version.validation_status = "passed";
  const VersionRecord v1 = must(registry->create_version(strategy_id, version));
  EXPECT_EQ(must(registry->get(strategy_id)).current_version, "1.0.0");

  // 3. Record trades. Six exit inside 2024-01-01..2024-10-21 (one late on the last day), two outside.
  must(registry->record_trades({
      closed_trade(strategy_id, v1.version_id, "2023-12-29T16:00:00Z", 1.3),  // before the range
      closed_trade(strategy_id, v1.version_id, "2024-01-15T16:00:00Z", 2.0),
      closed_trade(strategy_id, v1.version_id, "2024-03-11T16:00:00Z", 1.0),
      closed_trade(strategy_id, v1.version_id, "2024-05-20T16:00:00Z", 3.0),
      closed_trade(strategy_id, v1.version_id, "2024-07-08T16:00:00Z", -0.5),
      closed_trade(strategy_id, v1.version_id, "2024-09-02T16:00:00Z", 1.5),
      closed_trade(strategy_id, v1.version_id, "2024-10-21T21:00:00Z", 1.0),  // last day, after hours
      closed_trade(strategy_id, v1.version_id, "2024-10-22T16:00:00Z", 1.2),  // after the range
  }));

  // Others, each failing one condition of the search below.
  auto other = [&](const std::string& name, const std::string& category, std::vector<std::string> tags,
                   std::vector<double> pcts) {
    Registration r;
    r.name = name;
    r.display_name = name;
    r.category = category;
    r.tags = std::move(tags);
    r.status = "active";
    must(registry->register_strategy(r), name);
    std::vector<TradeRecord> trades;
    int day = 1;
    for (double p : pcts) trades.push_back(closed_trade(name, "", "2024-02-0" + std::to_string(day++) + "T16:00:00Z", p));
    for (auto& t : trades) t.version_id.reset();
    must(registry->record_trades(trades), name);
  };
  other("plain_momentum", "momentum", {"momentum"}, {2.0, 2.1, 1.9});                     // not academic
  other("academic_reversion", "mean_reversion", {"academic"}, {2.0, 2.1, 1.9});           // not momentum
  other("weak_academic_momentum", "momentum", {"momentum", "academic"}, {1.0, -1.0, 0.5});  // low Sharpe

  // 4. Find the high performers.
  StrategyFilter filter;
  filter.min_sharpe = 1.0;
  filter.category = "momentum";
  filter.all_tags = {"academic"};
  auto high = must(registry->list(filter));
  ASSERT_EQ(high.size(), 1u);
  EXPECT_EQ(high[0].strategy_name, "volatility_managed_momentum");
  EXPECT_EQ(high[0].total_trades, 8);
  // Lifetime over all eight: pnl% 1.3, 2, 1, 3, -0.5, 1.5, 1, 1.2 -> mean 10.5/8, sum of squares
  // 20.63, sample variance (20.63 - 8 * mean^2) / 7.
  const double life_mean = 10.5 / 8;
  ASSERT_TRUE(high[0].lifetime_sharpe_ratio.has_value());
  EXPECT_NEAR(*high[0].lifetime_sharpe_ratio, life_mean / std::sqrt((20.63 - 8 * life_mean * life_mean) / 7), 1e-9);
  EXPECT_DOUBLE_EQ(*high[0].lifetime_win_rate, 7.0 / 8.0);

  // 5. Performance over a time range.
  const TimeRange range{"2024-01-01", "2024-10-21"};
  auto perf = must(registry->performance(strategy_id, range.start, range.end));
  // Inside: pnl% 2, 1, 3, -0.5, 1.5, 1 -> 5 wins of 6; mean 8/6 = 4/3; sum of squares 17.5;
  // sample variance (17.5 - 6 * 16/9) / 5 = 41/30; Sharpe = (4/3) / sqrt(41/30) ~ 1.1405.
  EXPECT_EQ(perf.trades, 6);
  EXPECT_DOUBLE_EQ(perf.win_rate, 5.0 / 6.0);
  ASSERT_TRUE(perf.per_trade_sharpe.has_value());
  EXPECT_NEAR(*perf.per_trade_sharpe, (4.0 / 3.0) / std::sqrt(41.0 / 30.0), 1e-9);
  EXPECT_NEAR(perf.total_pnl, 800.0, 1e-9);
  EXPECT_GT(*perf.per_trade_sharpe, 1.0);

  // The same figures by version.
  auto by_version = must(registry->performance(strategy_id, range.start, range.end, v1.version_id));
  EXPECT_EQ(by_version.trades, 6);
}

}  // namespace
}  // namespace algohost::catalog
