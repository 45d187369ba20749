#include "host/data/timestamp.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include <gtest/gtest.h>

namespace algohost {
namespace {

TEST(Timestamp, IsoFormsAndEpochUnits) {
  // 2024-01-31T00:00:00Z is 1706659200 seconds after the epoch.
  EXPECT_EQ(parse_timestamp_ms("2024-01-31"), 1706659200000LL);
  EXPECT_EQ(parse_timestamp_ms("2024-01-31T09:30"), 1706659200000LL + (9 * 3600 + 30 * 60) * 1000LL);
  EXPECT_EQ(parse_timestamp_ms("2024-01-31 09:30:15.25Z"), 1706659200000LL + (9 * 3600 + 30 * 60 + 15) * 1000LL + 250);
  EXPECT_EQ(parse_timestamp_ms("2024-01-31T02:00:00+02:00"), 1706659200000LL);
  EXPECT_EQ(parse_timestamp_ms("2024-01-30T22:00:00-0200"), 1706659200000LL);
  EXPECT_EQ(parse_timestamp_ms("1706659200"), 1706659200000LL);        // seconds
  EXPECT_EQ(parse_timestamp_ms("1706659200000"), 1706659200000LL);     // milliseconds
  EXPECT_EQ(parse_timestamp_ms("1706659200000000"), 1706659200000LL);  // microseconds
  EXPECT_EQ(parse_timestamp_ms("1706659200.5"), 1706659200500LL);
  EXPECT_EQ(parse_timestamp_ms("1970-01-01"), 0);
  EXPECT_EQ(parse_timestamp_ms("2000-02-29"), 951782400000LL);  // leap day
}

TEST(Timestamp, RejectsImpossibleOrGarbled) {
  for (const char* bad : {"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "2024-01-31T25:00",
                          "2024-01-31X10:00", "2024/01/31", "yesterday", "-5", "2024-01-31T10:00+5"})
    EXPECT_FALSE(parse_timestamp_ms(bad)) << bad;
}

TEST(Timestamp, FormatRoundTrips) {
  EXPECT_EQ(format_timestamp_ms(1706659200000LL), "2024-01-31T00:00:00Z");
  EXPECT_EQ(format_timestamp_ms(1706659200250LL), "2024-01-31T00:00:00.250Z");
  EXPECT_EQ(format_timestamp_ms(-86400000LL), "1969-12-31T00:00:00Z");
  for (int64_t t : {0LL, 951782400000LL, 4102444800123LL})
    EXPECT_EQ(parse_timestamp_ms(format_timestamp_ms(t)), t);
}

// Against the C library's own calendar (gmtime_r + strftime), over years 1900..9999 with and
// without milliseconds: the formatter's printf-free path must write exactly what it does.
TEST(Timestamp, FormatAgreesWithTheCLibraryOverFourCenturiesAndMore) {
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  const int64_t lo = -2208988800000LL, hi = 253402300799999LL;  // 1900-01-01 .. 9999-12-31T23:59:59.999
  for (int k = 0; k < 20000; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int64_t t = lo + static_cast<int64_t>(x % static_cast<uint64_t>(hi - lo));
    if (k % 2) t -= t % 1000;  // whole seconds: no fraction written
    const time_t secs = static_cast<time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
    const int ms = static_cast<int>(t - static_cast<int64_t>(secs) * 1000);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&secs, &tm), nullptr);
    char date[32], want[48];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    if (tm.tm_year + 1900 < 1000) continue;  // strftime's %Y does not pad
    if (ms)
      std::snprintf(want, sizeof want, "%s.%03dZ", date, ms);
    else
      std::snprintf(want, sizeof want, "%sZ", date);
    ASSERT_EQ(format_timestamp_ms(t), want) << t;
  }
}

// Found by fuzz_timestamp: negating a time near INT64_MIN overflowed (UB, caught in build-asan).
TEST(Timestamp, FormatsEveryInt64) {
  EXPECT_EQ(format_timestamp_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp_ms(INT64_MIN), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(format_timestamp_ms(INT64_MIN + 50), "-292275055-05-16T16:47:04.242Z");
  EXPECT_EQ(format_timestamp_ms(INT64_MAX), "292278994-08-17T07:12:55.807Z");
}

}  // namespace
}  // namespace algohost
