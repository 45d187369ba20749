// libFuzzer target: the CSV market-data reader (host/data/csv_reader), through read_csv() on a
// scratch file, once stopping at the first bad row and once skipping bad rows. Properties: an
// error names the file; every accepted bar is well formed (finite, non-negative, low <= open,
// close <= high) and each symbol's timestamps strictly increase; the skip read accepts at least
// what the stop read accepted.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "fuzz/fuzz_file.h"
#include "host/data/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace algohost;
  static fuzz::ScratchFile file("bars.csv");
  const auto& path = file.write(data, size);

  CsvOptions stop;
  auto strict = read_csv(path, stop);
  if (!strict.ok()) ALGOHOST_FUZZ_CHECK(strict.status().message().find(path.string()) != std::string::npos);

  CsvOptions skip;
  skip.on_bad_row = CsvOptions::OnBadRow::kSkip;
  CsvReport report;
  auto lenient = read_csv(path, skip, &report);
  if (strict.ok()) ALGOHOST_FUZZ_CHECK(lenient.ok() && report.rows_skipped == 0);
  if (!lenient.ok()) return 0;
  ALGOHOST_FUZZ_CHECK(report.problems.size() <= CsvReport::kMaxProblems);
  size_t bars = 0;
  for (const auto& s : lenient->series) {
    ALGOHOST_FUZZ_CHECK(!s.symbol.empty());
    for (size_t i = 0; i < s.size(); ++i) {
      const double o = s.open[i], h = s.high[i], l = s.low[i], c = s.close[i], v = s.volume[i];
      ALGOHOST_FUZZ_CHECK(std::isfinite(o) && std::isfinite(h) && std::isfinite(l) && std::isfinite(c) &&
                          std::isfinite(v));
      ALGOHOST_FUZZ_CHECK(l >= 0 && v >= 0 && l <= o && l <= c && o <= h && c <= h);
      if (i > 0) ALGOHOST_FUZZ_CHECK(s.ts_ms[i] > s.ts_ms[i - 1]);
    }
    ALGOHOST_FUZZ_CHECK(s.carry.empty() || s.carry.size() == s.size());
    bars += s.size();
  }
  ALGOHOST_FUZZ_CHECK(bars == report.rows_read);
  return 0;
}
