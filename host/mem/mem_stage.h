// MemStage — the built-in MEM enhancement stage of one strategy (one arm of one run), and its
// learning entry.
//
// enhance() (engine thread, for every actionable signal): passes the signal unchanged unless it
// is an ENTRY (the account is flat on that symbol and the signal queues an order), its bar is at
// or after `enhance_from_ms` (the scoring part of a run; before it the stage only learns) and the
// market context is ready. An entry gets the evidence of the model, memory recall and the best
// matching pattern, combined by the formula in combine.h / docs/mem.md: confidence always,
// size and veto (action -> hold) in full mode. The note records the boost, the reasoning and
// the pattern applied. Cost: O(memory capacity + patterns) per entry, nothing allocated but the
// reasoning text; a non-entry returns after two loads.
//
// learn() (engine thread, each closed trade in close order — the TradeSink's order): an outcome
// that closed before `learn_before_ms` updates, in this order, the standardizer, model (one SGD
// step on the features as standardized before the step), memory and pattern history; every
// `discover_every` (10) learned outcomes patterns are rediscovered. Outcomes at or after it are
// kept and learned by finish() — so the scoring part is judged with what the training part taught,
// and the saved state still includes everything. Outcomes closed at or before the last one a
// loaded state had learned are skipped (a rerun over the same data does not learn twice).
//
// The skill gate (skill_gate.h; docs/mem.md): given `data_from_ms` (the run's first timestamp),
// the training part's last `gate.validation_fraction` is a validation slice. There enhance()
// judges entries without acting (the gate records what it would have done), outcomes that close
// in it are held from learning, and each matched to its judgement is one sample of skill. At the
// first scoring-part signal (or finish()) the gate decides; with `gate.refit` the held validation
// outcomes are then learned (in close order) before the scoring part is judged. A gate that does
// not act leaves every scoring-part signal unchanged. gate_json() says what it measured and why.
//
// State (to_json / load_json): model, standardizer, memory, pattern history and patterns, symbol
// names, counters. Deterministic for the same outcomes, order and seed. Not thread-safe.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/enhancement_stage.h"
#include "host/mem/combine.h"
#include "host/mem/learn_schedule.h"
#include "host/mem/memory.h"
#include "host/mem/model.h"
#include "host/mem/patterns.h"
#include "host/mem/skill_gate.h"
#include "registry/common/status.h"

namespace algohost::mem {

using algohost::Status;

struct MemConfig {
  Mode mode = Mode::kFull;
  double default_size = 1.0;           // the account's size for signals that give none
  int64_t enhance_from_ms = INT64_MIN;  // signals on earlier bars pass unchanged
  int64_t learn_before_ms = INT64_MAX;  // outcomes closing at or after this wait for finish()
  int64_t data_from_ms = INT64_MIN;     // the run's first timestamp; set: the skill gate is active
  SkillGateConfig gate;
  int discover_every = 10;
  ModelConfig model;
  PatternConfig patterns;
  std::vector<std::string> symbols;  // names of the run's symbol indexes (memory is per symbol name)
};

struct MemCounters {
  int64_t entries_seen = 0, enhanced = 0, vetoed = 0, learned = 0, deferred = 0, skipped = 0, discoveries = 0;
  int64_t validation_held = 0;  // outcomes that closed in the validation slice (learned at the split with refit)
};

class MemStage final : public EnhancementStage {
 public:
  explicit MemStage(MemConfig cfg);

  void enhance(const StageInput& in, ah_signal& signal, SignalNote& note) override;
  void learn(const ClosedTrade& t);
  // Learns the outcomes learn() deferred, in order (after the run); decides the gate if no
  // scoring-part signal did.
  void finish();
  // The skill gate: validation slice, statistic, threshold, decision and reason.
  nlohmann::ordered_json gate_json() const { return gate_.to_json(); }
  const SkillGate& gate() const { return gate_; }

  nlohmann::json to_json() const;
  // Restores a saved state (model, memory, patterns, counters); InvalidArgument naming the field.
  Status load_json(const nlohmann::json& j);

  const LogisticModel& model() const { return model_; }
  const PatternMiner& miner() const { return miner_; }
  const Standardizer& standardizer() const { return st_; }
  const MemCounters& counters() const { return counters_; }
  int64_t last_learned_exit_ms() const { return last_learned_exit_ms_; }
  int64_t loaded_through_ms() const { return schedule_.skip_through_ms(); }
  const MemConfig& config() const { return cfg_; }

  // The evidence and decision for an entry (what enhance() applies), for tests and tools.
  Decision judge(uint32_t symbol, const ContextReading& ctx, int side, double base_confidence, double base_size,
                 Evidence* evidence = nullptr) const;

 private:
  uint32_t symbol_id(uint32_t run_symbol);
  void learn_now(const ClosedTrade& t);
  void settle_gate();  // at the split: the gate decides, then (refit) the validation outcomes are learned

  MemConfig cfg_;
  LogisticModel model_;
  Standardizer st_;
  TradeMemory memory_;
  PatternMiner miner_;
  MemCounters counters_;
  LearnSchedule schedule_;  // skipped, learned now, or after the run (finish())
  std::vector<std::string> names_;      // symbol names known to the state
  std::vector<uint32_t> run_to_id_;     // run symbol index -> index into names_
  int64_t last_learned_exit_ms_ = INT64_MIN;
  int64_t since_discovery_ = 0;
  double v_ref_ = 0;  // exp(mean learned log volatility), refreshed when an outcome is learned
  SkillGate gate_;
  std::vector<ClosedTrade> after_split_;  // outcomes of the scoring part taken out at the split
};

}  // namespace algohost::mem
