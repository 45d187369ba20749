// EngineCore — the engine advanced one time-aligned slice at a time: the core the live host
// (`algohost serve`) drives from its feeds, and where strategies are added, removed, swapped to
// another version and rolled back between two slices.
//
// Same semantics as run_engine's slice walk (engine.h), step for step: at each slice, for each
// lane in the order added, its account first processes the new bars (on_open for every symbol
// with a bar, then on_bar), then the lane's instances give their signals for the slice (a
// single-symbol strategy: one instance per lane symbol, each given a one-symbol slice; a
// multi-symbol strategy: one instance given the lane's symbols as one slice), each actionable
// signal passes the lane's enhancement stage with the market context as of its bar and queues an
// order, then equity is marked. So the same bars in the same order give the same trades as
// `algohost run` (a test holds the two equal on examples/data/sample.csv).
//
// Threads: one thread (the engine thread) calls everything here; nothing is locked. Another
// thread that wants a change posts a command to that thread (the live host's queue), which
// applies it between two step() calls: that is what makes a swap atomic.
//
// Failure: a lane whose instance fails stops (its positions closed at the last marks), exactly
// as in run_engine, unless a swap's probation is running (see begin_swap). Nothing here throws
// because of a plugin.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/data/bar_series.h"
#include "host/engine/engine.h"

namespace algohost {

using LaneId = uint64_t;

// A strategy to add: as StrategySetup (engine.h), plus the symbols it runs on.
struct LaneSpec {
  const Manifest* manifest = nullptr;  // must outlive the lane (or the swap that replaces it)
  std::string label;                   // "name@version"
  std::string version;                 // the version's semver text (told to import_state_from)
  // Indexes into the core's symbols. Single-symbol strategies (manifest->symbols == 1): one
  // instance per entry, in this order. Multi-symbol: one instance, given these symbols as one
  // slice (its signals' symbol_index is an index into this list). Empty = every symbol.
  std::vector<uint32_t> symbols;
  std::vector<std::unique_ptr<StrategyInstance>> instances;
  BrokerConfig broker;
  EnhancementStage* stage = nullptr;  // null: pass-through; must outlive the lane
  // Lane settings (add() only; a swap keeps the lane's). hold_on_failure: a failure outside a
  // probation halts the lane instead of stopping it — a `failure` event, positions kept, the
  // account goes on taking bars (stops, targets, marks) with no version running — until
  // begin_swap() revives it (a restart or a rollback) or stop_lane() stops it.
  bool hold_on_failure = false;
  // Every `checkpoint_every` slices the running version's state is exported (export_state) and
  // kept: a swap of a halted lane imports it and replays the bars since, so the new instances
  // stand where the failed ones did. 0 = never; a plugin that exports nothing has none.
  int checkpoint_every = 0;
};

// Counters of one lane, as the control API shows them.
struct LaneStats {
  std::string label, version;
  std::string status;  // running | failed | halted (held after a failure) | probation (a swap's first slices) | removed
  int64_t slices = 0, bars = 0, signals = 0, trades = 0;
  uint64_t errors = 0;     // failed calls (including those of a swap's new version that rolled back)
  std::string last_error;  // "" if none
  double equity = 0;
  int64_t last_ts_ms = 0;
  // The canary, when one runs beside the lane (begin_canary): its label and shadow account.
  std::optional<std::string> canary_label;
  double canary_equity = 0;
  int64_t canary_trades = 0, canary_signals = 0;
};

// What a swap, rollback, canary or promotion did, for the audit log and the event stream.
struct CoreEvent {
  std::string kind;  // swap | rollback | canary | promote | drop_canary | failure
  LaneId lane = 0;
  std::string from, to;  // labels
  bool ok = true;
  std::string detail;  // why (a rollback's cause, how state was handed over: "imported" | "warmed up on N bars")
  int64_t ts_ms = 0;   // the slice after which it took effect
  bool held = false;   // a failure of a hold_on_failure lane: halted, not stopped
};

// A canary's comparison window, as the core recorded it (begin_canary): both arms' daily equity
// from the canary's start, each anchored at the equity it started the window with (a point dated
// split_ms - 1, split_ms being the UTC day the canary began), and both accounts' closed trades
// (the lane's from before the window too: compare those entered at or after since_ms). Views into
// the core: valid on the engine thread until the next step() or change.
struct CanaryView {
  std::string label;
  int64_t since_ms = 0;  // the first timestamp the canary saw
  int64_t split_ms = 0;  // the start of that UTC day
  std::span<const metrics::EquityPoint> lane_equity, canary_equity;
  std::span<const ClosedTrade> lane_closed, canary_closed;
  int64_t lane_signals = 0, canary_signals = 0;
};

struct SwapOptions {
  // Slices during which the new version is on probation: the old one keeps being fed the same
  // slices in the background (its signals discarded), and a failure of the new one restores the
  // old one at once with nothing lost (a `rollback` event). 0 = no probation.
  int probation_slices = 3;
  // The new version is warmed up on the last `warmup_bars` bars of history when it cannot import
  // the old one's state (import unsupported or failed); 0 = the manifest's min_data_points.
  size_t warmup_bars = 0;
  // False: no export/import at all, the new version is warmed up (for a state the new one must not
  // take, e.g. a parameter change that the importer would refuse, failing the instance).
  bool hand_over_state = true;
};

class EngineCore {
 public:
  using EventSink = std::function<void(const CoreEvent&)>;

  // `symbols`: the names of the symbols slices carry, in slice order. `history_bars`: bars of
  // each symbol kept for market context and warm-up (raised to max(kLongWindow,
  // 2 * options.context_window) + 1, what makes a context read on the history equal one read on
  // the whole series). The TradeSink's strategy index is the LaneId; a trade's `symbol` is an index
  // into symbols() (a lane's account spans every symbol; those outside the lane stay flat).
  EngineCore(std::vector<std::string> symbols, EngineOptions options, TradeSink sink, EventSink events = nullptr,
             size_t history_bars = 4096);
  ~EngineCore();

  const std::vector<std::string>& symbols() const;

  // Adds a lane; it sees slices from the next step() on. InvalidArgument for a bad spec (an
  // unknown symbol index, an instance count that does not match).
  Result<LaneId> add(LaneSpec spec);

  // Removes a lane: closes its positions at the last marks, gives its final trades to the sink
  // and returns its outcome with metrics (as run_engine's). NotFound for an unknown lane.
  Result<StrategyOutcome> remove(LaneId lane);

  // Hot swap, between two slices. The new instances must be for the lane's symbols (as add()).
  // State: the old instances' export_state() is handed to the new ones' import_state_from(state,
  // old version); when that is unsupported or fails, the new ones are warmed up by replaying the
  // recent history (SwapOptions::warmup_bars) through on_slice, their signals discarded. The
  // account, positions, equity and counters stay with the lane. Returns the replaced instances
  // once nothing of theirs can run any more (immediately without probation, else from
  // take_retired() after the probation ends) — the caller destroys them off the bar path.
  // A failure before the switch (export, import and warm-up both failing) leaves the old version
  // running and returns the error (a `swap` event with ok = false).
  // A halted lane (hold_on_failure): the new instances import the lane's last checkpoint and
  // replay the history since it (or, without a usable checkpoint, are warmed up); no probation.
  Status begin_swap(LaneId lane, LaneSpec next, SwapOptions options = {});

  // Stops a lane as a failure does without hold: positions closed at the last marks, status
  // failed, `cause` its failure (a `failure` event). A halted lane that will not be revived.
  Status stop_lane(LaneId lane, const Status& cause);

  // Canary: `next` runs beside the lane on the same slices in a shadow account of its own (the
  // lane's broker), state handed over as in begin_swap. promote() swaps the lane to it (the canary's
  // instances, already warm, become the lane's; the lane's account stays); drop_canary() removes it.
  // `canary_trades` receives the canary's closed trades (strategy index = the LaneId), e.g. for a
  // MEM stage of its own to learn from; they never reach the core's TradeSink.
  Status begin_canary(LaneId lane, LaneSpec next, TradeSink canary_trades = nullptr);
  Status promote(LaneId lane);
  Status drop_canary(LaneId lane);

  // Instances replaced by swaps, rollbacks and promotions whose probation has ended: the caller
  // destroys them (off the bar path).
  std::vector<std::unique_ptr<StrategyInstance>> take_retired();

  // Processes one slice: `slice.n_symbols` must equal symbols().size(), in that order, and its
  // timestamp must be later than the previous slice's (InvalidArgument otherwise; nothing changes).
  Status step(const ah_slice& slice);

  Result<LaneStats> stats(LaneId lane) const;
  // The lane's canary window once the canary has seen a slice; nullopt otherwise.
  std::optional<CanaryView> canary(LaneId lane) const;
  std::vector<LaneId> lanes() const;
  // The lane's current manifest (after swaps), or null for an unknown lane.
  const Manifest* manifest(LaneId lane) const;
  // The recent bars of one symbol, oldest first: the last min(history_bars, bars seen) at least,
  // at most 2 * history_bars (trimmed in amortised chunks). Empty for an unknown index.
  const BarSeries& history(uint32_t symbol) const;
  int64_t slices() const;
  int64_t bars() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace algohost
