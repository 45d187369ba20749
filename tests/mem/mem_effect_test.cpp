// MEM's effect, through RunService::run itself (no copy of its wiring), on data written as CSV:
//   - a planted regularity (calm blocks drift up, volatile blocks drift down): MEM learns from more
//     than 100 outcomes before the split, its skill gate opens, the enhanced arm vetoes the planted
//     losing context and gains significantly (HAC t);
//   - `partial` mode end to end (a copy of the built-in RSI whose manifest says partial): the
//     confidence changes, the trades do not (no size change, no veto);
//   - ten GARCH(1,1) random walks (no regularity, volatility clustering): at most 2 significant
//     verdicts (binomial bound for alpha 0.05 over 10 runs: P(X > 2) < 0.012), and MEM's mean
//     absolute change of the scoring part's Sharpe stays under 0.02.
#include <gtest/gtest.h>

#include <cmath>

#include "host/data/timestamp.h"
#include "host/service/run_service.h"
#include "tests/mem/mem_fixture.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

struct Env {
  testing::TempDir dir;
  std::unique_ptr<PluginService> plugins;
  std::unique_ptr<CatalogService> catalog;
  std::unique_ptr<RunService> runs;

  // `extra_plugins`: a plugin directory searched before the built-ins (made before discovery).
  explicit Env(const std::function<void(const std::filesystem::path&)>& extra_plugins = nullptr) {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    if (extra_plugins) {
      extra_plugins(dir / "plugins");
      o.plugin_dirs = {dir / "plugins"};
    }
    plugins = std::make_unique<PluginService>(o);
    catalog = std::make_unique<CatalogService>(*plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test");
    runs = std::make_unique<RunService>(*plugins, *catalog);
  }
  catalog::Catalog& cat() { return **catalog->catalog(); }

  std::string csv(const MarketData& md, const std::string& name) {
    const auto file = dir / name;
    memtest::write_csv(file, md);
    return file.string();
  }
};

// RSI(3) with 40/60 levels: a long-only strategy that enters often (hundreds of trades in 4000 bars).
RunRequest request(const std::string& strategy, const std::string& csv, std::optional<bool> mem) {
  RunRequest req;
  req.strategies = {strategy};
  req.data = csv;
  req.mem = mem;
  req.params = {{"period", "3"}, {"oversold", "40"}, {"overbought", "60"}};
  return req;
}

// The planted data's losing context: the volatile blocks (odd hundreds of bars from the start).
bool volatile_block(const std::string& entry_timestamp) {
  const auto ms = parse_timestamp_ms(entry_timestamp);
  const int64_t bar = (*ms - 946'684'800'000) / 86'400'000;
  return (bar / 100) % 2 == 1;
}

TEST(MemEffect, PlantedRegularityIsLearnedVetoedAndGainsSignificantly) {
  Env env;
  const std::string csv = env.csv(memtest::make_data(4000, 7, true), "planted.csv");
  auto on = env.runs->run(request("rsi", csv, true));
  ASSERT_TRUE(on.ok()) << on.status().message();
  const auto& m = on->strategies[0].mem;
  ASSERT_TRUE(m.is_object());
  EXPECT_GE(m["learned_at_split"].get<int64_t>(), 100) << m.dump(1);
  const auto& gate = m["skill_gate"];
  EXPECT_EQ(gate["decision"], "act") << gate.dump(1);
  EXPECT_GE(gate["validation_trades"].get<int64_t>(), 20);
  EXPECT_GE(gate["t"].get<double>(), 2.0);
  EXPECT_GT(m["counters"]["vetoed"].get<int64_t>(), 0);
  const auto& sc = m["scoring"];
  EXPECT_EQ(sc["verdict"], "gain") << sc.dump(1);
  EXPECT_GE(sc["hac_t"].get<double>(), 2.0);
  EXPECT_GT(sc["mean_daily_log_difference"].get<double>(), 0.0);
  EXPECT_GT(sc["sharpe"]["difference"].get<double>(), 0.0);
  EXPECT_GT(sc["sharpe"]["ci95"][0].get<double>(), 0.0) << sc["sharpe"].dump();  // the interval excludes 0
  EXPECT_GT(sc["enhanced"]["exposure"].get<double>(), 0.0);
  EXPECT_GT(sc["base"]["turnover"].get<double>(), 0.0);
  EXPECT_LT(sc["enhanced"]["exposure"].get<double>(), sc["base"]["exposure"].get<double>());  // vetoed entries: less time in

  // The vetoes fall on the losing context: compared with the same strategy without MEM, the
  // scoring part drops most volatile-block entries and keeps calm-block ones at a far higher rate.
  auto off = env.runs->run(request("rsi", csv, false));
  ASSERT_TRUE(off.ok()) << off.status().message();
  const std::string split = m["scoring_part"]["from"];
  auto count = [&](const std::string& run_id, bool in_volatile) {
    int64_t n = 0;
    for (const auto& t : testing::must(env.cat().trades("rsi", run_id, 100000)))
      n += t.entry_timestamp >= split && volatile_block(t.entry_timestamp) == in_volatile;
    return n;
  };
  const int64_t calm_off = count(off->run_id, false), calm_on = count(on->run_id, false);
  const int64_t wild_off = count(off->run_id, true), wild_on = count(on->run_id, true);
  ASSERT_GT(wild_off, 20);
  EXPECT_LT(wild_on, wild_off / 2) << "volatile-block entries: " << wild_on << " with MEM, " << wild_off << " without";
  EXPECT_GT(calm_on * wild_off, 3 * wild_on * calm_off)  // calm entries kept at over 3x the rate of volatile ones
      << "calm-block entries: " << calm_on << " with MEM, " << calm_off << " without; volatile: " << wild_on << " with, "
      << wild_off << " without";
}

TEST(MemEffect, PartialModeEndToEndChangesConfidenceOnly) {
  Env env([](const std::filesystem::path& dir) {
    const std::filesystem::path builtin = std::filesystem::path(ALGOHOST_BUILTIN_PLUGIN_DIR) / "rsi" / "1.0.0";
    std::ifstream in(builtin / "manifest.json");
    nlohmann::ordered_json manifest = nlohmann::ordered_json::parse(in);
    manifest["name"] = "rsi_partial";
    manifest["mem_integration"]["enhancement_type"] = "partial";
    const std::string lib = (builtin / manifest["implementation"]["library"].get<std::string>()).string();
    testing::install_fixture(dir, lib, manifest);
  });
  const std::string csv = env.csv(memtest::make_data(4000, 7, true), "planted.csv");
  auto on = env.runs->run(request("rsi_partial", csv, std::nullopt));  // the manifest turns MEM on, partial
  ASSERT_TRUE(on.ok()) << on.status().message();
  const auto& m = on->strategies[0].mem;
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["mode"], "partial");
  EXPECT_EQ(m["skill_gate"]["statistic"], "pnl_added");
  EXPECT_EQ(m["skill_gate"]["decision"], "act") << m["skill_gate"].dump(1);
  EXPECT_EQ(m["counters"]["vetoed"].get<int64_t>(), 0);
  // The same trades as without MEM: no size change, no veto.
  auto off = env.runs->run(request("rsi_partial", csv, false));
  ASSERT_TRUE(off.ok()) << off.status().message();
  const auto with = testing::must(env.cat().trades("rsi_partial", on->run_id, 100000));
  const auto without = testing::must(env.cat().trades("rsi_partial", off->run_id, 100000));
  ASSERT_EQ(with.size(), without.size());
  ASSERT_GT(with.size(), 100u);
  int64_t moved = 0;
  for (size_t i = 0; i < with.size(); ++i) {
    EXPECT_EQ(with[i].entry_timestamp, without[i].entry_timestamp);
    EXPECT_DOUBLE_EQ(with[i].quantity, without[i].quantity);
    EXPECT_DOUBLE_EQ(with[i].pnl, without[i].pnl);
    if (with[i].was_mem_enhanced && with[i].mem_confidence_boost.value_or(0) != 0) ++moved;
  }
  EXPECT_GT(moved, 0);  // confidence changed where MEM judged
  EXPECT_EQ(m["scoring"]["improvement_pct"].get<double>(), 0.0);
  EXPECT_EQ(m["scoring"]["verdict"], "within noise");
}

TEST(MemEffect, NoRegularityNoClaimAndLittleChange) {
  Env env;
  int significant = 0;
  double sum_abs = 0;
  std::string details;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const std::string csv = env.csv(memtest::make_garch(2500, seed), "garch" + std::to_string(seed) + ".csv");
    auto req = request("rsi", csv, true);
    auto r = env.runs->run(req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const auto& m = r->strategies[0].mem;
    const auto& sc = m["scoring"];
    significant += sc["significant"].get<bool>();
    ASSERT_TRUE(sc["sharpe"]["difference"].is_number()) << sc.dump(1);
    const double diff = sc["sharpe"]["difference"].get<double>();
    sum_abs += std::fabs(diff);
    details += "seed " + std::to_string(seed) + ": learned " + std::to_string(m["learned_at_split"].get<int64_t>()) + ", gate " +
               m["skill_gate"]["decision"].get<std::string>() + " (" + m["skill_gate"]["reason"].get<std::string>() +
               "), sharpe diff " + std::to_string(diff) + ", hac t " + std::to_string(sc["hac_t"].get<double>()) + "\n";
  }
  EXPECT_LE(significant, 2) << details;
  EXPECT_LT(sum_abs / 10, 0.02) << details;
  std::cout << details;
}

}  // namespace
}  // namespace algohost
