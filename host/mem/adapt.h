// The learning loop's parameter rule: which parameter values MEM proposes after a run.
//
// A parameter is adjustable only when its manifest gives it a `mem_role` (never by its name):
//   position_size   how much to buy (a fraction, a weight, a gross exposure)
//   risk_scale      how much risk to take (a volatility target, a leverage)
//   stop_distance   how far the stop sits from the entry (a z-score, a percentage)
// propose_parameter_changes() looks at the strategy's recorded (enhanced-arm) trades ENTERED in the
// run's scoring part only. With at least `min_trades` (10) of them:
//   win rate < 0.45   every position_size, risk_scale and stop_distance parameter × 0.8
//   win rate > 0.70   every position_size and risk_scale parameter × 1.2 (stops are left alone)
// At most one change per parameter per run. Never in partial mode (the caller does not ask).
// New values are clamped to the manifest's [min, max], integers rounded; a parameter already at
// its bound is left alone. Each value is checked, with the others in effect (earlier proposals
// included), against the ranges and the manifest's constraints ("stop_z > entry_z") by
// check_parameter_set(); a value that breaks one is not proposed, and the skipped list says why.
// A proposal is not a change: the caller replays the scoring part with the proposed values
// (host/service/param_replay.h) and writes them only when the replay is no worse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/manifest/manifest.h"

namespace algohost::mem {

struct ParamChange {
  std::string parameter, role;
  OrderedJson before, after;
  std::string reason;
};

struct ParamSkip {
  std::string parameter, why;
};

struct ParamProposal {
  int64_t trades = 0, wins = 0;  // scoring-part trades the rule looked at
  std::vector<ParamChange> changes;
  std::vector<ParamSkip> skipped;
  std::string note;  // why nothing was proposed, when nothing was
};

struct ParamRule {
  int min_trades = 10;
  double reduce_below = 0.45, increase_above = 0.70;
  double reduce_factor = 0.8, increase_factor = 1.2;
};

// `current`: the parameter values the run used (name -> value). `wins` of `trades` scoring-part trades.
ParamProposal propose_parameter_changes(const Manifest& m, const OrderedJson& current, int64_t trades, int64_t wins,
                                        const ParamRule& rule = {});

}  // namespace algohost::mem
