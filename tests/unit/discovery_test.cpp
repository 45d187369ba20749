// Discovery: recursive scan, versions side by side, bad manifests reported and skipped,
// search-path priority and shadowing.
#include "host/discovery/discovery.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::fixture_manifest;
using testing::TempDir;
using testing::write_file;

void put(const std::filesystem::path& dir, const std::string& name, const std::string& version) {
  write_file(dir / name / version / "manifest.json", fixture_manifest(name, version, "lib.so").dump());
}

TEST(Discovery, FindsVersionsSideBySideAndSkipsBadOnes) {
  TempDir dir;
  put(dir.path(), "rsi", "1.0.0");
  put(dir.path(), "rsi", "1.10.0");
  put(dir.path(), "rsi", "1.2.0");
  write_file(dir / "broken" / "manifest.json", "{ not json");
  write_file(dir / "deep" / "a" / "b" / "c" / "manifest.json", fixture_manifest("deep", "0.1.0", "x.so").dump());
  write_file(dir / "notes" / "readme.txt", "not a manifest");

  auto res = discover({{dir.path(), "--plugins"}});
  ASSERT_EQ(res.plugins.size(), 5u);
  std::vector<std::string> ids;
  for (const auto& p : res.plugins) ids.push_back(p.report.ok() ? p.report.manifest->id() : "invalid");
  // Valid first, by name then semver (1.10.0 after 1.2.0), the broken one last.
  EXPECT_EQ(ids, (std::vector<std::string>{"deep@0.1.0", "rsi@1.0.0", "rsi@1.2.0", "rsi@1.10.0", "invalid"}));
  EXPECT_NE(res.plugins.back().report.error_summary().find("broken/manifest.json"), std::string::npos);
}

TEST(Discovery, EarlierSearchDirsShadowLaterOnes) {
  TempDir first, second;
  put(first.path(), "rsi", "1.0.0");
  put(second.path(), "rsi", "1.0.0");
  put(second.path(), "macd", "1.0.0");
  auto res = discover({{first.path(), "--plugins"}, {second.path(), "built-in"}});
  ASSERT_EQ(res.plugins.size(), 3u);
  int shadowed = 0;
  for (const auto& p : res.plugins) {
    if (p.shadowed_by) {
      ++shadowed;
      EXPECT_EQ(p.origin, "built-in");
      EXPECT_NE(p.shadowed_by->string().find(first.path().string()), std::string::npos);
    }
  }
  EXPECT_EQ(shadowed, 1);
}

TEST(Discovery, SearchPathOrderAndMissingDirs) {
  auto sp = plugin_search_path({"/cli"}, "/env1::/env2", {"/builtin"});
  ASSERT_EQ(sp.size(), 4u);
  EXPECT_EQ(sp[0].origin, "--plugins");
  EXPECT_EQ(sp[1].dir, "/env1");
  EXPECT_EQ(sp[2].dir, "/env2");
  EXPECT_EQ(sp[3].origin, "built-in");
  auto res = discover({{"/definitely/not/here", "--plugins"}});
  EXPECT_TRUE(res.plugins.empty());
  ASSERT_EQ(res.problems.size(), 1u);
  EXPECT_NE(res.problems[0].find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace algohost
