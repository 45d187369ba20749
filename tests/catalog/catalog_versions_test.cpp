// Catalog versions: semver ordering of history and current_version, immutability of published
// versions (same hash = no-op, other hash = AlreadyExists), stored fields, lookups.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;

using algohost::testing::must;

using testutil::scalar;

std::unique_ptr<Catalog> with_strategy(const TempDir& dir, const std::string& name = "rsi_basic") {
  auto cat = must(Catalog::open(dir / "catalog.db"), "open");
  Registration r;
  r.name = name;
  r.display_name = name;
  r.language = "cpp";
  must(cat->register_strategy(r), "register");
  return cat;
}

VersionCreate ver(const std::string& number, const std::string& sha = "") {
  VersionCreate v;
  v.version = number;
  v.artifact_sha256 = sha.empty() ? std::string(64, 'a') : sha;
  return v;
}

std::vector<std::string> numbers(const std::vector<VersionRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.version_number);
  return out;
}

using V = std::vector<std::string>;

TEST(CatalogVersions, HistoryAndCurrentFollowSemverNotText) {
  TempDir dir;
  auto cat = with_strategy(dir);
  must(cat->create_version("rsi_basic", ver("1.9.0", std::string(64, '1'))));
  EXPECT_EQ(cat->get("rsi_basic").value().current_version, "1.9.0");
  must(cat->create_version("rsi_basic", ver("1.10.0", std::string(64, '2'))));
  EXPECT_EQ(cat->get("rsi_basic").value().current_version, "1.10.0");  // text order would keep 1.9.0
  must(cat->create_version("rsi_basic", ver("2.0.0-rc.1", std::string(64, '3'))));
  EXPECT_EQ(cat->get("rsi_basic").value().current_version, "2.0.0-rc.1");
  must(cat->create_version("rsi_basic", ver("2.0.0", std::string(64, '4'))));
  EXPECT_EQ(cat->get("rsi_basic").value().current_version, "2.0.0");  // the release is above its prerelease
  // An older line patched later does not become current.
  must(cat->create_version("rsi_basic", ver("1.9.1", std::string(64, '5'))));
  auto s = cat->get("rsi_basic").value();
  EXPECT_EQ(s.current_version, "2.0.0");
  EXPECT_EQ(s.version_count, 5);
  EXPECT_EQ(numbers(must(cat->versions("rsi_basic"))), (V{"2.0.0", "2.0.0-rc.1", "1.10.0", "1.9.1", "1.9.0"}));
}

TEST(CatalogVersions, PrereleaseAloneIsBelowTheRelease) {
  TempDir dir;
  auto cat = with_strategy(dir);
  must(cat->create_version("rsi_basic", ver("3.0.0", std::string(64, '1'))));
  must(cat->create_version("rsi_basic", ver("3.0.0-beta.2", std::string(64, '2'))));
  must(cat->create_version("rsi_basic", ver("3.0.0-beta.10", std::string(64, '3'))));
  must(cat->create_version("rsi_basic", ver("3.0.0-alpha", std::string(64, '4'))));
  EXPECT_EQ(cat->get("rsi_basic").value().current_version, "3.0.0");
  EXPECT_EQ(numbers(must(cat->versions("rsi_basic"))), (V{"3.0.0", "3.0.0-beta.10", "3.0.0-beta.2", "3.0.0-alpha"}));
}

TEST(CatalogVersions, StoresEveryFieldAndIsFoundByIdAndByNumber) {
  TempDir dir;
  auto cat = with_strategy(dir);
  VersionCreate v = ver("1.2.0", std::string(64, 'f'));
  v.changelog = "Adds a volume filter.";
  v.breaking_changes = "period renamed to lookback";
  v.migration_notes = "rename the parameter";
  v.parameters = Json::parse(R"({"lookback": {"type": "integer", "default": 14, "min": 2, "max": 100}})");
  v.default_parameters = Json{{"lookback", 14}};
  v.git_commit_hash = "0123456789abcdef0123456789abcdef01234567";
  v.validation_status = "passed";
  v.created_by = "bob";
  v.backtest_results = Json{{"sharpe", 1.3}};
  const VersionRecord created = must(cat->create_version("rsi_basic", v));
  EXPECT_EQ(created.version_number, "1.2.0");
  EXPECT_EQ(created.strategy_id, cat->get("rsi_basic").value().strategy_id);

  for (const auto& got : {must(cat->get_version(created.version_id)), must(cat->get_version("rsi_basic", "1.2.0")),
                          must(cat->get_version(created.strategy_id, "1.2.0"))}) {
    EXPECT_EQ(got.version_id, created.version_id);
    EXPECT_EQ(got.version_number, "1.2.0");
    EXPECT_EQ(got.changelog, "Adds a volume filter.");
    EXPECT_EQ(got.breaking_changes, "period renamed to lookback");
    EXPECT_EQ(got.migration_notes, "rename the parameter");
    EXPECT_EQ(got.parameters, v.parameters);
    EXPECT_EQ(got.default_parameters, v.default_parameters);
    EXPECT_EQ(got.artifact_sha256, std::string(64, 'f'));
    EXPECT_EQ(got.git_commit_hash, v.git_commit_hash);
    EXPECT_EQ(got.validation_status, "passed");
    EXPECT_EQ(got.created_by, "bob");
    EXPECT_EQ(got.backtest_results, v.backtest_results);
    EXPECT_TRUE(got.is_active);
  }

  auto missing = cat->get_version("rsi_basic", "9.9.9");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("9.9.9"), std::string::npos);
  EXPECT_EQ(cat->get_version("not-a-version-id").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->get_version("no_strategy", "1.2.0").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->versions("no_strategy").status().code(), StatusCode::kNotFound);
}

TEST(CatalogVersions, SameVersionAndHashAgainIsANoOp) {
  TempDir dir;
  auto cat = with_strategy(dir);
  const auto first = must(cat->create_version("rsi_basic", ver("1.0.0", std::string(64, 'b'))));
  const int64_t rows = scalar(*cat, "SELECT count(*) FROM strategy_versions");
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");
  const auto again = must(cat->create_version("rsi_basic", ver("1.0.0", std::string(64, 'b'))));
  EXPECT_EQ(again.version_id, first.version_id);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_versions"), rows);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits);
  EXPECT_EQ(cat->get("rsi_basic").value().version_count, 1);
}

TEST(CatalogVersions, SameVersionOtherHashIsRefusedClearlyAndWritesNothing) {
  TempDir dir;
  auto cat = with_strategy(dir);
  const std::string sha1(64, 'b'), sha2(64, 'c');
  must(cat->create_version("rsi_basic", ver("1.0.0", sha1)));
  const int64_t rows = scalar(*cat, "SELECT count(*) FROM strategy_versions");
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");
  auto r = cat->create_version("rsi_basic", ver("1.0.0", sha2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("rsi_basic"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1.0.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find(sha1), std::string::npos) << msg;  // which hash is published
  EXPECT_NE(msg.find(sha2), std::string::npos) << msg;  // which one was refused
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_versions"), rows);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits);
  EXPECT_EQ(must(cat->get_version("rsi_basic", "1.0.0")).artifact_sha256, sha1);
}

TEST(CatalogVersions, InvalidInputIsInvalidArgument) {
  TempDir dir;
  auto cat = with_strategy(dir);
  for (const char* bad : {"1.0", "v1.0.0", "1.0.0.0", "", "01.0.0", "1.x.0"}) {
    auto r = cat->create_version("rsi_basic", ver(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("version"), std::string::npos) << r.status().message();
  }
  VersionCreate v = ver("1.0.0");
  v.validation_status = "maybe";
  auto r = cat->create_version("rsi_basic", v);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("validation_status"), std::string::npos);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_versions"), 0);
  EXPECT_EQ(cat->create_version("no_strategy", ver("1.0.0")).status().code(), StatusCode::kNotFound);
}

TEST(CatalogVersions, VersionsOfOneStrategyDoNotAffectAnother) {
  TempDir dir;
  auto cat = with_strategy(dir, "first");
  Registration r;
  r.name = "second";
  r.display_name = "Second";
  must(cat->register_strategy(r));
  must(cat->create_version("first", ver("1.0.0")));
  must(cat->create_version("second", ver("1.0.0")));  // same number, other strategy: fine
  must(cat->create_version("second", ver("2.0.0")));
  EXPECT_EQ(cat->get("first").value().current_version, "1.0.0");
  EXPECT_EQ(cat->get("first").value().version_count, 1);
  EXPECT_EQ(cat->get("second").value().current_version, "2.0.0");
  EXPECT_EQ(cat->get("second").value().version_count, 2);
}

}  // namespace
}  // namespace algohost::catalog
