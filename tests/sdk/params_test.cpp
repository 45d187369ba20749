#include <algohost/params.hpp>

#include <gtest/gtest.h>

namespace algohost::sdk {
namespace {

TEST(Params, ParsesFlatObjectOfScalars) {
  auto p = Params::parse(R"( {"period": 14, "level": -2.5e1, "mode": "a\"b\\c\u0041", "on": true, "off": false, "none": null} )");
  EXPECT_EQ(p.get_int("period"), 14);
  EXPECT_DOUBLE_EQ(p.get_double("level"), -25.0);
  EXPECT_EQ(p.get_string("mode"), "a\"b\\cA");
  EXPECT_TRUE(p.get_bool("on"));
  EXPECT_FALSE(p.get_bool("off"));
  EXPECT_TRUE(p.has("none"));
  EXPECT_EQ(p.get_int("absent", 7), 7);
  EXPECT_TRUE(Params::parse("{}").values().empty());
}

TEST(Params, TypeErrorsNameTheParameter) {
  auto p = Params::parse(R"({"period": 14.5, "mode": "x"})");
  try {
    (void)p.get_int("period");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "parameter 'period': expected an integer");
  }
  EXPECT_THROW((void)p.get_double("mode"), std::invalid_argument);
  EXPECT_THROW((void)p.get_bool("mode"), std::invalid_argument);
  try {
    (void)p.get_double("missing");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "parameter 'missing' is missing");
  }
}

TEST(Params, NonFiniteAndHugeValuesAreRefused) {
  for (const char* bad : {R"({"a": nan})", R"({"a": inf})", R"({"a": -infinity})"})
    EXPECT_THROW(Params::parse(bad), std::invalid_argument) << bad;
  auto p = Params::parse(R"({"big": 1e300})");
  EXPECT_THROW((void)p.get_int("big"), std::invalid_argument);
}

TEST(Params, MalformedJsonThrowsWithOffset) {
  for (const char* bad : {"", "[1]", "{\"a\":}", "{\"a\":1,}", "{\"a\":{\"b\":1}}", "{\"a\":1} x", "{\"a\":\"unterminated}"}) {
    EXPECT_THROW(Params::parse(bad), std::invalid_argument) << bad;
  }
  try {
    Params::parse("{\"a\": 1 \"b\": 2}");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("offset"), std::string::npos);
  }
}

}  // namespace
}  // namespace algohost::sdk
