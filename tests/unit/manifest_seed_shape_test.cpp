// The seed's metadata format: a top-level "strategy" object, parameters with "value",
// implementation.file_path, // comments. Read beside today's flat shape, as a plugin manifest or
// as a metadata file (ManifestUse::kMetadata), with paths reported as written in the file.
#include <gtest/gtest.h>

#include "registry/manifest/manifest.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

// tests/fixtures/seed_metadata/volatility_managed_momentum.json is the example metadata file of
// the seed design (/work/shared/seed/000_60641f93bd0c2049.txt, "JSON Schema"), copied verbatim,
// comments included.
const fs::path kSeedFile = fs::path(ALGOHOST_SOURCE_DIR) / "tests/fixtures/seed_metadata/volatility_managed_momentum.json";

std::string all(const ManifestReport& r) {
  std::string s;
  for (const auto& i : r.issues) s += (i.warning ? "W " : "E ") + i.to_string() + "\n";
  return s;
}

OrderedJson flat() {
  return OrderedJson::parse(R"({
    "schema_version": "1.0.0",
    "name": "vmm", "display_name": "VMM", "version": "2.1.0", "status": "active",
    "classification": {"category": "momentum", "tags": ["momentum"]},
    "implementation": {"language": "python", "module": "vmm.py", "class_name": "Vmm", "sdk_api_version": "1.0"},
    "parameters": {"lookback": {"type": "integer", "default": 252, "min": 21, "max": 504},
                   "skip": {"type": "integer", "value": 21, "min": 0, "max": 63}},
    "constraints": ["skip < lookback"]
  })");
}

TEST(SeedShape, TheSeedsOwnExampleFileReadsAsMetadata) {
  ManifestReport r = load_manifest(kSeedFile, ManifestUse::kMetadata);
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_TRUE(r.warnings().empty()) << all(r);
  const Manifest& m = *r.manifest;
  EXPECT_TRUE(m.seed_shape);
  EXPECT_EQ(m.id(), "volatility_managed_momentum@1.0.0");
  EXPECT_EQ(m.display_name, "Volatility-Managed Momentum");
  EXPECT_EQ(m.status, "active");
  EXPECT_EQ(m.category, "momentum");
  EXPECT_EQ(m.sub_category, "volatility_scaled");
  EXPECT_EQ(m.complexity, "moderate");
  EXPECT_EQ(m.language, "python");
  EXPECT_EQ(m.artifact, fs::path("/strategyGrpDev02/implementations/strategy1_vol_managed_momentum.py"));
  EXPECT_EQ(m.class_name, "VolatilityManagedMomentum");
  EXPECT_EQ(m.entry_point, "VolatilityManagedMomentum.generate_signal");
  ASSERT_EQ(m.parameters.size(), 4u);
  EXPECT_EQ(m.parameters[0].name, "momentum_lookback");
  EXPECT_EQ(m.parameters[0].default_value, 252);  // the seed's "value"
  EXPECT_EQ(m.parameters[3].default_value, 0.12);
  EXPECT_EQ(*m.parameters[3].max, 0.30);
  EXPECT_TRUE(m.mem_enabled);
  EXPECT_EQ(m.mem_enhancement_type, "full");
  EXPECT_EQ(m.min_data_points, 252);
  // raw is the flat document: the catalog stores and mirrors it like a manifest.
  EXPECT_EQ(m.raw["name"], "volatility_managed_momentum");
  EXPECT_EQ(m.raw["schema_version"], "1.0.0");
  EXPECT_FALSE(m.raw.contains("strategy"));
}

TEST(SeedShape, AsAPluginManifestTheSeedFileLacksTheAbiWithThePathAsWritten) {
  ManifestReport r = load_manifest(kSeedFile, ManifestUse::kPlugin);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("E strategy.implementation.sdk_api_version: required field is missing"), std::string::npos)
      << all(r);
  // file_path stands in for the module: only the ABI is missing.
  EXPECT_EQ(r.errors().size(), 1u) << all(r);
}

TEST(SeedShape, BothShapesReadTheSame) {
  OrderedJson seed = {{"schema_version", "1.0.0"}, {"strategy", flat()}};
  seed["strategy"].erase("schema_version");
  auto a = validate_manifest(flat(), "/p/vmm/manifest.json");
  auto b = validate_manifest(seed, "/p/vmm/manifest.json");
  ASSERT_TRUE(a.ok()) << all(a);
  ASSERT_TRUE(b.ok()) << all(b);
  EXPECT_FALSE(a.manifest->seed_shape);
  EXPECT_TRUE(b.manifest->seed_shape);
  EXPECT_EQ(a.manifest->raw, b.manifest->raw);
  EXPECT_EQ(a.manifest->id(), b.manifest->id());
  EXPECT_EQ(a.manifest->artifact, b.manifest->artifact);
  EXPECT_EQ(a.manifest->class_name, b.manifest->class_name);
  ASSERT_EQ(a.manifest->parameters.size(), b.manifest->parameters.size());
  for (size_t i = 0; i < a.manifest->parameters.size(); ++i)
    EXPECT_EQ(a.manifest->parameters[i].default_value, b.manifest->parameters[i].default_value);
  ASSERT_EQ(b.manifest->constraints.size(), 1u);
  EXPECT_EQ(b.manifest->constraints[0].text, "skip < lookback");
}

TEST(SeedShape, ErrorsInsideStrategyCarryItsPath) {
  OrderedJson seed = {{"schema_version", "1.0.0"}, {"strategy", flat()}, {"extra", 1}};
  seed["strategy"]["parameters"]["lookback"]["max"] = "many";
  seed["strategy"]["constraints"] = {"skip < lookbak"};
  const std::string s = all(validate_manifest(seed, "/p/vmm/manifest.json"));
  EXPECT_NE(s.find("E strategy.parameters.lookback.max: expected a number, got a string"), std::string::npos) << s;
  EXPECT_NE(s.find("E strategy.constraints[0]: unknown parameter 'lookbak'"), std::string::npos) << s;
  EXPECT_NE(s.find("W extra: unknown field"), std::string::npos) << s;
  const std::string t = all(validate_manifest(OrderedJson{{"strategy", "vmm"}}, "/p/vmm/manifest.json"));
  EXPECT_NE(t.find("E strategy: expected an object"), std::string::npos) << t;
}

TEST(SeedShape, FilePathIsTheArtifactAndEntryPointNamesThePythonClass) {
  OrderedJson doc = flat();
  doc["implementation"] = {{"language", "python"}, {"file_path", "src/vmm.py"},
                           {"entry_point", "Vmm.generate_signal"}, {"sdk_api_version", "1.0"}};
  auto r = validate_manifest(doc, "/p/vmm/manifest.json");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.manifest->artifact, fs::path("/p/vmm/src/vmm.py"));
  EXPECT_EQ(r.manifest->class_name, "Vmm");
}

TEST(SeedShape, JsonWithCommentsIsAccepted) {
  TempDir dir;
  write_file(dir / "manifest.json", R"({
  // a line comment
  "name": "vmm", "display_name": "VMM", "version": "1.0.0",  // after a value
  /* a block
     comment */
  "implementation": {"language": "cpp", "library": "libvmm.so", "sdk_api_version": "1.0"}
})");
  auto r = load_manifest(dir / "manifest.json");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.manifest->id(), "vmm@1.0.0");
}

TEST(SeedShape, MetadataFilesNeedNoArtifactVersionOrPluginName) {
  OrderedJson doc = {{"name", "rsi-learned-rsi-low"}, {"display_name", "RSI when low"},
                     {"implementation", {{"language", "multi"}}}};
  auto meta = validate_manifest(doc, "/m/x.json", ManifestUse::kMetadata);
  ASSERT_TRUE(meta.ok()) << all(meta);
  EXPECT_EQ(meta.manifest->version_text, "");
  EXPECT_EQ(meta.manifest->artifact, fs::path());
  const std::string s = all(validate_manifest(doc, "/m/x.json", ManifestUse::kPlugin));
  EXPECT_NE(s.find("E name: 'rsi-learned-rsi-low' is not a strategy name"), std::string::npos) << s;
  EXPECT_NE(s.find("E version: required field is missing"), std::string::npos) << s;
  EXPECT_NE(s.find("E implementation.language: 'multi' is not one of: cpp, python"), std::string::npos) << s;
  // The seed's C# strategies: "csharp" is read as the catalog's "cpp" (native), in metadata only.
  doc["implementation"]["language"] = "csharp";
  auto cs = validate_manifest(doc, "/m/x.json", ManifestUse::kMetadata);
  ASSERT_TRUE(cs.ok()) << all(cs);
  EXPECT_EQ(cs.manifest->language, "cpp");
  doc["implementation"]["language"] = "java";
  const std::string t = all(validate_manifest(doc, "/m/x.json", ManifestUse::kMetadata));
  EXPECT_NE(t.find("E implementation.language: 'java' is not one of: cpp, python, multi, csharp"), std::string::npos) << t;
}

}  // namespace
}  // namespace algohost
