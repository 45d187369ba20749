// The bearer token file: made on first use with mode 0600 and 32 random bytes in hex, read back
// the same afterwards, refused when group or others can read it.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "host/server/http_server.h"
#include "host/server/token.h"
#include "tests/support/test_support.h"

namespace algohost::server {
namespace {

using algohost::testing::TempDir;

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(TokenFile, CreatedWithMode0600AndRandomHexThenReadBack) {
  TempDir dir;
  const auto file = dir / "sub" / "token";
  auto token = load_or_create_token(file);
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(mode_of(file), 0600u);
  ASSERT_EQ(token->size(), 64u);
  EXPECT_EQ(token->find_first_not_of("0123456789abcdef"), std::string::npos) << *token;
  auto again = load_or_create_token(file);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, *token);
  // Another file gets another token.
  auto other = load_or_create_token(dir / "other");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *token);
}

TEST(TokenFile, CreatedMode0600EvenUnderAPermissiveUmask) {
  TempDir dir;
  const mode_t old = ::umask(0);
  auto token = load_or_create_token(dir / "token");
  ::umask(old);
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(mode_of(dir / "token"), 0600u);
}

TEST(TokenFile, AFileOthersCanReadIsRefused) {
  TempDir dir;
  const auto file = dir / "token";
  {
    std::ofstream(file) << "s3cret-token\n";
  }
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  auto token = load_or_create_token(file);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(token.status().message().find(file.string()), std::string::npos) << token.status().message();
  EXPECT_NE(token.status().message().find("0644"), std::string::npos) << token.status().message();
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  EXPECT_FALSE(load_or_create_token(file).ok());
  // Once only its owner can read it, the operator's own token is taken as written.
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  auto fixed = load_or_create_token(file);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(*fixed, "s3cret-token");
}

TEST(TokenFile, AnEmptyFileIsRefused) {
  TempDir dir;
  const auto file = dir / "token";
  { std::ofstream touch(file); }
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  auto token = load_or_create_token(file);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("empty"), std::string::npos);
}

TEST(TokenCheck, MatchesOnlyTheSameToken) {
  TokenCheck check("abc123");
  EXPECT_TRUE(check.required());
  EXPECT_TRUE(check.matches("abc123"));
  EXPECT_FALSE(check.matches("abc124"));
  EXPECT_FALSE(check.matches("abc12"));
  EXPECT_FALSE(check.matches(""));
  EXPECT_FALSE(TokenCheck("").required());
}

}  // namespace
}  // namespace algohost::server
