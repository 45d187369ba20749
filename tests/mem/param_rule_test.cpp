// MEM's parameter rule (host/mem/adapt.h): only parameters with a mem_role, never by name; one
// proposal per parameter per run from the scoring part's win rate; ranges and constraints hold.
#include <filesystem>

#include <gtest/gtest.h>

#include "host/mem/adapt.h"
#include "registry/manifest/manifest.h"

namespace algohost {
namespace {

ParamSpec spec(const char* name, ParamType t, OrderedJson def, double lo, double hi, const char* role = "") {
  ParamSpec s;
  s.name = name;
  s.type = t;
  s.default_value = std::move(def);
  s.min = lo;
  s.max = hi;
  s.mem_role = role;
  return s;
}

Manifest roles_manifest() {
  Manifest m;
  m.name = "risky";
  m.version_text = "1.0.0";
  // "position_size" and "stop_loss_pct" have names the old rule matched, but no role here.
  m.parameters = {spec("weight", ParamType::kFloat, 0.3, 0.1, 0.5, "position_size"),
                  spec("stop_pct", ParamType::kFloat, 0.05, 0.02, 0.1, "stop_distance"),
                  spec("lots", ParamType::kInteger, 4, 1, 10, "risk_scale"),
                  spec("position_size", ParamType::kFloat, 0.3, 0.1, 0.5),
                  spec("stop_loss_pct", ParamType::kFloat, 0.05, 0.02, 0.1)};
  return m;
}

nlohmann::json used() { return {{"weight", 0.3}, {"stop_pct", 0.05}, {"lots", 4}, {"position_size", 0.3}, {"stop_loss_pct", 0.05}}; }

const mem::ParamChange* find(const mem::ParamProposal& p, const std::string& name) {
  for (const auto& c : p.changes)
    if (c.parameter == name) return &c;
  return nullptr;
}

TEST(MemParamRule, LosingReducesEveryRoleOnceAndNothingWithoutARole) {
  const Manifest m = roles_manifest();
  const auto p = mem::propose_parameter_changes(m, used(), 20, 4);  // win rate 0.20
  ASSERT_EQ(p.changes.size(), 3u);
  EXPECT_DOUBLE_EQ(find(p, "weight")->after.get<double>(), 0.3 * 0.8);
  EXPECT_DOUBLE_EQ(find(p, "stop_pct")->after.get<double>(), 0.05 * 0.8);
  EXPECT_EQ(find(p, "lots")->after.get<int64_t>(), 3);  // 3.2 rounded
  EXPECT_EQ(find(p, "position_size"), nullptr);
  EXPECT_EQ(find(p, "stop_loss_pct"), nullptr);
  for (const auto& c : p.changes) EXPECT_NE(c.reason.find("0.20"), std::string::npos) << c.reason;
}

TEST(MemParamRule, WinningIncreasesSizeAndRiskButNotStops) {
  const auto p = mem::propose_parameter_changes(roles_manifest(), used(), 20, 18);  // 0.90
  ASSERT_EQ(p.changes.size(), 2u);
  EXPECT_DOUBLE_EQ(find(p, "weight")->after.get<double>(), 0.3 * 1.2);
  EXPECT_EQ(find(p, "lots")->after.get<int64_t>(), 5);
  EXPECT_EQ(find(p, "stop_pct"), nullptr);
}

TEST(MemParamRule, NothingWithTooFewTradesOrAWinRateInBetween) {
  auto few = mem::propose_parameter_changes(roles_manifest(), used(), 9, 0);
  EXPECT_TRUE(few.changes.empty());
  EXPECT_NE(few.note.find("fewer than the 10"), std::string::npos) << few.note;
  auto middle = mem::propose_parameter_changes(roles_manifest(), used(), 20, 11);  // 0.55
  EXPECT_TRUE(middle.changes.empty());
  EXPECT_NE(middle.note.find("within"), std::string::npos) << middle.note;
}

TEST(MemParamRule, ClampedToTheRangeAndLeftAloneAtItsBound) {
  nlohmann::json at_bounds = used();
  at_bounds["weight"] = 0.11;  // x0.8 = 0.088 < min 0.1: clamped to 0.1
  at_bounds["stop_pct"] = 0.02;  // already at min
  const auto p = mem::propose_parameter_changes(roles_manifest(), at_bounds, 20, 0);
  ASSERT_NE(find(p, "weight"), nullptr);
  EXPECT_DOUBLE_EQ(find(p, "weight")->after.get<double>(), 0.1);
  EXPECT_EQ(find(p, "stop_pct"), nullptr);
  ASSERT_FALSE(p.skipped.empty());
  EXPECT_EQ(p.skipped.front().parameter, "stop_pct");
}

// pairs_trading: stop_z carries stop_distance. At 2.4 with entry_z 2.0, x0.8 = 1.92 would break
// "stop_z > entry_z" (the failure that once kept every later run from starting): never proposed.
TEST(MemParamRule, NeverProposesAValueThatBreaksAConstraint) {
  auto r = load_manifest(std::filesystem::path(ALGOHOST_SOURCE_DIR) / "python/strategies/pairs_trading/manifest.json");
  ASSERT_TRUE(r.ok()) << r.error_summary();
  const Manifest& m = *r.manifest;
  ASSERT_EQ(m.find_parameter("stop_z")->mem_role, "stop_distance");
  nlohmann::json values{{"lookback", 60}, {"entry_z", 2.0}, {"exit_z", 0.5}, {"stop_z", 2.4}, {"gross_exposure", 1.0},
                        {"leg_a", ""}, {"leg_b", ""}};
  const auto p = mem::propose_parameter_changes(m, values, 30, 3);
  EXPECT_EQ(find(p, "stop_z"), nullptr);
  bool said = false;
  for (const auto& s : p.skipped) said = said || (s.parameter == "stop_z" && s.why.find("stop_z > entry_z") != std::string::npos);
  EXPECT_TRUE(said);
  ASSERT_NE(find(p, "gross_exposure"), nullptr);
  nlohmann::json after = values;
  for (const auto& c : p.changes) after[c.parameter] = c.after;
  EXPECT_TRUE(check_parameter_set(m, OrderedJson::parse(after.dump())).ok());
}

TEST(MemParamRule, AManifestRoleOnANonNumberIsAnErrorNamingTheField) {
  std::vector<ManifestIssue> issues;
  parse_parameter_specs(OrderedJson::parse(R"({"mode": {"type": "string", "default": "a", "mem_role": "risk_scale"},
                                               "k": {"type": "float", "default": 1, "mem_role": "leverage"}})"),
                        issues);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].path, "parameters.mode.mem_role");
  EXPECT_EQ(issues[1].path, "parameters.k.mem_role");
  EXPECT_NE(issues[1].message.find("risk_scale, stop_distance, position_size"), std::string::npos) << issues[1].message;
}

}  // namespace
}  // namespace algohost
