// The built-in plugins' manifests declare the cross-parameter constraints their constructors check,
// so a value that breaks one is refused (naming the constraint) before any plugin code runs.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "registry/manifest/manifest.h"

namespace algohost {
namespace {

namespace fs = std::filesystem;

Manifest load(const std::string& relative) {
  auto r = load_manifest(fs::path(ALGOHOST_SOURCE_DIR) / relative);
  if (!r.ok()) throw std::runtime_error(r.error_summary());
  return *r.manifest;
}

std::set<std::string> texts(const Manifest& m) {
  std::set<std::string> out;
  for (const auto& c : m.constraints) out.insert(c.text);
  return out;
}

TEST(BuiltinManifests, DeclareTheirConstraints) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"plugins/macd/manifest.json", {"fast < slow"}},
      {"plugins/rsi/manifest.json", {"oversold <= overbought"}},
      {"plugins/mfi/manifest.json", {"oversold <= overbought"}},
      {"plugins/vol_gate/manifest.json", {"min_scale <= max_scale"}},
      {"python/strategies/pairs_trading/manifest.json", {"exit_z < entry_z", "stop_z > entry_z"}},
      {"python/strategies/volatility_managed_momentum/manifest.json", {"skip_period < momentum_lookback"}},
  };
  for (const auto& [file, constraints] : expected) EXPECT_EQ(texts(load(file)), constraints) << file;
}

TEST(BuiltinManifests, AViolationIsRefusedWithTheConstraint) {
  struct Case {
    const char* file;
    std::map<std::string, std::string> values;
    const char* message;
  };
  const Case cases[] = {
      {"plugins/macd/manifest.json", {{"fast", "30"}}, "macd: constraint fast < slow fails: fast = 30, slow = 26"},
      {"python/strategies/pairs_trading/manifest.json", {{"stop_z", "2.0"}},
       "pairs_trading: constraint stop_z > entry_z fails: stop_z = 2.0, entry_z = 2.0"},
      {"python/strategies/pairs_trading/manifest.json", {{"exit_z", "2"}},
       "pairs_trading: constraint exit_z < entry_z fails: exit_z = 2.0, entry_z = 2.0"},
      {"python/strategies/volatility_managed_momentum/manifest.json", {{"skip_period", "63"}, {"momentum_lookback", "50"}},
       "volatility_managed_momentum: constraint skip_period < momentum_lookback fails: skip_period = 63, "
       "momentum_lookback = 50"},
  };
  for (const auto& c : cases) {
    auto p = resolve_parameters(load(c.file), c.values);
    ASSERT_FALSE(p.ok()) << c.file;
    EXPECT_EQ(p.status().message(), c.message);
  }
}

// vwap's `price` is a string parameter with two choices; the default keeps 1.0.0's typical price.
TEST(BuiltinManifests, VwapPriceIsTypicalOrClose) {
  const Manifest m = load("plugins/vwap/manifest.json");
  auto def = resolve_parameters(m, {});
  ASSERT_TRUE(def.ok()) << def.status().message();
  EXPECT_EQ((*def)["price"], "typical");
  auto close = resolve_parameters(m, {{"price", "close"}});
  ASSERT_TRUE(close.ok()) << close.status().message();
  EXPECT_EQ((*close)["price"], "close");
  auto bad = resolve_parameters(m, {{"price", "open"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("price"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("typical, close"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace algohost
