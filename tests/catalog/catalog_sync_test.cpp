// Sync from discovery: manifests become strategies and versions; a second sync changes nothing;
// published versions are immutable; the newest manifest refreshes descriptive fields; an
// operator's deprecation survives.
#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/sync.h"
#include "registry/manifest/manifest.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;

using algohost::testing::must;

using testutil::scalar;
int64_t audits(Catalog& c) { return scalar(c, "SELECT count(*) FROM audit_log"); }

OrderedJson doc(const std::string& name, const std::string& version, const std::string& description,
                const std::string& status = "active") {
  return OrderedJson{
      {"schema_version", "1.0.0"},
      {"name", name},
      {"display_name", "Display " + name},
      {"version", version},
      {"status", status},
      {"description", description},
      {"classification",
       {{"category", "momentum"}, {"sub_category", "time_series"}, {"complexity", "simple"},
        {"tags", {"momentum", "academic"}}, {"asset_classes", {"equities"}}}},
      {"implementation", {{"language", "cpp"}, {"library", "lib" + name + ".so"}, {"sdk_api_version", "1.0"}}},
      {"parameters",
       {{"period", {{"type", "integer"}, {"default", 14}, {"min", 2}, {"max", 100}}},
        {"threshold", {{"type", "float"}, {"default", 0.5}, {"min", 0.0}, {"max", 1.0}}}}},
      {"requirements", {{"short_selling", true}}},
  };
}

Manifest manifest(const OrderedJson& d) {
  const std::string file =
      "/plugins/" + d["name"].get<std::string>() + "/" + d["version"].get<std::string>() + "/manifest.json";
  auto r = validate_manifest(d, file);
  if (!r.ok()) throw std::runtime_error("bad test manifest: " + r.error_summary());
  return *r.manifest;
}

std::string sha(char c) { return std::string(64, c); }

SyncReport sync(Catalog& cat, const std::vector<std::pair<const Manifest*, std::string>>& in) {
  std::vector<SyncInput> inputs;
  for (const auto& [m, s] : in) inputs.push_back(SyncInput{m, s, "built_in"});
  return sync_manifests(cat, inputs);
}

std::string problems(const SyncReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

class CatalogSync : public ::testing::Test {
 protected:
  void SetUp() override { cat = must(Catalog::open(dir / "catalog.db"), "open"); }
  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

TEST_F(CatalogSync, FirstSyncRegistersStrategyAndVersion) {
  const Manifest m = manifest(doc("vol_mom", "1.0.0", "Scales momentum by volatility."));
  auto report = sync(*cat, {{&m, sha('a')}});
  EXPECT_TRUE(report.problems.empty()) << problems(report);
  EXPECT_EQ(report.registered, 1);
  EXPECT_EQ(report.versions_added, 1);
  EXPECT_EQ(report.unchanged, 0);

  auto s = must(cat->get("vol_mom"));
  EXPECT_EQ(s.display_name, "Display vol_mom");
  EXPECT_EQ(s.description, "Scales momentum by volatility.");
  EXPECT_EQ(s.category, "momentum");
  EXPECT_EQ(s.sub_category, "time_series");
  EXPECT_EQ(s.complexity_level, "simple");
  EXPECT_EQ(s.language, "cpp");
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(s.origin, "built_in");
  EXPECT_TRUE(s.requires_short_selling);
  EXPECT_EQ(s.current_version, "1.0.0");
  EXPECT_EQ(s.version_count, 1);
  EXPECT_EQ(s.metadata, m.raw);
  std::vector<std::string> tags = s.tags;
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"academic", "momentum"}));

  auto v = must(cat->get_version("vol_mom", "1.0.0"));
  EXPECT_EQ(v.artifact_sha256, sha('a'));
  EXPECT_EQ(v.default_parameters, Json({{"period", 14}, {"threshold", 0.5}}));
  EXPECT_EQ(v.parameters, m.raw["parameters"]);
  // The synced parameters are usable for parameter changes.
  must(cat->update_parameter("vol_mom", "period", 30, "test"));
  EXPECT_EQ(must(cat->current_parameters("vol_mom"))["period"], 30);
  EXPECT_FALSE(cat->update_parameter("vol_mom", "period", 300, "test").ok());
}

TEST_F(CatalogSync, SecondSyncChangesNothing) {
  const Manifest m1 = manifest(doc("vol_mom", "1.0.0", "Scales momentum by volatility."));
  const Manifest m2 = manifest(doc("vol_mom", "1.1.0", "Scales momentum by volatility."));
  const Manifest other = manifest(doc("rsi_basic", "2.0.0", "RSI."));
  auto first = sync(*cat, {{&m1, sha('a')}, {&m2, sha('b')}, {&other, sha('c')}});
  ASSERT_TRUE(first.problems.empty()) << problems(first);
  EXPECT_EQ(first.registered, 2);
  EXPECT_EQ(first.versions_added, 3);
  const int64_t a = audits(*cat);
  const int64_t strategies_updated = scalar(*cat, "SELECT count(*) FROM strategies");
  const auto before = must(cat->get("vol_mom"));

  auto second = sync(*cat, {{&m1, sha('a')}, {&m2, sha('b')}, {&other, sha('c')}});
  EXPECT_TRUE(second.problems.empty()) << problems(second);
  EXPECT_EQ(second.registered, 0);
  EXPECT_EQ(second.versions_added, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(second.unchanged, 3);
  EXPECT_EQ(audits(*cat), a) << "a sync without changes wrote audit rows";
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategies"), strategies_updated);
  EXPECT_EQ(must(cat->get("vol_mom")).updated_at, before.updated_at);
}

TEST_F(CatalogSync, NewVersionIsAddedAndBecomesCurrent) {
  const Manifest m1 = manifest(doc("vol_mom", "1.9.0", "d"));
  ASSERT_TRUE(sync(*cat, {{&m1, sha('a')}}).problems.empty());
  const Manifest m2 = manifest(doc("vol_mom", "1.10.0", "d"));
  auto r = sync(*cat, {{&m2, sha('b')}, {&m1, sha('a')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  EXPECT_EQ(r.registered, 0);
  EXPECT_EQ(r.versions_added, 1);
  auto s = must(cat->get("vol_mom"));
  EXPECT_EQ(s.current_version, "1.10.0");
  EXPECT_EQ(s.version_count, 2);
  EXPECT_EQ(must(cat->get_version("vol_mom", "1.10.0")).artifact_sha256, sha('b'));
}

TEST_F(CatalogSync, ChangedHashOfAPublishedVersionIsReportedNotApplied) {
  const Manifest m = manifest(doc("vol_mom", "1.0.0", "d"));
  ASSERT_TRUE(sync(*cat, {{&m, sha('a')}}).problems.empty());
  const int64_t a = audits(*cat);
  auto r = sync(*cat, {{&m, sha('e')}});
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].rfind("vol_mom@1.0.0", 0), 0u) << r.problems[0];
  EXPECT_NE(r.problems[0].find(sha('e')), std::string::npos) << r.problems[0];
  EXPECT_EQ(r.versions_added, 0);
  EXPECT_EQ(must(cat->get_version("vol_mom", "1.0.0")).artifact_sha256, sha('a'));
  EXPECT_EQ(must(cat->get("vol_mom")).version_count, 1);
  EXPECT_EQ(audits(*cat), a);
}

TEST_F(CatalogSync, NewestManifestsDescriptionUpdatesTheStrategy) {
  const Manifest m1 = manifest(doc("vol_mom", "1.0.0", "Old words."));
  ASSERT_TRUE(sync(*cat, {{&m1, sha('a')}}).problems.empty());
  const Manifest m1b = manifest(doc("vol_mom", "1.0.0", "Better words."));
  auto r = sync(*cat, {{&m1b, sha('a')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(must(cat->get("vol_mom")).description, "Better words.");
  // The full-text index follows.
  auto hits = must(cat->search("better"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].strategy.strategy_name, "vol_mom");
  EXPECT_TRUE(must(cat->search("old words")).empty());
}

TEST_F(CatalogSync, OnlyTheNewestVersionsDescriptionCounts) {
  const Manifest older = manifest(doc("vol_mom", "1.0.0", "Older words."));
  const Manifest newer = manifest(doc("vol_mom", "2.0.0", "Newest words."));
  // Given newest first: the older one must not win by being applied last.
  auto r = sync(*cat, {{&newer, sha('b')}, {&older, sha('a')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  EXPECT_EQ(r.registered, 1);
  EXPECT_EQ(r.versions_added, 2);
  auto s = must(cat->get("vol_mom"));
  EXPECT_EQ(s.description, "Newest words.");
  EXPECT_EQ(s.current_version, "2.0.0");
}

TEST_F(CatalogSync, OperatorDeprecationSurvivesSync) {
  const Manifest m = manifest(doc("vol_mom", "1.0.0", "Words.", "active"));
  ASSERT_TRUE(sync(*cat, {{&m, sha('a')}}).problems.empty());
  must(cat->deprecate("vol_mom", "operator decision"));
  auto r = sync(*cat, {{&m, sha('a')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  EXPECT_EQ(must(cat->get("vol_mom")).status, "deprecated");
  // Also when the manifest changes other fields at the same time.
  const Manifest changed = manifest(doc("vol_mom", "1.1.0", "New words.", "active"));
  r = sync(*cat, {{&m, sha('a')}, {&changed, sha('b')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  auto s = must(cat->get("vol_mom"));
  EXPECT_EQ(s.status, "deprecated");
  EXPECT_EQ(s.description, "New words.");
  ASSERT_TRUE(s.deprecation_reason.has_value());
  EXPECT_EQ(*s.deprecation_reason, "operator decision");
  // Archived too.
  must(cat->archive("vol_mom"));
  r = sync(*cat, {{&m, sha('a')}, {&changed, sha('b')}});
  EXPECT_EQ(must(cat->get("vol_mom")).status, "archived");
}

TEST_F(CatalogSync, ManifestStatusChangeIsAppliedWhenNotOperatorSet) {
  const Manifest m = manifest(doc("vol_mom", "1.0.0", "Words.", "experimental"));
  ASSERT_TRUE(sync(*cat, {{&m, sha('a')}}).problems.empty());
  EXPECT_EQ(must(cat->get("vol_mom")).status, "experimental");
  const Manifest promoted = manifest(doc("vol_mom", "1.0.0", "Words.", "active"));
  auto r = sync(*cat, {{&promoted, sha('a')}});
  EXPECT_TRUE(r.problems.empty()) << problems(r);
  EXPECT_EQ(must(cat->get("vol_mom")).status, "active");
}

// A damaged table stops the sync as a whole: it is reported as the catalog's failure, not as a
// problem of each manifest, and no manifest before the damage is applied either.
TEST_F(CatalogSync, ADamagedCatalogStopsTheSyncAndAppliesNothing) {
  const Manifest existing = manifest(doc("vol_mom", "1.0.0", "d"));
  ASSERT_TRUE(sync(*cat, {{&existing, sha('a')}}).problems.empty());
  const int64_t page_size = scalar(*cat, "PRAGMA page_size");
  const int64_t root = scalar(*cat, "SELECT rootpage FROM sqlite_schema WHERE name = 'strategy_versions'");
  const int64_t audit_rows = audits(*cat);
  cat.reset();  // the last connection: the log is checkpointed into the file
  {
    std::fstream f(dir / "catalog.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((root - 1) * page_size);
    const std::string junk(static_cast<size_t>(page_size), '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ASSERT_TRUE(f.good());
  }
  cat = must(Catalog::open(dir / "catalog.db"), "reopen");
  const Manifest added = manifest(doc("rsi_basic", "2.0.0", "RSI."));  // sorts first: registered, then rolled back
  auto report = sync(*cat, {{&existing, sha('a')}, {&added, sha('c')}});
  EXPECT_EQ(report.fatal.code(), StatusCode::kCorruption) << report.fatal.to_string();
  EXPECT_NE(report.fatal.message().find("malformed"), std::string::npos) << report.fatal.message();
  EXPECT_TRUE(report.problems.empty()) << problems(report);
  EXPECT_EQ(report.registered, 0);
  EXPECT_EQ(cat->get("rsi_basic").status().code(), StatusCode::kNotFound) << "a stopped sync left a strategy";
  EXPECT_EQ(audits(*cat), audit_rows) << "a stopped sync left audit rows";
}

TEST(CatalogSyncRegistration, RegistrationFromAManifest) {
  const Manifest m = manifest(doc("vol_mom", "1.0.0", "Words."));
  Registration r = registration_from(m, "imported");
  EXPECT_EQ(r.name, "vol_mom");
  EXPECT_EQ(r.display_name, "Display vol_mom");
  EXPECT_EQ(r.description, "Words.");
  EXPECT_EQ(r.category, "momentum");
  EXPECT_EQ(r.origin, "imported");
  EXPECT_EQ(r.language, "cpp");
  EXPECT_EQ(r.tags, (std::vector<std::string>{"momentum", "academic"}));
  EXPECT_TRUE(r.requires_short_selling);
  EXPECT_EQ(r.metadata, m.raw);
}

}  // namespace
}  // namespace algohost::catalog
