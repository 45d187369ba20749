// R TTR's reference on its ttrc data set (tests/plugins/data/ttrc_reference.csv, written by
// data/make_ttrc_reference.R): 5,550 daily bars with TTR 0.24.3's MFI(14) and VWAP(20) of the
// close and of the typical price. NA (TTR's warm-up) reads as NaN. A missing or malformed file
// fails the calling test with a message naming the file and line.
#ifndef ALGOHOST_TESTS_PLUGINS_TTRC_REFERENCE_HPP_
#define ALGOHOST_TESTS_PLUGINS_TTRC_REFERENCE_HPP_

#include <algohost/strategy_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace algohost::test {

struct TtrcRow {
  std::string date;
  double high, low, close, volume;
  double mfi14, vwap20_close, vwap20_typical;  // NaN where TTR gives NA
};

// Reads the reference; an empty vector after an ADD_FAILURE naming the problem.
inline std::vector<TtrcRow> ttrc_reference() {
  const std::string path = ALGOHOST_TTRC_REFERENCE;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << path << ": cannot be opened";
    return {};
  }
  std::vector<TtrcRow> rows;
  std::string line;
  size_t line_no = 0;
  auto number = [](const std::string& s, bool& ok) {
    if (s == "NA") return std::nan("");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    ok = ok && !s.empty() && end == s.c_str() + s.size();
    return v;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#' || line.rfind("date,", 0) == 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    bool ok = f.size() == 8;
    TtrcRow r{};
    if (ok) {
      r.date = f[0];
      r.high = number(f[1], ok);
      r.low = number(f[2], ok);
      r.close = number(f[3], ok);
      r.volume = number(f[4], ok);
      r.mfi14 = number(f[5], ok);
      r.vwap20_close = number(f[6], ok);
      r.vwap20_typical = number(f[7], ok);
    }
    if (!ok) {
      ADD_FAILURE() << path << ":" << line_no << ": expected 8 comma-separated fields "
                    << "(date, high, low, close, volume, mfi14, vwap20_close, vwap20_typical)";
      return {};
    }
    rows.push_back(r);
  }
  return rows;
}

// The reference's bars, one UTC day apart from t0 (the dates' gaps do not matter to MFI or a
// rolling VWAP).
inline std::vector<ah_bar> ttrc_bars(const std::vector<TtrcRow>& rows, int64_t t0) {
  std::vector<ah_bar> bars;
  bars.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    bars.push_back(ah_bar{t0 + static_cast<int64_t>(i) * 86400000, rows[i].close, rows[i].high,
                          rows[i].low, rows[i].close, rows[i].volume});
  return bars;
}

}  // namespace algohost::test

#endif  // ALGOHOST_TESTS_PLUGINS_TTRC_REFERENCE_HPP_
