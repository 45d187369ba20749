// libFuzzer target: the timestamp parser and printer (host/data/timestamp). Any input text goes
// to parse_timestamp_ms(); a parsed time inside years 0001..9999 must print as ISO-8601 and read
// back as the same value. The first 8 bytes, read as an integer, also go to format_timestamp_ms()
// (every int64 must print without UB).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "fuzz/fuzz_file.h"
#include "host/data/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace algohost;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ts = parse_timestamp_ms(text)) {
    constexpr int64_t kYear1 = -62135596800000LL;      // 0001-01-01T00:00:00Z
    constexpr int64_t kYear10000 = 253402300800000LL;  // 10000-01-01T00:00:00Z
    if (*ts >= kYear1 && *ts < kYear10000) {
      const std::string printed = format_timestamp_ms(*ts);
      const auto again = parse_timestamp_ms(printed);
      ALGOHOST_FUZZ_CHECK(again.has_value());
      ALGOHOST_FUZZ_CHECK(*again == *ts);
    }
  }
  if (size >= sizeof(int64_t)) {
    int64_t v;
    std::memcpy(&v, data, sizeof v);
    const std::string printed = format_timestamp_ms(v);
    ALGOHOST_FUZZ_CHECK(!printed.empty());
  }
  return 0;
}
