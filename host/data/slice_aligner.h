// SliceAligner — walks several symbols' bars in time order, one ah_slice per distinct timestamp.
//
// At each timestamp every symbol has a slot: has_bar[i] = 1 when symbol i printed a bar at that
// time, else its slot repeats its last bar (or is all zeros before its first bar). A slice only
// ever holds bars at or before its timestamp, so nothing from the future can leak into it.
// The slice and its arrays are valid until the next call to next().
#pragma once

#include <cstdint>
#include <vector>

#include "host/data/bar_series.h"

namespace algohost {

class SliceAligner {
 public:
  // The series must outlive the aligner.
  explicit SliceAligner(std::vector<const BarSeries*> series);

  // Moves to the next timestamp; false when all series are exhausted.
  bool next();
  const ah_slice& slice() const { return slice_; }

 private:
  std::vector<const BarSeries*> series_;
  std::vector<size_t> pos_;
  std::vector<const char*> names_;
  std::vector<ah_bar> bars_;
  std::vector<uint8_t> has_bar_;
  ah_slice slice_{};
};

}  // namespace algohost
