#include "host/data/slice_aligner.h"

#include <limits>

namespace algohost {

SliceAligner::SliceAligner(std::vector<const BarSeries*> series)
    : series_(std::move(series)),
      pos_(series_.size(), 0),
      bars_(series_.size(), ah_bar{}),
      has_bar_(series_.size(), 0) {
  for (const auto* s : series_) names_.push_back(s->symbol.c_str());
  slice_.n_symbols = static_cast<uint32_t>(series_.size());
  slice_.symbols = names_.data();
  slice_.bars = bars_.data();
  slice_.has_bar = has_bar_.data();
}

bool SliceAligner::next() {
  int64_t ts = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < series_.size(); ++i)
    if (pos_[i] < series_[i]->size()) ts = std::min(ts, series_[i]->ts_ms[pos_[i]]);
  if (ts == std::numeric_limits<int64_t>::max()) return false;
  for (size_t i = 0; i < series_.size(); ++i) {
    has_bar_[i] = 0;
    if (pos_[i] < series_[i]->size() && series_[i]->ts_ms[pos_[i]] == ts) {
      bars_[i] = series_[i]->bar(pos_[i]++);
      has_bar_[i] = 1;
    }
  }
  slice_.ts_ms = ts;
  return true;
}

}  // namespace algohost
