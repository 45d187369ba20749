// LearnSchedule — when a stage learns a closed trade of its base arm, shared by the built-in MEM
// stage and the stage over an enhancer plugin (docs/mem.md, "Out of sample"):
//   skip   closed at or before `skip_through_ms` (a loaded state learned it already);
//   later  closed at or after `learn_before_ms` (the scoring part): kept, in order, for take_later()
//          after the run, so the scoring part is judged with what the training part taught;
//   now    otherwise.
#pragma once

#include <climits>
#include <cstdint>
#include <vector>

#include "host/engine/paper_broker.h"

namespace algohost::mem {

class LearnSchedule {
 public:
  LearnSchedule(int64_t learn_before_ms, int64_t skip_through_ms = INT64_MIN)
      : learn_before_ms_(learn_before_ms), skip_through_ms_(skip_through_ms) {}

  // True when `t` is to be learned now; else it is counted in `skipped` or kept (and counted in
  // `later`).
  bool admit(const ClosedTrade& t, int64_t& skipped, int64_t& later) {
    if (t.exit_ms <= skip_through_ms_) {
      ++skipped;
      return false;
    }
    if (t.exit_ms < learn_before_ms_) return true;
    later_.push_back(t);
    ++later;
    return false;
  }
  // The kept trades, in the order they were admitted (the schedule keeps none after).
  std::vector<ClosedTrade> take_later() {
    std::vector<ClosedTrade> out;
    out.swap(later_);
    return out;
  }
  void skip_through(int64_t ms) { skip_through_ms_ = ms; }
  int64_t skip_through_ms() const { return skip_through_ms_; }

 private:
  int64_t learn_before_ms_, skip_through_ms_;
  std::vector<ClosedTrade> later_;
};

}  // namespace algohost::mem
