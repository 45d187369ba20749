// Manifest validation: every bad input is reported with its JSON path; a good one loads.
#include "registry/manifest/manifest.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::TempDir;
using testing::write_file;

OrderedJson good() {
  return OrderedJson::parse(R"({
    "name": "rsi", "display_name": "RSI", "version": "1.2.0",
    "classification": {"category": "mean_reversion", "tags": ["a", "b"]},
    "implementation": {"language": "cpp", "library": "librsi.so", "sdk_api_version": "1.0"},
    "parameters": {
      "period": {"type": "integer", "default": 14, "min": 2, "max": 100, "optimizable": true},
      "level": {"type": "float", "value": 30.5, "min": 0, "max": 100},
      "mode": {"type": "string", "default": "session", "choices": ["rolling", "session"]},
      "flag": {"type": "boolean", "default": true}
    },
    "requirements": {"short_selling": true, "symbols": 1, "min_data_points": 15},
    "mem_integration": {"enabled": true, "enhancement_type": "partial"}
  })");
}

// The issue messages of a report, "path: message", for matching.
std::string all(const ManifestReport& r) {
  std::string s;
  for (const auto& i : r.issues) s += (i.warning ? "W " : "E ") + i.to_string() + "\n";
  return s;
}

ManifestReport check(const OrderedJson& doc) { return validate_manifest(doc, "/plugins/rsi/manifest.json"); }

TEST(Manifest, GoodManifestLoadsEveryField) {
  auto r = check(good());
  ASSERT_TRUE(r.ok()) << all(r);
  const Manifest& m = *r.manifest;
  EXPECT_EQ(m.id(), "rsi@1.2.0");
  EXPECT_EQ(m.artifact, std::filesystem::path("/plugins/rsi/librsi.so"));
  EXPECT_EQ(m.api_major, 1u);
  EXPECT_EQ(m.api_minor, 0u);
  ASSERT_EQ(m.parameters.size(), 4u);
  EXPECT_EQ(m.parameters[0].name, "period");  // manifest order is kept
  EXPECT_EQ(m.parameters[1].default_value, 30.5);  // the seed's "value" is read as the default
  EXPECT_EQ(m.parameters[2].choices.size(), 2u);
  EXPECT_TRUE(m.short_selling);
  EXPECT_EQ(m.mem_enhancement_type, "partial");
  EXPECT_EQ(m.tags, (std::vector<std::string>{"a", "b"}));
}

TEST(Manifest, MalformedJsonIsReportedWithPosition) {
  TempDir dir;
  write_file(dir / "manifest.json", "{\"name\": \"x\",, }");
  auto r = load_manifest(dir / "manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("malformed JSON"), std::string::npos) << all(r);
  EXPECT_NE(r.error_summary().find((dir / "manifest.json").string()), std::string::npos);
}

// Found by fuzz_manifest: a number beyond a double threw out_of_range, not parse_error, and the
// uncaught exception ended the process (plugins list, validate, run).
TEST(Manifest, OutOfRangeNumberIsMalformedJsonNotACrash) {
  TempDir dir;
  write_file(dir / "manifest.json", "{\"name\": \"x\", \"version\": 11e308}");
  auto r = load_manifest(dir / "manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("E malformed JSON: number overflow parsing '11e308'"), std::string::npos) << all(r);
}

TEST(Manifest, MissingFileIsAnIssueNotACrash) {
  auto r = load_manifest("/nonexistent/manifest.json");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all(r).find("cannot read"), std::string::npos);
}

TEST(Manifest, MissingRequiredFieldsAreEachNamed) {
  OrderedJson doc = good();
  doc.erase("name");
  doc.erase("version");
  doc["implementation"].erase("sdk_api_version");
  auto r = check(doc);
  ASSERT_FALSE(r.ok());
  const std::string s = all(r);
  EXPECT_NE(s.find("E name: required field is missing"), std::string::npos) << s;
  EXPECT_NE(s.find("E version: required field is missing"), std::string::npos) << s;
  EXPECT_NE(s.find("E implementation.sdk_api_version: required field is missing"), std::string::npos) << s;
}

TEST(Manifest, WrongTypesNameThePath) {
  OrderedJson doc = good();
  doc["parameters"]["period"]["max"] = "a lot";
  doc["classification"]["tags"] = {"ok", 3};
  doc["requirements"]["short_selling"] = "yes";
  auto r = check(doc);
  ASSERT_FALSE(r.ok());
  const std::string s = all(r);
  EXPECT_NE(s.find("E parameters.period.max: expected a number, got a string"), std::string::npos) << s;
  EXPECT_NE(s.find("E classification.tags[1]: expected a string, got a number"), std::string::npos) << s;
  EXPECT_NE(s.find("E requirements.short_selling: expected a boolean"), std::string::npos) << s;
}

TEST(Manifest, DefaultOutsideMinMaxIsRefused) {
  OrderedJson doc = good();
  doc["parameters"]["period"]["default"] = 500;
  auto r = check(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("E parameters.period.default: 500 is outside [2, 100]"), std::string::npos)
      << all(r);
}

TEST(Manifest, ParameterTypeProblems) {
  OrderedJson doc = good();
  doc["parameters"]["period"]["default"] = 14.5;               // not an integer
  doc["parameters"]["mode"]["default"] = "weekly";             // not among choices
  doc["parameters"]["flag"]["min"] = 0;                        // min on a boolean
  doc["parameters"]["level"]["type"] = "complex";              // unknown type
  doc["parameters"]["bad"] = {{"type", "float"}, {"default", 1}, {"min", 5}, {"max", 2}};
  auto r = check(doc);
  const std::string s = all(r);
  EXPECT_NE(s.find("parameters.period.default: expected an integer"), std::string::npos) << s;
  EXPECT_NE(s.find("parameters.mode.default: 'weekly' is not one of: rolling, session"), std::string::npos) << s;
  EXPECT_NE(s.find("parameters.flag: min and max apply to numbers"), std::string::npos) << s;
  EXPECT_NE(s.find("parameters.level.type: 'complex' is not one of"), std::string::npos) << s;
  EXPECT_NE(s.find("parameters.bad.min: min (5) is greater than max (2)"), std::string::npos) << s;
}

TEST(Manifest, BadIdentityValues) {
  OrderedJson doc = good();
  doc["name"] = "Bad Name";
  doc["version"] = "1.0";
  doc["implementation"]["sdk_api_version"] = "one";
  doc["implementation"]["sha256"] = "abc";
  doc["status"] = "shiny";
  auto r = check(doc);
  const std::string s = all(r);
  EXPECT_NE(s.find("E name: 'Bad Name' is not a strategy name"), std::string::npos) << s;
  EXPECT_NE(s.find("E version: '1.0' is not a semantic version"), std::string::npos) << s;
  EXPECT_NE(s.find("E implementation.sdk_api_version: expected MAJOR.MINOR"), std::string::npos) << s;
  EXPECT_NE(s.find("E implementation.sha256: expected 64 hexadecimal digits"), std::string::npos) << s;
  EXPECT_NE(s.find("E status: 'shiny' is not one of"), std::string::npos) << s;
}

// Found by fuzz_manifest: a count beyond a long long was converted anyway (UB, caught in build-asan).
TEST(Manifest, HugeRequirementCountsAreRefused) {
  OrderedJson doc = good();
  doc["requirements"]["symbols"] = OrderedJson::parse("9999999999999999999999999999999999999999999999999999999999991");
  doc["requirements"]["min_data_points"] = -1e40;
  const std::string s = all(check(doc));
  EXPECT_NE(s.find("E requirements.symbols: must be at most 1e12"), std::string::npos) << s;
  EXPECT_NE(s.find("E requirements.min_data_points: must not be negative"), std::string::npos) << s;
  doc["requirements"]["symbols"] = 1e12;
  doc["requirements"]["min_data_points"] = 2e12;
  const auto r = check(doc);
  EXPECT_NE(all(r).find("E requirements.min_data_points: must be at most 1e12"), std::string::npos) << all(r);
  EXPECT_EQ(all(r).find("requirements.symbols"), std::string::npos) << all(r);
}

TEST(Manifest, UnknownTopLevelFieldsAreWarningsOnly) {
  OrderedJson doc = good();
  doc["colour"] = "blue";
  auto r = check(doc);
  ASSERT_TRUE(r.ok()) << all(r);
  ASSERT_EQ(r.warnings().size(), 1u);
  EXPECT_EQ(r.warnings()[0].path, "colour");
}

TEST(Manifest, PythonNeedsModuleAndClass) {
  OrderedJson doc = good();
  doc["implementation"] = {{"language", "python"}, {"sdk_api_version", "1.0"}};
  const std::string s = all(check(doc));
  EXPECT_NE(s.find("implementation.module: required field is missing"), std::string::npos) << s;
  EXPECT_NE(s.find("implementation.class_name: required field is missing"), std::string::npos) << s;
}

TEST(Manifest, MemIntegrationEnhancerIsANameOrNameAtVersion) {
  auto doc = good();
  doc["mem_integration"]["enhancer"] = "vol_gate@1.0.0";
  auto r = check(doc);
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.manifest->mem_enhancer, "vol_gate@1.0.0");
  EXPECT_EQ(check(good()).manifest->mem_enhancer, "");  // the built-in MEM stage

  doc["mem_integration"]["enhancer"] = 3;
  std::string s = all(check(doc));
  EXPECT_NE(s.find("mem_integration.enhancer: expected a string, got a number"), std::string::npos) << s;
  doc["mem_integration"]["enhancer"] = "Vol Gate";
  s = all(check(doc));
  EXPECT_NE(s.find("mem_integration.enhancer: 'Vol Gate' is not an enhancer name"), std::string::npos) << s;
}

TEST(Manifest, AnEnhancerPluginMayNotBeCalledMem) {
  auto doc = good();
  doc["kind"] = "enhancer";
  EXPECT_TRUE(check(doc).ok());
  doc["name"] = "mem";
  const std::string s = all(check(doc));
  EXPECT_NE(s.find("name: 'mem' is the built-in enhancer's name"), std::string::npos) << s;
  doc["kind"] = "strategy";
  EXPECT_TRUE(check(doc).ok());
}

TEST(Manifest, NotAnObject) {
  auto r = check(OrderedJson::array());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all(r).find("a manifest is a JSON object"), std::string::npos);
}

TEST(ResolveParameters, DefaultsAndTypedOverrides) {
  auto m = *check(good()).manifest;
  auto p = resolve_parameters(m, {{"period", "20"}, {"flag", "false"}, {"mode", "rolling"}});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)["period"], 20);
  EXPECT_EQ((*p)["level"], 30.5);
  EXPECT_EQ((*p)["flag"], false);
  EXPECT_EQ((*p)["mode"], "rolling");
}

TEST(ResolveParameters, RefusesBadOverrides) {
  auto m = *check(good()).manifest;
  auto unknown = resolve_parameters(m, {{"perod", "20"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("no such parameter (it has: period, level, mode, flag)"), std::string::npos);
  auto range = resolve_parameters(m, {{"period", "1"}});
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("parameter 'period': 1 is outside"), std::string::npos);
  auto type = resolve_parameters(m, {{"period", "ten"}});
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("'ten' is not an integer"), std::string::npos);
  auto frac = resolve_parameters(m, {{"period", "14.5"}});
  EXPECT_FALSE(frac.ok());
  EXPECT_EQ(range.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace algohost
