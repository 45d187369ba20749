// PluginEnhancerStage — an enhancer plugin (native or Python, an EnhancerInstance) as the
// enhancement stage of one strategy arm, in place of the built-in MemStage.
//
// enhance() (engine thread, every actionable signal): a signal the broker would ignore, one on a
// bar before `enhance_from_ms` (the training part of a run) and every signal once the stage is
// disabled pass unchanged without a call. Otherwise the plugin gets an ah_enhance_input (role:
// entry, resize or exit; the market context; the base confidence and size) and fills an
// ah_enhance_output pre-filled with the signal unchanged. The output is checked (confidence and
// size finite within [0, 1], veto 0 or 1, reasoning NUL-terminated) and applied as enhancer_api.h
// says: the confidence always; in full mode an entry takes the size and the veto (size 0 vetoes
// too), a resize the size (0 closes), an exit neither. The note carries the boost and the reasoning
// prefixed with the enhancer's label.
//
// learn() (engine thread, each closed trade of the base arm in close order): trades that closed
// before `learn_before_ms` are learned at once; later ones are kept and learned by finish(), so the
// scoring part is judged with what the training part taught. Trades closed at or before
// skip_through() (what an imported state already learned) are skipped (learn_schedule.h).
//
// Failures never reach the engine: a failed call (an error from the plugin, or output out of
// contract) leaves the signal unchanged, is counted and logged (the first 10, then every 1000th);
// after `max_consecutive_failures` failed calls in a row the stage is disabled for the rest of the
// run and says why (disabled_reason(), naming the plugin and its last error). Not thread-safe.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/engine/enhancement_stage.h"
#include "host/instance/enhancer_instance.h"
#include "host/mem/combine.h"
#include "host/mem/learn_schedule.h"

namespace algohost::mem {

struct PluginEnhancerConfig {
  std::string strategy;                 // "name@version" of the strategy it enhances
  Mode mode = Mode::kFull;
  double default_size = 1.0;            // the account's size for signals that give none
  int64_t enhance_from_ms = INT64_MIN;  // signals on earlier bars pass unchanged, uncalled
  int64_t learn_before_ms = INT64_MAX;  // outcomes closing at or after this wait for finish()
  uint32_t max_consecutive_failures = 5;
  std::vector<std::string> symbols;     // names of the run's symbol indexes
};

struct PluginEnhancerCounters {
  int64_t calls = 0, entries = 0, changed = 0, vetoed = 0;
  int64_t learned = 0, deferred = 0, skipped = 0;
  int64_t failures = 0;  // failed calls of every kind
};

// The C view of a market context reading (regime as ah_regime).
ah_market_context to_c_context(const ContextReading& ctx);

class PluginEnhancerStage final : public EnhancementStage {
 public:
  PluginEnhancerStage(std::unique_ptr<EnhancerInstance> plugin, PluginEnhancerConfig cfg);

  void enhance(const StageInput& in, ah_signal& signal, SignalNote& note) override;
  void learn(const ClosedTrade& t);
  // Learns the outcomes learn() deferred, in order (after the run).
  void finish();
  // After a saved state was imported: outcomes closed at or before `ms` were learned already.
  void skip_through(int64_t ms) {
    schedule_.skip_through(ms);
    last_learned_exit_ms_ = std::max(last_learned_exit_ms_, ms);
  }
  int64_t loaded_through_ms() const { return schedule_.skip_through_ms(); }

  const std::string& label() const { return plugin_->label(); }
  EnhancerInstance& plugin() { return *plugin_; }
  const PluginEnhancerCounters& counters() const { return counters_; }
  bool disabled() const { return !disabled_reason_.empty(); }
  // Why the stage stopped calling the plugin ("" while enabled), and the latest failure.
  const std::string& disabled_reason() const { return disabled_reason_; }
  const std::string& last_error() const { return last_error_; }
  // The latest exit time learned (INT64_MIN before any), to save with the plugin's state.
  int64_t last_learned_exit_ms() const { return last_learned_exit_ms_; }

 private:
  void learn_now(const ClosedTrade& t);
  // Counts and logs a failed call; disables the stage at the limit.
  void failed(const char* call, int64_t ts_ms, const std::string& what);
  void succeeded() { consecutive_ = 0; }

  std::unique_ptr<EnhancerInstance> plugin_;
  PluginEnhancerConfig cfg_;
  PluginEnhancerCounters counters_;
  LearnSchedule schedule_;
  int64_t last_learned_exit_ms_ = INT64_MIN;
  uint32_t consecutive_ = 0;
  std::string disabled_reason_, last_error_;
};

}  // namespace algohost::mem
