#include "host/data/timestamp.h"

#include <charconv>
#include <cstdio>

namespace algohost {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

unsigned days_in_month(int y, int m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::optional<int64_t> parse_iso(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) return std::nullopt;
  size_t pos = 10;
  int64_t ms = 0;
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, h) || pos + 2 >= s.size() || s[pos + 2] != ':' || !digits(s, pos + 3, 2, mi))
      return std::nullopt;
    pos += 5;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int64_t scale = 100;
        size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          ms += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        if (!digits(s, pos, 2, oh)) return std::nullopt;
        pos += 2;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!digits(s, pos, 2, om)) return std::nullopt;
        pos += 2;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_min = sign * (oh * 60 + om);
      }
      if (pos != s.size()) return std::nullopt;
    }
  }
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + ms;
}

}  // namespace

std::optional<int64_t> parse_timestamp_ms(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.size() >= 10 && text[4] == '-') return parse_iso(text);
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    double d = 0;  // epoch seconds with a fraction, e.g. "1700000000.5"
    auto rd = std::from_chars(text.data(), text.data() + text.size(), d);
    if (rd.ec != std::errc() || rd.ptr != text.data() + text.size() || !(d >= 0 && d < 1e11)) return std::nullopt;
    return static_cast<int64_t>(d * 1000.0 + 0.5);
  }
  if (v < 0) return std::nullopt;
  if (v < 100'000'000'000LL) return v * 1000;          // seconds
  if (v < 100'000'000'000'000LL) return v;             // milliseconds
  if (v < 100'000'000'000'000'000LL) return v / 1000;  // microseconds
  return v / 1'000'000;                                // nanoseconds
}

std::string format_timestamp_ms(int64_t ts_ms) {
  // Floor division without negating ts_ms (which overflows near INT64_MIN).
  int64_t days = ts_ms / 86'400'000, rem = ts_ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  int hh = static_cast<int>(rem / 3'600'000), mm = static_cast<int>(rem / 60'000 % 60),
      ss = static_cast<int>(rem / 1000 % 60), ms = static_cast<int>(rem % 1000);
  if (y >= 0 && y <= 9999) {  // the common case, without printf (the engine formats every trade's times)
    char out[25] = "0000-00-00T00:00:00.000Z";
    auto two = [&](size_t at, unsigned v) {
      out[at] = static_cast<char>('0' + v / 10);
      out[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, static_cast<unsigned>(y / 100));
    two(2, static_cast<unsigned>(y % 100));
    two(5, m);
    two(8, d);
    two(11, static_cast<unsigned>(hh));
    two(14, static_cast<unsigned>(mm));
    two(17, static_cast<unsigned>(ss));
    if (!ms) {
      out[19] = 'Z';
      return std::string(out, 20);
    }
    out[20] = static_cast<char>('0' + ms / 100);
    two(21, static_cast<unsigned>(ms % 100));
    return std::string(out, 24);
  }
  char buf[40];
  if (ms)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d, hh, mm, ss, ms);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d, hh, mm, ss);
  return buf;
}

}  // namespace algohost
