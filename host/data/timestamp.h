// Timestamps: UTC milliseconds since the Unix epoch, parsed from the forms market data comes in
// (ISO-8601 dates and date-times, epoch seconds, milliseconds, microseconds, nanoseconds) and
// printed as ISO-8601.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace algohost {

// Accepts "2024-01-31", "2024-01-31T09:30", "2024-01-31 09:30:00.250Z", "...+02:00", and
// integers read as epoch seconds (< 1e11), milliseconds (< 1e14), microseconds (< 1e17) or
// nanoseconds. nullopt when the text is none of these or names an impossible date.
std::optional<int64_t> parse_timestamp_ms(std::string_view text);

// "2024-01-31T09:30:00Z", with ".250" when there are milliseconds.
std::string format_timestamp_ms(int64_t ts_ms);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace algohost
