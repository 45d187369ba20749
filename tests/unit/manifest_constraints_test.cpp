// Cross-parameter constraints: parsed and validated with JSON paths when the manifest is read,
// enforced by check_parameter_set() (through resolve_parameters), and declared by the built-in
// strategies for what their constructors check.
#include <gtest/gtest.h>

#include "registry/manifest/manifest.h"

namespace algohost {
namespace {

OrderedJson pairs_doc() {
  return OrderedJson::parse(R"({
    "name": "pairs", "display_name": "Pairs", "version": "1.0.0",
    "implementation": {"language": "python", "module": "pairs.py", "class_name": "Pairs", "sdk_api_version": "1.0"},
    "parameters": {
      "entry_z": {"type": "float", "default": 2.0, "min": 0.5, "max": 4.0},
      "exit_z": {"type": "float", "default": 0.5, "min": 0.0, "max": 2.0},
      "stop_z": {"type": "float", "default": 5.0, "min": 2.0, "max": 10.0},
      "lookback": {"type": "integer", "default": 60, "min": 20, "max": 500},
      "leg_a": {"type": "string", "default": "A"},
      "leg_b": {"type": "string", "default": "B"},
      "hedge": {"type": "boolean", "default": true}
    },
    "constraints": ["exit_z < entry_z", "stop_z > entry_z", "lookback >= 30", "leg_a != leg_b"]
  })");
}

std::string errors(const ManifestReport& r) {
  std::string s;
  for (const auto& i : r.issues)
    if (!i.warning) s += i.to_string() + "\n";
  return s;
}

ManifestReport check(const OrderedJson& doc) { return validate_manifest(doc, "/plugins/pairs/manifest.json"); }

TEST(Constraints, AreReadWithTheManifest) {
  auto r = check(pairs_doc());
  ASSERT_TRUE(r.ok()) << errors(r);
  const auto& c = r.manifest->constraints;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[1].text, "stop_z > entry_z");
  EXPECT_EQ(c[1].left.parameter, "stop_z");
  EXPECT_EQ(c[1].op, CompareOp::kGreater);
  EXPECT_EQ(c[1].right.parameter, "entry_z");
  EXPECT_EQ(c[2].right.parameter, "");
  EXPECT_EQ(c[2].right.number, 30);
}

TEST(Constraints, BadExpressionsAreNamedByTheirJsonPath) {
  OrderedJson doc = pairs_doc();
  doc["constraints"] = {"fast < slow", "stop_z > stopz", "stop_z >> entry_z", 3, "2 < 3", "leg_a < leg_b",
                        "leg_a == entry_z", "hedge != 1", "stop_z>=1e999"};
  const std::string s = errors(check(doc));
  EXPECT_NE(s.find("constraints[0]: unknown parameter 'fast' (parameters: entry_z, exit_z, stop_z, lookback, leg_a, leg_b, hedge)"),
            std::string::npos) << s;
  EXPECT_NE(s.find("constraints[1]: unknown parameter 'stopz'"), std::string::npos) << s;
  EXPECT_NE(s.find("constraints[2]: 'stop_z >> entry_z' is not PARAMETER OP PARAMETER or PARAMETER OP NUMBER"),
            std::string::npos) << s;
  EXPECT_NE(s.find("constraints[3]: expected a string"), std::string::npos) << s;
  EXPECT_NE(s.find("constraints[4]: '2 < 3' compares two numbers"), std::string::npos) << s;
  EXPECT_NE(s.find("constraints[5]: '<' compares numbers; 'leg_a' is a string parameter"), std::string::npos) << s;
  EXPECT_NE(s.find("constraints[6]: 'leg_a' is a string parameter; compare it with another string parameter"),
            std::string::npos) << s;
  EXPECT_NE(s.find("constraints[7]: 'hedge' is a boolean parameter"), std::string::npos) << s;
  EXPECT_NE(s.find("constraints[8]: '1e999' is not a number"), std::string::npos) << s;

  doc["constraints"] = "fast < slow";
  EXPECT_NE(errors(check(doc)).find("constraints: expected an array of strings"), std::string::npos);
}

TEST(Constraints, DefaultsThatBreakAConstraintMakeTheManifestInvalid) {
  OrderedJson doc = pairs_doc();
  doc["parameters"]["stop_z"]["default"] = 2.0;
  const std::string s = errors(check(doc));
  EXPECT_NE(s.find("constraints[1]: the defaults break 'stop_z > entry_z': stop_z = 2.0, entry_z = 2.0"),
            std::string::npos) << s;
}

TEST(Constraints, AnInvalidParameterIsNotReportedAgainAsUnknown) {
  OrderedJson doc = pairs_doc();
  doc["parameters"]["stop_z"]["type"] = "complex";
  const std::string s = errors(check(doc));
  EXPECT_NE(s.find("parameters.stop_z.type"), std::string::npos) << s;
  EXPECT_EQ(s.find("unknown parameter 'stop_z'"), std::string::npos) << s;
}

TEST(Constraints, ResolveParametersRefusesAViolationNamingStrategyConstraintAndValues) {
  const Manifest m = *check(pairs_doc()).manifest;
  auto broken = resolve_parameters(m, {{"stop_z", "2.0"}});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message(), "pairs: constraint stop_z > entry_z fails: stop_z = 2.0, entry_z = 2.0");
  auto exit = resolve_parameters(m, {{"exit_z", "2"}, {"entry_z", "1.5"}});
  ASSERT_FALSE(exit.ok());
  EXPECT_EQ(exit.status().message(), "pairs: constraint exit_z < entry_z fails: exit_z = 2.0, entry_z = 1.5");
  auto number = resolve_parameters(m, {{"lookback", "25"}});
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().message(), "pairs: constraint lookback >= 30 fails: lookback = 25");
  auto strings = resolve_parameters(m, {{"leg_b", "A"}});
  ASSERT_FALSE(strings.ok());
  EXPECT_EQ(strings.status().message(), "pairs: constraint leg_a != leg_b fails: leg_a = \"A\", leg_b = \"A\"");
  // Moving both sides together keeps it satisfied.
  auto fine = resolve_parameters(m, {{"entry_z", "3"}, {"stop_z", "3.5"}, {"exit_z", "2"}});
  ASSERT_TRUE(fine.ok()) << fine.status().message();
  EXPECT_EQ((*fine)["stop_z"], 3.5);
}

TEST(Constraints, CheckParameterSetChecksRangesAndConstraintsOfACompleteSet) {
  const Manifest m = *check(pairs_doc()).manifest;
  OrderedJson values = {{"entry_z", 2.0}, {"exit_z", 0.5}, {"stop_z", 5.0}};
  EXPECT_TRUE(check_parameter_set(m, values).ok());  // missing ones count as their defaults
  values["stop_z"] = 1.0;
  Status range = check_parameter_set(m, values);
  EXPECT_EQ(range.message(), "pairs: parameter 'stop_z': 1.0 is outside [2, 10]");
  values["stop_z"] = 3.0;
  values["entry_z"] = 3.0;
  EXPECT_EQ(check_parameter_set(m, values).message(), "pairs: constraint stop_z > entry_z fails: stop_z = 3.0, entry_z = 3.0");
}

TEST(Constraints, EveryOperator) {
  OrderedJson doc = pairs_doc();
  struct Case {
    const char* text;
    double default_exit_z;
    const char* exit_z;
    bool ok;
  };
  // entry_z stays 2.0.
  const Case cases[] = {{"exit_z < entry_z", 1, "2", false},   {"exit_z <= entry_z", 1, "2", true},
                        {"exit_z <= entry_z", 1, "2.5", false}, {"entry_z > exit_z", 1, "1.9", true},
                        {"entry_z >= exit_z", 1, "2", true},    {"exit_z == entry_z", 2, "2", true},
                        {"exit_z==entry_z", 2, "1.5", false},   {"exit_z != 1", 0.5, "1", false},
                        {"1 <= exit_z", 1, "0.5", false},       {"exit_z > -0.5", 1, "0", true}};
  for (const auto& c : cases) {
    doc["constraints"] = {c.text};
    doc["parameters"]["exit_z"]["default"] = c.default_exit_z;
    doc["parameters"]["exit_z"]["max"] = 3.0;
    auto r = check(doc);
    ASSERT_TRUE(r.ok()) << c.text << ": " << errors(r);
    auto p = resolve_parameters(*r.manifest, {{"exit_z", c.exit_z}});
    EXPECT_EQ(p.ok(), c.ok) << c.text << " with exit_z = " << c.exit_z << ": " << p.status().message();
  }
}

}  // namespace
}  // namespace algohost
