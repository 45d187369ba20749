#include "host/data/csv_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "host/data/timestamp.h"

namespace algohost {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t comma = line.find(',', pos);
    out.push_back(trim(line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

enum Col { kTs, kOpen, kHigh, kLow, kClose, kVolume, kSymbol, kCarry, kNumCols };
const char* kColNames[] = {"timestamp", "open", "high", "low", "close", "volume", "symbol", "carry"};

int column_of(const std::string& header) {
  static const std::map<std::string, int> kAliases = {
      {"timestamp", kTs}, {"time", kTs},     {"date", kTs},       {"datetime", kTs}, {"ts", kTs},
      {"open", kOpen},    {"high", kHigh},   {"low", kLow},       {"close", kClose}, {"volume", kVolume},
      {"symbol", kSymbol}, {"ticker", kSymbol}, {"carry", kCarry}};
  auto it = kAliases.find(lower(header));
  return it == kAliases.end() ? -1 : it->second;
}

}  // namespace

Result<MarketData> read_csv(const fs::path& file, const CsvOptions& options, CsvReport* report) {
  CsvReport local;
  CsvReport& rep = report ? *report : local;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    // A file that is not there is NotFound (exit 3); one that is there but cannot be read is an
    // I/O failure (exit 8), with the system's reason.
    const int err = errno;
    std::error_code ec;
    if (!fs::exists(file, ec)) return Status::NotFound(file.string() + ": cannot open: no such file");
    return Status::IoError(file.string() + ": cannot open: " + std::strerror(err ? err : EIO));
  }
  const std::string where = file.string();

  std::string line;
  size_t line_no = 0;
  int index[kNumCols];
  std::fill(index, index + kNumCols, -1);
  size_t n_fields = 0;

  // Header: the first non-empty line.
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!trim(line).empty()) break;
  }
  if (trim(line).empty()) return Status::InvalidArgument(where + ": empty file (expected a header row)");
  auto headers = split_fields(line);
  n_fields = headers.size();
  for (size_t i = 0; i < headers.size(); ++i) {
    int c = column_of(std::string(headers[i]));
    if (c < 0) continue;  // extra columns (e.g. "adj close") are ignored
    if (index[c] >= 0)
      return Status::InvalidArgument(where + ":" + std::to_string(line_no) + ": column '" + kColNames[c] +
                                     "' appears twice");
    index[c] = static_cast<int>(i);
  }
  for (int c = kTs; c <= kVolume; ++c)
    if (index[c] < 0)
      return Status::InvalidArgument(where + ":" + std::to_string(line_no) + ": header lacks a '" + kColNames[c] +
                                     "' column (found: " + line + ")");

  const std::string file_symbol = options.default_symbol.empty() ? file.stem().string() : options.default_symbol;
  std::map<std::string, BarSeries> by_symbol;
  std::map<std::string, size_t> last_line;

  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    std::string problem;
    auto fields = split_fields(line);
    ah_bar b{};
    double carry = 0;
    std::string symbol = file_symbol;
    if (fields.size() != n_fields) {
      problem = "expected " + std::to_string(n_fields) + " columns, found " + std::to_string(fields.size());
    } else {
      auto ts = parse_timestamp_ms(fields[index[kTs]]);
      double* dst[] = {nullptr, &b.open, &b.high, &b.low, &b.close, &b.volume};
      if (!ts) problem = "timestamp '" + std::string(fields[index[kTs]]) + "' is not a date, date-time or epoch number";
      for (int c = kOpen; problem.empty() && c <= kVolume; ++c) {
        std::string_view f = fields[index[c]];
        if (!parse_double(f, *dst[c]))
          problem = std::string(kColNames[c]) + " '" + std::string(f) + "' is not a number";
        else if (!std::isfinite(*dst[c]))
          problem = std::string(kColNames[c]) + " is not finite";
        else if (*dst[c] < 0)
          problem = std::string(kColNames[c]) + " " + std::string(f) + " is negative";
      }
      if (problem.empty() && index[kCarry] >= 0) {
        std::string_view f = fields[index[kCarry]];
        if (!parse_double(f, carry) || !std::isfinite(carry))
          problem = "carry '" + std::string(f) + "' is not a finite number";
      }
      if (problem.empty() && index[kSymbol] >= 0) {
        symbol = std::string(fields[index[kSymbol]]);
        if (symbol.empty()) problem = "symbol is empty";
      }
      if (problem.empty()) {
        b.ts_ms = *ts;
        if (b.high < b.low)
          problem = "high " + std::to_string(b.high) + " is below low " + std::to_string(b.low);
        else if (b.high < b.open || b.high < b.close)
          problem = "high " + std::to_string(b.high) + " is below open or close";
        else if (b.low > b.open || b.low > b.close)
          problem = "low " + std::to_string(b.low) + " is above open or close";
      }
      if (problem.empty()) {
        auto it = by_symbol.find(symbol);
        if (it != by_symbol.end() && b.ts_ms <= it->second.ts_ms.back()) {
          problem = std::string(b.ts_ms == it->second.ts_ms.back() ? "duplicate" : "out-of-order") +
                    " timestamp " + format_timestamp_ms(b.ts_ms) + " for " + symbol + " (previous bar on line " +
                    std::to_string(last_line[symbol]) + " is " + format_timestamp_ms(it->second.ts_ms.back()) + ")";
        }
      }
    }
    if (!problem.empty()) {
      std::string msg = where + ":" + std::to_string(line_no) + ": " + problem;
      if (options.on_bad_row == CsvOptions::OnBadRow::kStop) return Status::InvalidArgument(msg);
      ++rep.rows_skipped;
      if (rep.problems.size() < CsvReport::kMaxProblems) rep.problems.push_back(msg);
      continue;
    }
    BarSeries& s = by_symbol[symbol];
    if (s.symbol.empty()) s.symbol = symbol;
    s.push(b);
    if (index[kCarry] >= 0) s.carry.push_back(carry);
    last_line[symbol] = line_no;
    ++rep.rows_read;
  }
  if (in.bad()) return Status::IoError(where + ": read error");
  if (by_symbol.empty()) return Status::InvalidArgument(where + ": no valid bars");
  MarketData md;
  for (auto& [sym, s] : by_symbol) md.series.push_back(std::move(s));
  return md;
}

Result<MarketData> read_market_data(const fs::path& path, const CsvOptions& options, CsvReport* report) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return read_csv(path, options, report);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.path().extension() == ".csv") files.push_back(e.path());
  if (ec) return Status::IoError(path.string() + ": " + ec.message());
  if (files.empty()) return Status::NotFound(path.string() + ": no .csv files");
  std::sort(files.begin(), files.end());
  MarketData all;
  std::map<std::string, fs::path> origin;
  for (const auto& f : files) {
    CsvOptions per_file = options;
    per_file.default_symbol.clear();  // one symbol per file, named by its stem
    auto md = read_csv(f, per_file, report);
    if (!md.ok()) return md.status();
    for (auto& s : md->series) {
      if (auto [it, inserted] = origin.emplace(s.symbol, f); !inserted)
        return Status::InvalidArgument(f.string() + ": symbol " + s.symbol + " is also in " + it->second.string());
      all.series.push_back(std::move(s));
    }
  }
  std::sort(all.series.begin(), all.series.end(), [](const auto& a, const auto& b) { return a.symbol < b.symbol; });
  return all;
}

}  // namespace algohost
