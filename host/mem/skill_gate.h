// SkillGate — whether the built-in MEM stage may act in the scoring part (docs/mem.md, "The skill
// gate"). MEM acts only when what it learned showed skill on outcomes it did not learn from.
//
// The training part [data_from, split) is cut at `validate_from` = data_from + (1 - fraction) x
// (split - data_from) into a learning slice and a validation slice. The stage judges the base
// arm's entries in the validation slice (what it WOULD do; the training part still passes
// unchanged) with what it learned from outcomes that closed before `validate_from`, and records
// here each judgement (judged()); when the trade entered from that judgement closes inside the
// validation slice (outcome()), one sample is added: the PnL the judged full-mode action would
// have added: -pnl for a veto, pnl x (size'/size - 1) otherwise (PnL taken as proportional to
// size). In partial mode too: its confidence is a reading of the same probability P that drives
// full mode's size and veto, and a win/loss score alone ignores how much is won or lost.
// decide() (at the split): t = mean / (sd / sqrt(n)) of the samples; the gate opens ("act") when
// n >= min_outcomes and t >= min_t (one-sided), otherwise "pass" (every scoring-part signal
// passes unchanged). The reason names the numbers.
//
// Engine thread only (through MemStage); not thread-safe. Deterministic.
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/paper_broker.h"
#include "host/mem/combine.h"

namespace algohost::mem {

struct SkillGateConfig {
  double validation_fraction = 0.3;  // the last share of the training part's time span
  int64_t min_outcomes = 20;         // validation outcomes needed to decide at all
  double min_t = 2.0;                // one-sided t of the mean sample needed to act
  bool refit = true;                 // learn the validation outcomes before the scoring part
};

class SkillGate {
 public:
  // Active when data_from_ms and split_ms are both set (a run); an inactive gate always acts.
  SkillGate(SkillGateConfig cfg, Mode mode, int64_t data_from_ms, int64_t split_ms);

  bool active() const { return active_; }
  int64_t validate_from_ms() const { return validate_from_; }
  int64_t split_ms() const { return split_; }
  bool in_validation(int64_t ts_ms) const { return active_ && ts_ms >= validate_from_ && ts_ms < split_; }
  // A loaded state that learned outcomes up to `ms`: the validation slice starts after it.
  void start_after(int64_t ms);

  // The stage judged an entry on `symbol`'s bar at `bar_ms` (in the validation slice); `full` is
  // the full-mode decision (whatever the stage's mode).
  void judged(uint32_t symbol, int64_t bar_ms, const Decision& full, double base_size);
  // A base-arm outcome that closed in the validation slice: matched to the latest judgement on its
  // symbol before its entry fill; unmatched outcomes add nothing.
  void outcome(const ClosedTrade& t);

  // Decides once (later calls return the same decision). True: act.
  bool decide();
  bool decided() const { return decided_; }
  bool acts() const { return !active_ || act_; }
  void count_passed() { ++passed_; }

  nlohmann::ordered_json to_json() const;

 private:
  struct Judged {
    Decision d;
    double base_size = 0;
  };
  SkillGateConfig cfg_;
  Mode mode_;
  bool active_ = false, decided_ = false, act_ = false;
  int64_t validate_from_ = INT64_MIN, split_ = INT64_MIN;
  std::vector<std::map<int64_t, Judged>> pending_;  // per run symbol: bar time -> judgement
  std::vector<double> samples_;
  int64_t judged_ = 0, unmatched_ = 0, passed_ = 0;
  double mean_ = 0, sd_ = 0, t_ = 0;
  std::string reason_;
};

}  // namespace algohost::mem
