#include "host/data/slice_aligner.h"


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
  for (const auto* s : series_) has_carry_ = has_carry_ || !s->carry.empty();
  if (has_carry_) {
    carry_.assign(series_.size(), 0.0);
    slice_.carry = carry_.data();
  }
}

}  // namespace algohost
