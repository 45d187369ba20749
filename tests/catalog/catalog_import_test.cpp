// Import of metadata files (the seed's phase 1): imported strategies are listed, searched and
// versioned, not runnable; an import is idempotent and a changed document under an imported
// version is refused; a plugin's strategy is never overwritten, and a plugin installed later makes
// an imported strategy runnable. Every file of the JSON mirror reads back through the manifest
// reader. Parameter changes obey the version's constraints.
#include <fstream>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/import.h"
#include "registry/catalog/sync.h"
#include "registry/manifest/manifest.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

namespace fs = std::filesystem;
using algohost::testing::must;
using algohost::testing::TempDir;
using algohost::testing::write_file;
using testutil::scalar;

const fs::path kSource = ALGOHOST_SOURCE_DIR;
const fs::path kSeedFile = kSource / "tests/fixtures/seed_metadata/volatility_managed_momentum.json";

Manifest read(const fs::path& file, ManifestUse use = ManifestUse::kMetadata) {
  auto r = load_manifest(file, use);
  if (!r.ok()) throw std::runtime_error(r.error_summary());
  return *r.manifest;
}

std::string sha(char c) { return std::string(64, c); }

class CatalogImport : public ::testing::Test {
 protected:
  void SetUp() override {
    CatalogOptions o;
    o.data_dir = dir / "data";
    cat = must(Catalog::open(dir / "catalog.db", o), "open");
  }
  int64_t audits() { return scalar(*cat, "SELECT count(*) FROM audit_log"); }

  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

TEST_F(CatalogImport, TheSeedsFileIsRegisteredNotRunnableAndFindable) {
  const Manifest m = read(kSeedFile);
  auto r = must(import_metadata(*cat, m, sha('a')), "import");
  EXPECT_EQ(r.action, "registered");
  auto s = must(cat->get("volatility_managed_momentum"), "get");
  EXPECT_EQ(s.origin, "imported");
  EXPECT_FALSE(s.runnable);
  EXPECT_EQ(s.current_version, "1.0.0");
  EXPECT_EQ(s.language, "python");
  EXPECT_EQ(s.category, "momentum");
  EXPECT_EQ(imported_from(s), kSeedFile.lexically_normal().string());
  EXPECT_FALSE(s.to_json()["runnable"].get<bool>());
  // Listed (by origin), searched, versioned, with its parameters' defaults.
  StrategyFilter f;
  f.origin = "imported";
  auto listed = must(cat->list(f), "list");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].runnable);
  auto hits = must(cat->search("volatility"), "search");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].strategy.strategy_name, "volatility_managed_momentum");
  auto versions = must(cat->versions("volatility_managed_momentum"), "versions");
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].artifact_sha256, sha('a'));
  EXPECT_EQ(versions[0].code_snapshot, "");  // nothing was copied: the code is not here
  EXPECT_NE(versions[0].migration_notes.find(kSeedFile.filename().string()), std::string::npos);
  auto params = must(cat->current_parameters("volatility_managed_momentum"), "params");
  EXPECT_EQ(params["momentum_lookback"], 252);
  EXPECT_EQ(params["target_volatility"], 0.12);
}

TEST_F(CatalogImport, ImportingTheSameDocumentAgainChangesNothing) {
  const Manifest m = read(kSeedFile);
  must(import_metadata(*cat, m, sha('a')), "first");
  const int64_t before = audits();
  auto again = must(import_metadata(*cat, m, sha('a')), "second");
  EXPECT_EQ(again.action, "unchanged");
  EXPECT_EQ(audits(), before);
}

TEST_F(CatalogImport, AnotherDocumentUnderAnImportedVersionIsRefusedNamingBoth) {
  const Manifest m = read(kSeedFile);
  must(import_metadata(*cat, m, sha('a')), "first");
  TempDir other;
  OrderedJson changed = m.raw;
  changed["description"] = "edited";
  write_file(other / "changed.json", changed.dump());
  const Manifest m2 = read(other / "changed.json");
  auto refused = import_metadata(*cat, m2, sha('b'));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("volatility_managed_momentum@1.0.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find(sha('a')), std::string::npos) << msg;
  EXPECT_NE(msg.find(sha('b')), std::string::npos) << msg;
  EXPECT_NE(msg.find(kSeedFile.filename().string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("changed.json"), std::string::npos) << msg;
  EXPECT_EQ(must(cat->get("volatility_managed_momentum"), "get").description, m.description);
}

TEST_F(CatalogImport, ANewVersionIsAddedAndDescribesTheStrategy) {
  const Manifest m = read(kSeedFile);
  must(import_metadata(*cat, m, sha('a')), "first");
  TempDir other;
  OrderedJson next = m.raw;
  next["version"] = "1.1.0";
  next["description"] = "the newer one";
  write_file(other / "next.json", next.dump());
  auto added = must(import_metadata(*cat, read(other / "next.json"), sha('c')), "next");
  EXPECT_EQ(added.action, "version_added");
  auto s = must(cat->get("volatility_managed_momentum"), "get");
  EXPECT_EQ(s.current_version, "1.1.0");
  EXPECT_EQ(s.version_count, 2);
  EXPECT_EQ(s.description, "the newer one");
  EXPECT_FALSE(s.runnable);
  // An older version imported afterwards does not describe the strategy.
  next["version"] = "0.9.0";
  next["description"] = "the older one";
  write_file(other / "older.json", next.dump());
  must(import_metadata(*cat, read(other / "older.json"), sha('d')), "older");
  EXPECT_EQ(must(cat->get("volatility_managed_momentum"), "get").description, "the newer one");
}

TEST_F(CatalogImport, APluginsStrategyIsNeverOverwrittenAndAPluginMakesAnImportedOneRunnable) {
  const Manifest plugin = read(kSource / "python/strategies/volatility_managed_momentum/manifest.json", ManifestUse::kPlugin);
  // Imported first, then the plugin appears: the strategy becomes runnable.
  must(import_metadata(*cat, read(kSeedFile), sha('a')), "import");
  OrderedJson v2 = plugin.raw;
  v2["version"] = "2.0.0";
  auto pm = validate_manifest(v2, plugin.file);
  ASSERT_TRUE(pm.ok()) << pm.error_summary();
  auto report = sync_manifests(*cat, {SyncInput{&*pm.manifest, sha('e'), "built_in"}});
  ASSERT_TRUE(report.problems.empty()) << report.problems[0];
  auto s = must(cat->get("volatility_managed_momentum"), "get");
  EXPECT_TRUE(s.runnable);
  EXPECT_EQ(s.current_version, "2.0.0");
  // Now it has a plugin: an import does not touch it.
  auto refused = import_metadata(*cat, read(kSeedFile), sha('a'));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("with an artifact the host loads"), std::string::npos)
      << refused.status().message();
}

TEST_F(CatalogImport, AStrategyWithoutAVersionOrNotAStrategyIsRefused) {
  TempDir other;
  write_file(other / "nov.json", R"({"strategy": {"name": "x", "display_name": "X"}})");
  auto r = import_metadata(*cat, read(other / "nov.json"), sha('a'));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version: required field is missing"), std::string::npos);
  write_file(other / "enh.json", R"({"kind": "enhancer", "name": "x", "display_name": "X", "version": "1.0.0"})");
  r = import_metadata(*cat, read(other / "enh.json"), sha('a'));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only strategies are imported"), std::string::npos);
  EXPECT_FALSE(cat->get("x").ok());
}

// set-param's path: the catalog knows the version's constraints from the manifest it stores.
TEST_F(CatalogImport, ParameterChangesObeyTheManifestsConstraints) {
  const Manifest pairs = read(kSource / "python/strategies/pairs_trading/manifest.json", ManifestUse::kPlugin);
  auto report = sync_manifests(*cat, {SyncInput{&pairs, sha('f'), "built_in"}});
  ASSERT_TRUE(report.problems.empty());
  Status broken = cat->update_parameter("pairs_trading", "stop_z", 2.0, "tighter stop");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.message(), "pairs_trading: constraint stop_z > entry_z fails: stop_z = 2.0, entry_z = 2.0");
  must(cat->update_parameter("pairs_trading", "stop_z", 3.0, "tighter stop"));
  // The other values in effect count: entry_z may not reach the stop now in force.
  Status entry = cat->update_parameter("pairs_trading", "entry_z", 3.0, "wider entry", "mem_learning");
  EXPECT_EQ(entry.message(), "pairs_trading: constraint stop_z > entry_z fails: stop_z = 3.0, entry_z = 3.0");
  EXPECT_EQ(must(cat->current_parameters("pairs_trading"), "params")["entry_z"], 2.0);
  must(cat->update_parameter("pairs_trading", "entry_z", 2.5, "wider entry"));
}

std::vector<fs::path> mirror_files(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root / "metadata")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(CatalogImport, EveryMirrorFileReadsBackThroughTheManifestReader) {
  // The built-in plugins as discovery registers them, a strategy registered by hand with only the
  // required fields, a learned one (the catalog's naming, no manifest), an imported one, and
  // changes of state.
  std::vector<Manifest> builtins;
  for (const char* f : {"plugins/macd/manifest.json", "plugins/rsi/manifest.json",
                        "python/strategies/pairs_trading/manifest.json", "python/strategies/carry_trade/manifest.json"})
    builtins.push_back(read(kSource / f, ManifestUse::kPlugin));
  std::vector<SyncInput> inputs;
  for (const auto& m : builtins) inputs.push_back({&m, sha('1'), "built_in"});
  ASSERT_TRUE(sync_manifests(*cat, inputs).problems.empty());
  Registration bare;
  bare.name = "bare";
  bare.display_name = "Bare";
  const std::string bare_id = must(cat->register_strategy(bare), "bare");
  Registration learned;
  learned.name = "rsi-learned-rsi-low.vol-high";
  learned.display_name = "RSI when low";
  learned.origin = "learned";
  learned.language = "cpp";
  learned.learned_from_strategy_id = "rsi";
  learned.metadata = Json{{"learned", {{"base", "rsi@1.0.0"}}}};
  must(cat->register_strategy(learned), "learned");
  must(import_metadata(*cat, read(kSeedFile), sha('a')), "import");
  must(cat->deprecate("macd", "replaced", std::string("rsi")));
  must(cat->update_parameter("rsi", "period", 10, "faster"));

  const auto files = mirror_files(dir / "data");
  ASSERT_EQ(files.size(), 7u);
  std::set<std::string> names;
  for (const auto& file : files) {
    ManifestReport r = load_manifest(file, ManifestUse::kMetadata);
    ASSERT_TRUE(r.ok()) << file << ": " << r.error_summary();
    std::string warnings;
    for (const auto& w : r.warnings()) warnings += w.to_string() + "; ";
    EXPECT_TRUE(warnings.empty()) << file << ": " << warnings;
    EXPECT_TRUE(r.manifest->seed_shape);
    auto rec = must(cat->get(r.manifest->name), r.manifest->name);
    EXPECT_EQ(file.stem().string(), rec.strategy_id);
    EXPECT_EQ(r.manifest->version_text, rec.current_version) << file;
    EXPECT_EQ(r.manifest->display_name, rec.display_name);
    names.insert(r.manifest->name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"macd", "rsi", "pairs_trading", "carry_trade", "bare",
                                          "rsi-learned-rsi-low.vol-high", "volatility_managed_momentum"}));
  // The mirror keeps the constraints and says whether a strategy runs.
  std::ifstream in(dir / "data" / "metadata" / (must(cat->get("pairs_trading"), "p").strategy_id + ".json"));
  const Json pairs_doc = Json::parse(in);
  EXPECT_EQ(pairs_doc["strategy"]["constraints"], (Json{"exit_z < entry_z", "stop_z > entry_z"}));
  EXPECT_TRUE(pairs_doc["strategy"]["runnable"].get<bool>());
  (void)bare_id;
}

}  // namespace
}  // namespace algohost::catalog
