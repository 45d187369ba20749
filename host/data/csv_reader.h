// CSV market data reader.
//
// Layouts: a header row naming the columns (any order, case-insensitive): timestamp (or time,
// date, datetime), open, high, low, close, volume, and optionally symbol (or ticker) and carry
// (the annual interest-rate differential, for carry strategies; any finite number). Without a
// symbol column the file holds one symbol, named by `default_symbol` or else the file's stem
// (data/AAPL.csv -> AAPL). Timestamps as parse_timestamp_ms() reads them.
//
// Every malformed row is reported with file and line: wrong column count, unparsable number or
// timestamp, negative or non-finite price or volume, high below low or below open/close, low
// above open/close, a timestamp not after the previous bar of the same symbol (out of order or
// duplicated). With kStop the first bad row fails the read; with kSkip bad rows are counted,
// listed in the report, and left out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/data/bar_series.h"
#include "registry/common/status.h"

namespace algohost {

struct CsvOptions {
  enum class OnBadRow { kStop, kSkip };
  OnBadRow on_bad_row = OnBadRow::kStop;
  std::string default_symbol;  // for files without a symbol column; "" = the file's stem
};

struct CsvReport {
  size_t rows_read = 0;     // data rows accepted
  size_t rows_skipped = 0;  // bad rows left out (kSkip)
  std::vector<std::string> problems;  // "file:line: message", at most kMaxProblems kept
  static constexpr size_t kMaxProblems = 100;
};

// Reads one CSV file. InvalidArgument naming file and line on a bad row (kStop) or when no bar
// is left; NotFound when the file cannot be opened.
Result<MarketData> read_csv(const std::filesystem::path& file, const CsvOptions& options,
                            CsvReport* report = nullptr);

// Reads a file, or every *.csv file of a directory (sorted by name) into one MarketData.
// A symbol found in two files is an error.
Result<MarketData> read_market_data(const std::filesystem::path& file_or_dir,
                                    const CsvOptions& options, CsvReport* report = nullptr);

}  // namespace algohost
