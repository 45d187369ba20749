// StrategyInstance — what the engine sees of a running strategy, whatever its language.
//
// Loaders (native through Boost.DLL, Python through pybind11) produce instances; the engine never
// sees a library handle or an interpreter. One instance is called by one thread at a time.
// A call that fails marks the instance failed: it returns the failure from then on and never
// calls the plugin again, so one broken strategy cannot take the host or other strategies down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <algohost/strategy_api.h>

#include "registry/common/status.h"

namespace algohost {

// A signal with the index of its bar within a series.
struct IndexedSignal {
  uint64_t index = 0;
  ah_signal signal{};
};

class StrategyInstance {
 public:
  virtual ~StrategyInstance() = default;

  // "name@version", for messages.
  virtual const std::string& label() const = 0;

  // Names of the diag[] slots of this instance's signals.
  virtual const std::vector<std::string>& diagnostics() const = 0;

  // True when on_batch is available (single-symbol strategies).
  virtual bool supports_batch() const = 0;

  // True when on_batch_sparse is the better drive: the instance wants a whole series in one call
  // and hands back only its actionable signals (a vectorized Python strategy: one Python call,
  // and no 112-byte signal per bar to materialise).
  virtual bool prefers_sparse_batch() const { return false; }

  // The actionable (non-hold) signals of bars [0, series.n), in bar order, each with its bar
  // index; the same signals on_batch would give. *done as for on_batch. This default drives
  // on_batch in chunks.
  virtual Status on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done = nullptr);

  // True when the engine may make this instance's batch calls from a thread of its own while the
  // walk goes on (SignalPrefetcher: still one call at a time, in order). Native in-process
  // instances and instances in a worker process say so; a Python one does not (the interpreter's
  // lock is taken on the engine's thread).
  virtual bool prefetchable() const { return false; }

  // Calls that failed but were skipped rather than failing the instance (Python strategies
  // tolerate a configurable number of consecutive failures); 0 for native plugins.
  virtual uint64_t call_errors() const { return 0; }

  // Signals for one slice, appended to `out` (cleared first).
  virtual Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) = 0;

  // Exactly series.n signals into out[0..n), continuing from the instance's state. When given,
  // *done receives how many bars were processed: series.n on success, else the index of the bar
  // that failed (out[0..*done) are the valid signals before it).
  virtual Status on_batch(const ah_series& series, ah_signal* out, uint64_t* done = nullptr) = 0;

  // State, for hot swap. Unsupported when the strategy keeps no state to hand over (the host warms
  // the next version up on recent bars instead); PluginError when the call failed. A failed state
  // call does not fail the instance: the old version keeps running, the new one may be warmed up.
  virtual Result<std::string> export_state() = 0;
  virtual Status import_state(std::string_view state) = 0;
  // import_state of a state exported by `from_version` of the same strategy (hot swap: the
  // importer may migrate an older version's state). Unsupported when the plugin cannot import;
  // the host then warms the new instance up on recent bars instead. Default: import_state(state).
  virtual Status import_state_from(std::string_view state, const std::string& from_version) {
    (void)from_version;
    return import_state(state);
  }

  bool failed() const { return !failure_.ok(); }
  const Status& failure() const { return failure_; }

 protected:
  // Records the first failure and returns it.
  Status fail(Status s) {
    if (failure_.ok()) failure_ = std::move(s);
    return failure_;
  }

 private:
  Status failure_;
};

}  // namespace algohost
