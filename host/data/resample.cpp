#include "host/data/resample.h"

#include <algorithm>

#include "host/data/timestamp.h"

namespace algohost {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<int64_t> timeframe_ms(const std::string& name) {
  static const std::pair<const char*, int64_t> kNames[] = {
      {"1m", 60'000},         {"5m", 300'000},         {"15m", 900'000},        {"30m", 1'800'000},
      {"1h", 3'600'000},      {"2h", 7'200'000},       {"4h", 14'400'000},      {"1d", 86'400'000}};
  for (const auto& [n, ms] : kNames)
    if (name == n) return ms;
  return Status::InvalidArgument("timeframe '" + name + "': expected one of 1m, 5m, 15m, 30m, 1h, 2h, 4h, 1d");
}

size_t ResampledSeries::complete_at(size_t i) const {
  // visible_at is non-decreasing: the bars seen by index i are a prefix.
  return static_cast<size_t>(std::upper_bound(visible_at.begin(), visible_at.end(), i) - visible_at.begin());
}

Result<ResampledSeries> resample(const BarSeries& base, int64_t base_period_ms, int64_t period_ms) {
  if (base_period_ms <= 0 || period_ms <= 0 || period_ms % base_period_ms != 0 || period_ms / base_period_ms < 2)
    return Status::InvalidArgument("resampling " + base.symbol + ": a period of " + std::to_string(period_ms) +
                                   " ms is not a whole multiple (2 or more) of the bars' period of " +
                                   std::to_string(base_period_ms) + " ms");
  ResampledSeries out;
  out.period_ms = period_ms;
  out.bars.symbol = base.symbol;
  const bool has_carry = !base.carry.empty();
  const size_t n = base.size();
  int64_t bucket = 0;
  bool open = false;  // a bucket is being built (the last bar of out.bars)
  bool seen = true;   // that bucket's bar has its visible_at
  auto close_visibility = [&](size_t at) {
    if (open && !seen) {
      out.visible_at.push_back(at);
      seen = true;
    }
  };
  for (size_t i = 0; i < n; ++i) {
    const int64_t ts = base.ts_ms[i];
    if (i > 0 && ts <= base.ts_ms[i - 1])
      return Status::InvalidArgument("resampling " + base.symbol + ": bar " + std::to_string(i) + " (" +
                                     format_timestamp_ms(ts) + ") is not after the bar before it");
    const int64_t b = floor_div(ts, period_ms);
    if (!open || b != bucket) {
      close_visibility(i);  // the data skipped the previous bucket's end: it is complete now
      bucket = b;
      open = true;
      seen = false;
      out.bars.ts_ms.push_back(b * period_ms);
      out.bars.open.push_back(base.open[i]);
      out.bars.high.push_back(base.high[i]);
      out.bars.low.push_back(base.low[i]);
      out.bars.close.push_back(base.close[i]);
      out.bars.volume.push_back(base.volume[i]);
      if (has_carry) out.bars.carry.push_back(base.carry[i]);
    } else {
      out.bars.high.back() = std::max(out.bars.high.back(), base.high[i]);
      out.bars.low.back() = std::min(out.bars.low.back(), base.low[i]);
      out.bars.close.back() = base.close[i];
      out.bars.volume.back() += base.volume[i];
      if (has_carry) out.bars.carry.back() = base.carry[i];
    }
    // This bar's period reaches the bucket's end: its close completes the bucket.
    if (ts + base_period_ms >= (bucket + 1) * period_ms) close_visibility(i);
  }
  close_visibility(n);  // a bucket still open at the end is never seen
  return out;
}

}  // namespace algohost
