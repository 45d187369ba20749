// PatternFilterStage — the stage of a LEARNED strategy: the base strategy's entries are taken
// only when the learned pattern matches their context (features.h items, discretized with the
// standardizer saved when the pattern was promoted, so the filter is fixed and reproducible).
// An entry whose context is not ready, or does not match, becomes hold. Exits, repeats and
// resizes pass unchanged. The note names the pattern (recorded as learned_pattern_applied).
#pragma once

#include <string>
#include <vector>

#include "host/engine/enhancement_stage.h"
#include "host/mem/features.h"
#include "host/mem/patterns.h"

namespace algohost::mem {

class PatternFilterStage final : public EnhancementStage {
 public:
  PatternFilterStage(Pattern pattern, Standardizer st) : pattern_(std::move(pattern)), st_(std::move(st)) {}
  void enhance(const StageInput& in, ah_signal& sig, SignalNote& note) override {
    if (in.account && (in.account->quantity(in.symbol) != 0 || !in.account->queues_order(in.symbol, sig))) return;
    int side;
    if (sig.action == AH_TARGET) {
      if (sig.target_position == 0) return;
      side = sig.target_position > 0 ? 1 : -1;
    } else {
      side = sig.action == AH_BUY ? 1 : -1;
    }
    if (!in.context || !in.context->ready || !pattern_.matches(discretize(raw_features(*in.context, side, sig.confidence), st_))) {
      sig.action = AH_HOLD;
      ++filtered_;
      return;
    }
    ++taken_;
    note.enhanced = true;
    note.pattern = pattern_.key();
    note.reasoning = "learned strategy: entry taken, pattern " + pattern_.key() + " matches";
  }
  int64_t taken() const { return taken_; }
  int64_t filtered() const { return filtered_; }

 private:
  Pattern pattern_;
  Standardizer st_;
  int64_t taken_ = 0, filtered_ = 0;
};

}  // namespace algohost::mem
