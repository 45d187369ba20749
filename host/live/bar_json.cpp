// parse_bar_json: one bar object of the TCP and HTTP feeds, checked as strictly as a CSV row
// (csv_reader.cpp): finite, non-negative prices and volume, high the highest and low the lowest.
// Timestamps are read by parse_timestamp_ms, so an integer is epoch seconds, milliseconds,
// microseconds or nanoseconds by its size, as in a CSV file.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "host/data/timestamp.h"
#include "host/live/json_text.h"
#include "host/live/feeds.h"

namespace algohost::live {
namespace {
using Json = nlohmann::json;


constexpr const char* kKeys[] = {"symbol", "ts", "open", "high", "low", "close", "volume", "carry"};

}  // namespace

Result<ParsedBar> parse_bar_json(const nlohmann::json& j, const std::string& where) {
  auto bad = [&](const std::string& field, const std::string& why) {
    return Status::InvalidArgument(where + (field.empty() ? "" : "." + field) + ": " + why);
  };
  if (!j.is_object()) return bad("", "expected an object, got " + json_type_of(j));
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      return bad(key, "unknown key (allowed: symbol, ts, open, high, low, close, volume, carry)");
  }
  ParsedBar out;
  auto sym = j.find("symbol");
  if (sym == j.end()) return bad("symbol", "required field is missing");
  if (!sym->is_string()) return bad("symbol", "expected a string, got " + json_type_of(*sym));
  out.symbol = sym->get<std::string>();
  if (out.symbol.empty()) return bad("symbol", "must not be empty");

  auto ts = j.find("ts");
  if (ts == j.end()) return bad("ts", "required field is missing");
  std::optional<int64_t> ts_ms;
  if (ts->is_string())
    ts_ms = parse_timestamp_ms(ts->get_ref<const std::string&>());
  else if (ts->is_number_integer())
    ts_ms = parse_timestamp_ms(ts->dump());
  else
    return bad("ts", "expected an ISO-8601 time or an integer of epoch milliseconds, got " + json_type_of(*ts));
  if (!ts_ms) return bad("ts", ts->dump() + " is not a date, date-time or epoch number");
  out.bar.ts_ms = *ts_ms;

  struct Field {
    const char* name;
    double* dst;
  } fields[] = {{"open", &out.bar.open}, {"high", &out.bar.high}, {"low", &out.bar.low},
                {"close", &out.bar.close}, {"volume", &out.bar.volume}};
  for (const auto& f : fields) {
    auto v = j.find(f.name);
    if (v == j.end()) return bad(f.name, "required field is missing");
    if (!v->is_number()) return bad(f.name, "expected a number, got " + json_type_of(*v));
    *f.dst = v->get<double>();
    if (!std::isfinite(*f.dst)) return bad(f.name, "expected a finite number");
    if (*f.dst < 0) return bad(f.name, number_text(*f.dst) + " is negative");
  }
  const ah_bar& b = out.bar;
  if (b.high < b.low) return bad("", "high " + number_text(b.high) + " is below low " + number_text(b.low));
  if (b.high < b.open || b.high < b.close)
    return bad("", "high " + number_text(b.high) + " is below open " + number_text(b.open) + " or close " +
                       number_text(b.close));
  if (b.low > b.open || b.low > b.close)
    return bad("", "low " + number_text(b.low) + " is above open " + number_text(b.open) + " or close " +
                       number_text(b.close));

  auto carry = j.find("carry");
  if (carry != j.end() && !carry->is_null()) {
    if (!carry->is_number()) return bad("carry", "expected a number, got " + json_type_of(*carry));
    double c = carry->get<double>();
    if (!std::isfinite(c)) return bad("carry", "expected a finite number");
    out.carry = c;
  }
  return out;
}

}  // namespace algohost::live
