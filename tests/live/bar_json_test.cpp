// The bar format of the TCP and HTTP feeds: what it accepts, and an error naming the field for
// each kind of mistake.
#include <gtest/gtest.h>

#include "host/data/timestamp.h"
#include "host/live/feeds.h"

namespace algohost::live {
namespace {

using Json = nlohmann::json;

Json good() {
  return Json::parse(R"({"symbol":"AAA","ts":"2024-01-02T00:00:00Z","open":1,"high":2,"low":0.5,"close":1.5,"volume":100})");
}

TEST(BarJson, ReadsEveryField) {
  auto b = parse_bar_json(good());
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->symbol, "AAA");
  EXPECT_EQ(b->bar.ts_ms, *parse_timestamp_ms("2024-01-02"));
  EXPECT_EQ(b->bar.open, 1);
  EXPECT_EQ(b->bar.high, 2);
  EXPECT_EQ(b->bar.low, 0.5);
  EXPECT_EQ(b->bar.close, 1.5);
  EXPECT_EQ(b->bar.volume, 100);
  EXPECT_FALSE(b->carry.has_value());

  Json j = good();
  j["ts"] = 1704153600000;  // epoch milliseconds
  j["carry"] = -0.01;
  auto c = parse_bar_json(j);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->bar.ts_ms, 1704153600000);
  ASSERT_TRUE(c->carry.has_value());
  EXPECT_EQ(*c->carry, -0.01);

  j["ts"] = "2024-01-02T09:30:00.250Z";
  j["carry"] = nullptr;  // null: no carry
  auto d = parse_bar_json(j);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->bar.ts_ms, 1704153600000 + (9 * 3600 + 30 * 60) * 1000 + 250);
  EXPECT_FALSE(d->carry.has_value());
}

TEST(BarJson, EachMistakeNamesTheField) {
  struct Case {
    std::function<void(Json&)> change;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](Json& j) { j = Json::array(); }, "bar: expected an object, got an array"},
      {[](Json& j) { j["price"] = 1; }, "bar.price: unknown key (allowed: symbol, ts, open, high, low, close, volume, carry)"},
      {[](Json& j) { j.erase("symbol"); }, "bar.symbol: required field is missing"},
      {[](Json& j) { j["symbol"] = 7; }, "bar.symbol: expected a string, got a number"},
      {[](Json& j) { j["symbol"] = ""; }, "bar.symbol: must not be empty"},
      {[](Json& j) { j.erase("ts"); }, "bar.ts: required field is missing"},
      {[](Json& j) { j["ts"] = true; }, "bar.ts: expected an ISO-8601 time or an integer of epoch milliseconds, got a boolean"},
      {[](Json& j) { j["ts"] = 1.5; }, "bar.ts: expected an ISO-8601 time or an integer of epoch milliseconds, got a number"},
      {[](Json& j) { j["ts"] = "yesterday"; }, "bar.ts: \"yesterday\" is not a date, date-time or epoch number"},
      {[](Json& j) { j["ts"] = "2024-02-30"; }, "bar.ts: \"2024-02-30\" is not a date, date-time or epoch number"},
      {[](Json& j) { j.erase("open"); }, "bar.open: required field is missing"},
      {[](Json& j) { j["high"] = "2"; }, "bar.high: expected a number, got a string"},
      {[](Json& j) { j["low"] = nullptr; }, "bar.low: expected a number, got null"},
      {[](Json& j) { j["close"] = -1.5; }, "bar.close: -1.5 is negative"},
      {[](Json& j) { j["volume"] = Json::object(); }, "bar.volume: expected a number, got an object"},
      {[](Json& j) { j["high"] = 1; j["low"] = 2; j["open"] = 1.5; j["close"] = 1.5; }, "bar: high 1 is below low 2"},
      {[](Json& j) { j["close"] = 2.5; }, "bar: high 2 is below open 1 or close 2.5"},
      {[](Json& j) { j["open"] = 0.25; }, "bar: low 0.5 is above open 0.25 or close 1.5"},
      {[](Json& j) { j["carry"] = "0.01"; }, "bar.carry: expected a number, got a string"},
  };
  ASSERT_TRUE(parse_bar_json(good()).ok());
  for (const auto& c : cases) {
    Json j = good();
    c.change(j);
    auto b = parse_bar_json(j);
    ASSERT_FALSE(b.ok()) << c.expected;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(b.status().message(), c.expected);
  }
}

TEST(BarJson, WherePrefixesErrors) {
  Json j = good();
  j["high"] = "x";
  auto b = parse_bar_json(j, "bars[2]");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "bars[2].high: expected a number, got a string");
}

}  // namespace
}  // namespace algohost::live
