// SliceAligner — walks several symbols' bars in time order, one ah_slice per distinct timestamp.
//
// At each timestamp every symbol has a slot: has_bar[i] = 1 when symbol i printed a bar at that
// time, else its slot repeats its last bar (or is all zeros before its first bar). A slice only
// ever holds bars at or before its timestamp, so nothing from the future can leak into it.
// The slice and its arrays are valid until the next call to next(). When any series has a carry
// column, slice.carry holds each symbol's latest carry (0 for a symbol without one or before its
// first bar); otherwise slice.carry is null.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "host/data/bar_series.h"

namespace algohost {

class SliceAligner {
 public:
  // The series must outlive the aligner.
  explicit SliceAligner(std::vector<const BarSeries*> series);

  // Moves to the next timestamp; false when all series are exhausted. Inline: the engine calls it
  // once per timestamp.
  bool next() {
    if (series_.size() == 1) {  // one symbol: every timestamp is its next bar
      const BarSeries& only = *series_[0];
      if (pos_[0] >= only.size()) return false;
      if (has_carry_) carry_[0] = only.carry[pos_[0]];
      bars_[0] = only.bar(pos_[0]++);
      has_bar_[0] = 1;
      slice_.ts_ms = bars_[0].ts_ms;
      return true;
    }
    int64_t ts = INT64_MAX;
    const size_t n = series_.size();
    for (size_t i = 0; i < n; ++i)
      if (pos_[i] < series_[i]->size()) ts = std::min(ts, series_[i]->ts_ms[pos_[i]]);
    if (ts == INT64_MAX) return false;
    for (size_t i = 0; i < n; ++i) {
      has_bar_[i] = 0;
      if (pos_[i] < series_[i]->size() && series_[i]->ts_ms[pos_[i]] == ts) {
        if (has_carry_) carry_[i] = series_[i]->carry.empty() ? 0.0 : series_[i]->carry[pos_[i]];
        bars_[i] = series_[i]->bar(pos_[i]++);
        has_bar_[i] = 1;
      }
    }
    slice_.ts_ms = ts;
    return true;
  }
  const ah_slice& slice() const { return slice_; }

 private:
  std::vector<const BarSeries*> series_;
  std::vector<size_t> pos_;
  std::vector<const char*> names_;
  std::vector<ah_bar> bars_;
  std::vector<uint8_t> has_bar_;
  std::vector<double> carry_;  // latest carry per symbol, when any series has carry
  bool has_carry_ = false;
  ah_slice slice_{};
};

}  // namespace algohost
