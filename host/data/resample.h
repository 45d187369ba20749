// Bars of a longer timeframe built from one series' bars, without look-ahead — what a strategy
// that asks for more than one timeframe is shown beside its base bars (issue 17).
//
// Buckets are UTC-aligned multiples of the period counted from the epoch (1h: each hour; 4h: 00:00,
// 04:00, ...; 1d: each UTC day); a base bar at ts belongs to bucket floor(ts / period). Each bucket
// that holds bars gives one bar: ts = the bucket's start, open = its first bar's open, high = the
// highest high, low = the lowest low, close = its last bar's close, volume = the sum, carry = the
// last bar's (when the series has carry). A bucket without bars gives no bar.
//
// When a resampled bar may be seen: from base index visible_at[k] on — the first base bar i whose
// own period ends at or after the bucket's end (ts[i] + base period >= bucket end: its close is the
// bucket's last price), or, when the data skips the bucket's end (a missing bar, a session that
// closes early), the first bar of a later bucket. So a bar is never seen before the last base bar
// it is made of has closed; a bucket still open when the data ends is never seen (visible_at =
// base.size()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "host/data/bar_series.h"
#include "registry/common/status.h"

namespace algohost {

struct ResampledSeries {
  BarSeries bars;                  // the symbol's name kept
  int64_t period_ms = 0;
  std::vector<size_t> visible_at;  // per resampled bar: the base index it is first seen at

  // How many resampled bars are complete as of base index i (those with visible_at <= i; they
  // are bars [0, n)).
  size_t complete_at(size_t i) const;
};

// Timeframe names: 1m, 5m, 15m, 30m, 1h, 2h, 4h, 1d (in ms). InvalidArgument naming the text
// otherwise.
Result<int64_t> timeframe_ms(const std::string& name);

// `base_period_ms` is the base series' bar period (its timeframe). InvalidArgument when the period
// is not a whole multiple (2 or more) of the base period, naming both; when the base series' times
// are not increasing (naming the index).
Result<ResampledSeries> resample(const BarSeries& base, int64_t base_period_ms, int64_t period_ms);

}  // namespace algohost
