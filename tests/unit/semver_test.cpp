#include "registry/common/semver.h"

#include <gtest/gtest.h>

namespace algohost {
namespace {

TEST(SemVer, ParsesCoreAndPrereleaseAndBuild) {
  auto v = SemVer::parse("1.12.3-rc.1+build.5");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1u);
  EXPECT_EQ(v->minor, 12u);
  EXPECT_EQ(v->patch, 3u);
  ASSERT_EQ(v->prerelease.size(), 2u);
  EXPECT_EQ(v->prerelease[1], "1");
  EXPECT_EQ(v->build, "build.5");
  EXPECT_EQ(v->to_string(), "1.12.3-rc.1+build.5");
}

TEST(SemVer, RejectsMalformed) {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3+"})
    EXPECT_FALSE(SemVer::parse(bad)) << bad;
}

TEST(SemVer, OrdersBySemverPrecedence) {
  // The example chain from semver.org section 11.
  const char* chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.1.0", "1.10.0", "2.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i)
    EXPECT_LT(*SemVer::parse(chain[i]), *SemVer::parse(chain[i + 1])) << chain[i] << " < " << chain[i + 1];
  EXPECT_EQ(*SemVer::parse("1.0.0+a"), *SemVer::parse("1.0.0+b"));
}

}  // namespace
}  // namespace algohost
