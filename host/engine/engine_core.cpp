// EngineCore (engine_core.h). The per-slice steps shared with run_engine (the account's bars, the
// one-symbol slice, a signal through the stage to the account, the end of a timestamp, the final
// metrics) live in signal_step.h; this file adds the lanes, the history and the swaps.
//
// Choices the header leaves open:
// - A lane's account spans all the core's symbols (a symbol outside the lane stays flat), so a
//   trade's `symbol`, the stage's StageInput::symbol and the TradeSink's trades speak of the core's
//   symbol indexes; the TradeSink's strategy index is the LaneId.
// - State is handed over only between versions of the same strategy (same manifest name): a
//   canary of another strategy is warmed up. An empty exported state (the SDK's default
//   export_state) counts as no export: warmed up. Handover is per instance: each new instance
//   imports its predecessor's state or, when that is unsupported or fails without failing the
//   instance, is warmed up on its symbol's history; an import that fails the instance (as
//   TableInstance's does) fails the swap — SwapOptions::hand_over_state = false skips the import.
// - Without probation a failure of the new version stops the lane like any failure (the old
//   instances are already retired, so there is nothing warm to go back to).
// - During probation the old version is fed each slice right after the new one, instance by
//   instance. If the old one fails there, the probation ends at once (nothing to restore any more);
//   the lane is unaffected. A swap begun during a probation ends that probation first.
// - The canary's trades never reach the TradeSink (the live host records the lane's trades only):
//   they go to begin_canary's own sink; its counters are in LaneStats, its window in canary(). A failing canary is dropped by itself (a `drop_canary` event with
//   ok = false, counted in the lane's errors as "canary: ...").
// - Instances a failed swap or canary was given go to take_retired() as well.
// - EngineOptions: use_batch, chunk, progress and stop do not apply (instances are driven through
//   on_slice; the driver decides when to stop).
#include "host/engine/engine_core.h"

#include <algorithm>
#include <map>

#include "host/engine/signal_step.h"

namespace algohost {
namespace {

// One version of a strategy on a lane: its instances and where their signals go.
struct Version {
  const Manifest* manifest = nullptr;
  std::string label, version;
  std::vector<std::unique_ptr<StrategyInstance>> instances;
  EnhancementStage* stage = nullptr;  // never null
  bool single = true;                 // one instance per lane symbol
};

// A version running against an account: the lane's own, or its canary's shadow.
struct Arm {
  Version v;
  StrategyOutcome out;  // account, curves, counters, failure
  SignalPath path;
  std::vector<ah_signal> sigs;
  // A canary only: the comparison window (CanaryView) and where its closed trades go.
  int64_t since_ms = 0, split_ms = 0;
  std::vector<metrics::EquityPoint> lane_equity;  // the lane's daily curve over the window, anchored
  bool fresh = true;                              // no slice recorded since the canary began
  TradeSink sink;

  void point_path() {
    path = {v.manifest, v.stage, dynamic_cast<PassThroughStage*>(v.stage) != nullptr, out.account.get()};
  }
};

struct Lane {
  LaneId id = 0;
  std::vector<uint32_t> syms;       // instance k (single) or slot k (multi) is core symbol syms[k]
  std::vector<uint32_t> ascending;  // the same, sorted: the order the account sees bars in
  bool identity = false;            // syms == 0, 1, ..., n-1: the core's slice is the lane's slice
  BrokerConfig broker;
  Arm main;
  int64_t slices = 0;      // slices processed while running
  int64_t timestamps = 0;  // slices since added (the metrics' bar count, as run_engine's)
  uint64_t errors = 0;
  std::string last_error;
  int64_t last_ts = 0;
  std::optional<Version> old;  // probation: the replaced version, fed in the background
  int probation_left = 0;
  // Failure handling (LaneSpec::hold_on_failure): a held lane that fails halts instead of
  // stopping; its account goes on taking bars until a swap revives it or stop_lane() ends it.
  bool hold = false, halted = false;
  // Checkpoints (LaneSpec::checkpoint_every): the running version's exported state, per instance,
  // as of the end of slice checkpoint_ts; empty when none (or the plugin exports none).
  int checkpoint_every = 0, checkpoint_every_set = 0, since_checkpoint = 0;
  std::vector<std::string> checkpoint;
  int64_t checkpoint_ts = 0;
  std::unique_ptr<Arm> canary;
  std::vector<ah_signal> discard;
  // A multi-symbol lane's slice when it is not the core's.
  std::vector<const char*> sub_names;
  std::vector<ah_bar> sub_bars;
  std::vector<uint8_t> sub_has;
  std::vector<double> sub_carry;

  bool stopped() const { return !main.out.failure.ok(); }
};

}  // namespace

struct EngineCore::Impl {
  std::vector<std::string> symbols;
  std::vector<const char*> names;
  EngineOptions opt;
  TradeSink sink;
  EventSink events;
  size_t history_bars = 0;
  std::vector<BarSeries> history;
  bool has_carry = false;
  PassThroughStage pass;
  std::vector<std::unique_ptr<Lane>> lanes;  // in the order added
  std::map<LaneId, LaneStats> removed;
  std::vector<std::unique_ptr<StrategyInstance>> retired;
  LaneId next_id = 1;
  DayClock day;
  bool started = false;
  int64_t last_ts = 0, slices = 0, bars = 0;
  OneSymbolSlice one;

  Lane* find(LaneId id) const {
    for (const auto& l : lanes)
      if (l->id == id) return l.get();
    return nullptr;
  }

  void emit(const char* kind, const Lane& l, std::string from, std::string to, bool ok, std::string detail,
            int64_t ts, bool held = false) {
    if (!events) return;
    CoreEvent e;
    e.held = held;
    e.kind = kind;
    e.lane = l.id;
    e.from = std::move(from);
    e.to = std::move(to);
    e.ok = ok;
    e.detail = std::move(detail);
    e.ts_ms = ts;
    events(e);
  }

  void retire(std::vector<std::unique_ptr<StrategyInstance>>& instances) {
    for (auto& i : instances)
      if (i) retired.push_back(std::move(i));
    instances.clear();
  }

  // The spec's shape for a lane over `syms`: a manifest, and one instance per symbol (single) or
  // one in all (multi), none null.
  Status check_spec(const LaneSpec& spec, const std::vector<uint32_t>& syms) const {
    const std::string who = spec.label.empty() ? std::string("lane spec") : spec.label;
    if (!spec.manifest) return Status::InvalidArgument(who + ": no manifest");
    const bool single = spec.manifest->symbols == 1;
    const size_t want = single ? syms.size() : 1;
    if (spec.instances.size() != want)
      return Status::InvalidArgument(who + ": " + std::to_string(spec.instances.size()) + " instances for " +
                                     (single ? std::to_string(syms.size()) + " symbols of a single-symbol strategy"
                                             : std::string("a multi-symbol strategy (one expected)")));
    for (const auto& i : spec.instances)
      if (!i) return Status::InvalidArgument(who + ": a null instance");
    return Status::Ok();
  }

  Version make_version(LaneSpec& spec) {
    Version v;
    v.manifest = spec.manifest;
    v.label = std::move(spec.label);
    v.version = std::move(spec.version);
    v.instances = std::move(spec.instances);
    v.stage = spec.stage ? spec.stage : &pass;
    v.single = spec.manifest->symbols == 1;
    return v;
  }

  // The lane's slice for a multi-symbol instance: the core's, or its symbols' slots in lane order.
  const ah_slice& lane_slice(Lane& l, const ah_slice& slice, ah_slice& sub) {
    if (l.identity) return slice;
    const size_t n = l.syms.size();
    for (size_t k = 0; k < n; ++k) {
      const uint32_t s = l.syms[k];
      l.sub_bars[k] = slice.bars[s];
      l.sub_has[k] = slice.has_bar[s];
      if (slice.carry) l.sub_carry[k] = slice.carry[s];
    }
    sub = ah_slice{};
    sub.ts_ms = slice.ts_ms;
    sub.n_symbols = static_cast<uint32_t>(n);
    sub.symbols = l.sub_names.data();
    sub.bars = l.sub_bars.data();
    sub.has_bar = l.sub_has.data();
    sub.carry = slice.carry ? l.sub_carry.data() : nullptr;
    return sub;
  }

  void fail_lane(Lane& l, const Status& st, int64_t ts) {
    if (l.hold) {  // halted: positions stay, the account goes on; the driver decides what next
      l.halted = true;
      emit("failure", l, l.main.v.label, "", false, st.message(), ts, true);
      return;
    }
    l.main.out.failure = st;
    l.main.out.account->close_all(ts);
    emit("failure", l, l.main.v.label, "", false, st.message(), ts);
  }

  void end_probation(Lane& l) {
    if (!l.old) return;
    retire(l.old->instances);
    l.old.reset();
    l.probation_left = 0;
  }

  // The new version failed during its probation: the old one, fed every slice so far, is the
  // lane's again.
  void roll_back(Lane& l, const Status& cause, int64_t ts) {
    Version failed = std::move(l.main.v);
    l.main.v = std::move(*l.old);
    l.old.reset();
    l.probation_left = 0;
    l.main.point_path();
    emit("rollback", l, failed.label, l.main.v.label, true, cause.message(), ts);
    retire(failed.instances);
  }

  // Instance k of the lane's version on `in` (into l.main.sigs); during probation the old
  // version's instance k sees the same slice. False when the lane stopped.
  bool call_lane(Lane& l, size_t k, const ah_slice& in) {
    Status st = l.main.v.instances[k]->on_slice(in, l.main.sigs);
    if (st.ok()) [[likely]] {
      if (l.old) [[unlikely]] {
        if (!l.old->instances[k]->on_slice(in, l.discard).ok()) end_probation(l);  // nothing to restore now
      }
      return true;
    }
    ++l.errors;
    l.last_error = st.message();
    if (l.old) {
      roll_back(l, st, in.ts_ms);
      st = l.main.v.instances[k]->on_slice(in, l.main.sigs);
      if (st.ok()) return true;
      ++l.errors;
      l.last_error = st.message();
    }
    fail_lane(l, st, in.ts_ms);
    return false;
  }

  bool call_canary(Lane& l, size_t k, const ah_slice& in) {
    Arm& c = *l.canary;
    Status st = c.v.instances[k]->on_slice(in, c.sigs);
    if (st.ok()) [[likely]]
      return true;
    c.out.failure = st;  // dropped after this slice (drop_failed_canary)
    return false;
  }

  // One arm over one slice: the account takes the new bars, then each instance gives its signals,
  // each actionable one through the stage to the account (as run_engine's slice walk).
  void drive(Lane& l, Arm& a, const ah_slice& slice, bool canary) {
    account_on_slice(*a.out.account, slice, l.ascending.data(), l.ascending.size());
    auto call = [&](size_t k, const ah_slice& in) { return canary ? call_canary(l, k, in) : call_lane(l, k, in); };
    if (a.v.single) {
      for (size_t k = 0; k < l.syms.size(); ++k) {
        const uint32_t s = l.syms[k];
        if (!slice.has_bar[s]) continue;
        ++a.out.bars;
        if (!call(k, one.of(slice, s))) return;
        const BarSeries& h = history[s];
        for (const auto& sig : a.sigs)
          if (sig.action != AH_HOLD) apply_signal(a.path, a.out.signals, s, sig, &slice.bars[s], h, h.size(), opt);
      }
    } else {
      ++a.out.bars;
      ah_slice sub;
      if (!call(0, lane_slice(l, slice, sub))) return;
      for (const auto& sig : a.sigs) {
        if (sig.action == AH_HOLD) continue;
        if (sig.symbol_index >= l.syms.size()) [[unlikely]] {
          const Status bad = Status::PluginError(a.v.label + ": on_slice gave symbol_index " +
                                                 std::to_string(sig.symbol_index) + " for a slice of " +
                                                 std::to_string(l.syms.size()) + " symbols");
          if (canary) {
            a.out.failure = bad;
          } else {
            ++l.errors;
            l.last_error = bad.message();
            fail_lane(l, bad, slice.ts_ms);
          }
          return;
        }
        const uint32_t s = l.syms[sig.symbol_index];
        apply_signal(a.path, a.out.signals, s, sig, &slice.bars[s], history[s], history[s].size(), opt);
      }
    }
  }

  // The canary's end of a timestamp: both daily curves of the comparison window, its trades to its
  // sink. The first slice after the anchor always starts a new point (the anchor is dated the day
  // before); later ones keep each day's last, as record_equity does.
  void end_canary_timestamp(Lane& l, int64_t ts, bool new_day) {
    Arm& c = *l.canary;
    if (c.fresh && c.since_ms == INT64_MIN) {  // began before the first slice: anchor now
      c.since_ms = ts;
      c.split_ms = utc_day_start(ts);
      c.lane_equity.push_back({c.split_ms - 1, opt_capital(l)});
      c.out.equity.push_back({c.split_ms - 1, opt_capital(l)});
    }
    const double le = l.main.out.account->equity(), ce = c.out.account->equity();
    if (c.fresh || new_day) {
      c.lane_equity.push_back({ts, le});
      c.out.equity.push_back({ts, ce});
    } else {
      c.lane_equity.back() = {ts, le};
      c.out.equity.back() = {ts, ce};
    }
    c.fresh = false;
    c.out.bars_in_market += c.out.account->in_market();
    if (c.out.account->has_new_closed()) {
      auto trades = c.out.account->take_new_closed();
      if (c.sink) c.sink(static_cast<size_t>(l.id), trades);
    }
  }
  static double opt_capital(const Lane& l) { return l.broker.capital; }
  static int64_t utc_day_start(int64_t ts) {
    constexpr int64_t kDay = 86'400'000;
    return (ts >= 0 ? ts / kDay : (ts - kDay + 1) / kDay) * kDay;
  }

  // Exports every instance of the lane's version as the lane's checkpoint. A plugin that exports
  // nothing (or refuses) turns checkpoints off for this version.
  void take_checkpoint(Lane& l, int64_t ts) {
    l.since_checkpoint = 0;
    std::vector<std::string> states;
    states.reserve(l.main.v.instances.size());
    for (auto& inst : l.main.v.instances) {
      auto st = inst->export_state();
      if (!st.ok() || st->empty()) {
        l.checkpoint.clear();
        l.checkpoint_every = 0;
        return;
      }
      states.push_back(std::move(*st));
    }
    l.checkpoint = std::move(states);
    l.checkpoint_ts = ts;
  }

  // The history bars (single: of the instance's symbol) or distinct slice timestamps (multi) after
  // `ts` that the lane's history still holds; nullopt when the history no longer reaches back to it.
  std::optional<size_t> bars_after(const Lane& l, const Version& v, size_t k, int64_t ts) const {
    auto after_in = [&](uint32_t s) -> std::optional<size_t> {
      const BarSeries& h = history[s];
      if (h.size() > 0 && h.ts_ms.front() > ts) return std::nullopt;
      return static_cast<size_t>(h.ts_ms.end() - std::upper_bound(h.ts_ms.begin(), h.ts_ms.end(), ts));
    };
    if (v.single) return after_in(l.syms[k]);
    std::vector<int64_t> all;
    for (uint32_t s : l.syms) {
      auto n = after_in(s);
      if (!n) return std::nullopt;
      const BarSeries& h = history[s];
      all.insert(all.end(), h.ts_ms.end() - static_cast<std::ptrdiff_t>(*n), h.ts_ms.end());
    }
    std::sort(all.begin(), all.end());
    return static_cast<size_t>(std::unique(all.begin(), all.end()) - all.begin());
  }

  // A halted lane's new instances: each imports the lane's checkpoint (from the version that
  // wrote it) and replays the bars since, ending where the failed version was; without a usable
  // checkpoint, hand_over's warm-up.
  Status restore(const Lane& l, Version& to, size_t warmup_bars, std::string* how) {
    bool usable = !l.checkpoint.empty() && l.checkpoint.size() == to.instances.size() &&
                  l.main.v.manifest->name == to.manifest->name && l.main.v.single == to.single;
    std::vector<size_t> replay(to.instances.size(), 0);
    for (size_t k = 0; usable && k < to.instances.size(); ++k) {
      auto n = bars_after(l, to, k, l.checkpoint_ts);
      if (!n) usable = false;
      else replay[k] = *n;
    }
    if (!usable) return Status::Unsupported("no checkpoint");
    size_t replayed = 0;
    for (size_t k = 0; k < to.instances.size(); ++k) {
      Status st = to.instances[k]->import_state_from(l.checkpoint[k], l.main.v.version);
      if (!st.ok()) return st.with_context(to.label + ": importing the checkpoint");
      size_t used = 0;
      if (replay[k] > 0) {
        Status w = warm_up(l, to, k, replay[k], &used);
        if (!w.ok()) return w.with_context(to.label + ": replaying the bars since the checkpoint");
      }
      replayed = std::max(replayed, used);
    }
    (void)warmup_bars;
    *how = "restored from the checkpoint at " + std::to_string(l.checkpoint_ts) + " and " + std::to_string(replayed) +
           " bars since";
    return Status::Ok();
  }

  void drop_failed_canary(Lane& l, int64_t ts) {
    const Status cause = l.canary->out.failure;
    ++l.errors;
    l.last_error = "canary: " + cause.message();
    const std::string label = l.canary->v.label;
    retire(l.canary->v.instances);
    l.canary.reset();
    emit("drop_canary", l, label, l.main.v.label, false, cause.message(), ts);
  }

  // Warms instance k of `to` up on the lane's recent history, its signals discarded: its own
  // symbol's last `n` bars (single), or the lane's last `n` slices (multi). `*used` gets the bars
  // (or slices) replayed.
  Status warm_up(const Lane& l, Version& to, size_t k, size_t n, size_t* used) {
    std::vector<ah_signal> scratch;
    StrategyInstance& inst = *to.instances[k];
    if (to.single) {
      const uint32_t s = l.syms[k];
      const BarSeries& h = history[s];
      const size_t m = std::min(n, h.size());
      *used = m;
      ah_bar bar{};
      double carry = 0;
      const uint8_t has = 1;
      ah_slice one_slice{};
      one_slice.n_symbols = 1;
      one_slice.symbols = &names[s];
      one_slice.bars = &bar;
      one_slice.has_bar = &has;
      one_slice.carry = has_carry ? &carry : nullptr;
      for (size_t i = h.size() - m; i < h.size(); ++i) {
        bar = h.bar(i);
        if (has_carry) carry = h.carry[i];
        one_slice.ts_ms = bar.ts_ms;
        Status st = inst.on_slice(one_slice, scratch);
        if (!st.ok()) return st;
      }
      return Status::Ok();
    }
    // Multi: the last n distinct timestamps among the lane's symbols, each slot starting from the
    // bar before them (has_bar 0) as the live slices had it.
    const size_t w = l.syms.size();
    std::vector<int64_t> ts;
    for (uint32_t s : l.syms) {
      const BarSeries& h = history[s];
      const size_t m = std::min(n, h.size());
      ts.insert(ts.end(), h.ts_ms.end() - static_cast<std::ptrdiff_t>(m), h.ts_ms.end());
    }
    std::sort(ts.begin(), ts.end());
    ts.erase(std::unique(ts.begin(), ts.end()), ts.end());
    if (ts.size() > n) ts.erase(ts.begin(), ts.end() - static_cast<std::ptrdiff_t>(n));
    *used = ts.size();
    if (ts.empty()) return Status::Ok();
    std::vector<const char*> slot_names(w);
    std::vector<ah_bar> slot_bars(w, ah_bar{});
    std::vector<uint8_t> slot_has(w, 0);
    std::vector<double> slot_carry(w, 0.0);
    std::vector<size_t> p(w);
    for (size_t j = 0; j < w; ++j) {
      const BarSeries& h = history[l.syms[j]];
      slot_names[j] = names[l.syms[j]];
      p[j] = static_cast<size_t>(std::lower_bound(h.ts_ms.begin(), h.ts_ms.end(), ts.front()) - h.ts_ms.begin());
      if (p[j] > 0) {
        slot_bars[j] = h.bar(p[j] - 1);
        if (has_carry) slot_carry[j] = h.carry[p[j] - 1];
      }
    }
    ah_slice sl{};
    sl.n_symbols = static_cast<uint32_t>(w);
    sl.symbols = slot_names.data();
    sl.bars = slot_bars.data();
    sl.has_bar = slot_has.data();
    sl.carry = has_carry ? slot_carry.data() : nullptr;
    for (int64_t t : ts) {
      for (size_t j = 0; j < w; ++j) {
        const BarSeries& h = history[l.syms[j]];
        slot_has[j] = 0;
        if (p[j] < h.size() && h.ts_ms[p[j]] == t) {
          slot_bars[j] = h.bar(p[j]);
          if (has_carry) slot_carry[j] = h.carry[p[j]];
          slot_has[j] = 1;
          ++p[j];
        }
      }
      sl.ts_ms = t;
      Status st = inst.on_slice(sl, scratch);
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  // Hands `from`'s state to `to`, instance by instance: export, then import_state_from; where that
  // is unsupported or fails without failing the new instance, a warm-up instead. `*how` says which.
  Status hand_over(const Lane& l, Version& from, Version& to, size_t warmup_bars, bool take_state, std::string* how) {
    const size_t want = warmup_bars ? warmup_bars
                                    : static_cast<size_t>(std::max<long long>(0, to.manifest->min_data_points));
    size_t imported = 0, warmed = 0, warm_used = 0;
    std::string why;
    for (size_t k = 0; k < to.instances.size(); ++k) {
      StrategyInstance& next = *to.instances[k];
      Status st;
      if (!take_state) {
        st = Status::Unsupported("state not handed over");
      } else if (from.manifest->name != to.manifest->name) {
        st = Status::Unsupported("another strategy");  // its importer would take the state for its own
      } else if (k < from.instances.size() && from.single == to.single) {
        auto state = from.instances[k]->export_state();
        if (!state.ok())
          st = state.status();
        else if (state->empty())
          st = Status::Unsupported("no state exported");
        else
          st = next.import_state_from(*state, from.version);
      } else {
        st = Status::Unsupported("another shape of strategy");
      }
      if (st.ok()) {
        ++imported;
        continue;
      }
      if (next.failed()) return st.with_context(to.label + ": import_state_from");
      if (why.empty()) why = st.message();
      size_t used = 0;
      Status w = warm_up(l, to, k, want, &used);
      if (!w.ok()) return w.with_context(to.label + ": warm-up after '" + st.message() + "'");
      ++warmed;
      warm_used = std::max(warm_used, used);
    }
    if (warmed == 0) {
      *how = "imported";
    } else {
      *how = "warmed up on " + std::to_string(warm_used) + " bars";
      if (warm_used < want) *how += " (of " + std::to_string(want) + " wanted)";
      if (imported) *how = "imported " + std::to_string(imported) + ", " + *how + " for " + std::to_string(warmed);
      *how += " (" + why + ")";
    }
    return Status::Ok();
  }

  LaneStats stats_of(const Lane& l) const {
    LaneStats st;
    st.label = l.main.v.label;
    st.version = l.main.v.version;
    st.status = l.stopped() ? "failed" : l.halted ? "halted" : l.old ? "probation" : "running";
    st.slices = l.slices;
    st.bars = l.main.out.bars;
    st.signals = l.main.out.signals;
    st.trades = static_cast<int64_t>(l.main.out.account->closed().size());
    st.errors = l.errors;
    st.last_error = l.last_error;
    st.equity = l.main.out.account->equity();
    st.last_ts_ms = l.last_ts;
    if (l.canary) {
      st.canary_label = l.canary->v.label;
      st.canary_equity = l.canary->out.account->equity();
      st.canary_trades = static_cast<int64_t>(l.canary->out.account->closed().size());
      st.canary_signals = l.canary->out.signals;
    }
    return st;
  }
};

EngineCore::EngineCore(std::vector<std::string> symbols, EngineOptions options, TradeSink sink, EventSink events,
                       size_t history_bars)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.symbols = std::move(symbols);
  m.opt = std::move(options);
  m.sink = std::move(sink);
  m.events = std::move(events);
  // Enough bars for a market context read on the history to equal one read on the whole series.
  const size_t w = static_cast<size_t>(std::max(2, m.opt.context_window));
  m.history_bars = std::max(history_bars, std::max(kLongWindow, 2 * w) + 1);
  m.history.resize(m.symbols.size());
  for (size_t s = 0; s < m.symbols.size(); ++s) {
    m.history[s].symbol = m.symbols[s];
    m.names.push_back(m.symbols[s].c_str());
  }
}

EngineCore::~EngineCore() = default;

const std::vector<std::string>& EngineCore::symbols() const { return impl_->symbols; }

Result<LaneId> EngineCore::add(LaneSpec spec) {
  Impl& m = *impl_;
  const size_t n = m.symbols.size();
  std::vector<uint32_t> syms = spec.symbols;
  if (syms.empty())
    for (uint32_t s = 0; s < n; ++s) syms.push_back(s);
  const std::string who = spec.label.empty() ? std::string("lane spec") : spec.label;
  if (syms.empty()) return Status::InvalidArgument(who + ": the core has no symbols");
  std::vector<uint32_t> ascending = syms;
  std::sort(ascending.begin(), ascending.end());
  for (size_t k = 0; k < ascending.size(); ++k) {
    if (ascending[k] >= n)
      return Status::InvalidArgument(who + ": symbol index " + std::to_string(ascending[k]) + " (the core has " +
                                     std::to_string(n) + " symbols)");
    if (k > 0 && ascending[k] == ascending[k - 1])
      return Status::InvalidArgument(who + ": symbol index " + std::to_string(ascending[k]) + " given twice");
  }
  if (Status st = m.check_spec(spec, syms); !st.ok()) return st;

  auto lane = std::make_unique<Lane>();
  Lane& l = *lane;
  l.id = m.next_id++;
  l.identity = syms.size() == n && ascending == syms;
  l.syms = std::move(syms);
  l.ascending = std::move(ascending);
  l.broker = spec.broker;
  l.hold = spec.hold_on_failure;
  l.checkpoint_every = l.checkpoint_every_set = std::max(0, spec.checkpoint_every);
  l.main.v = m.make_version(spec);
  l.main.out.label = l.main.v.label;
  l.main.out.account = std::make_unique<PaperAccount>(l.broker, n);
  l.main.point_path();
  if (m.opt.equity_every_bar) l.main.out.equity_bars.reserve(1024);
  const size_t w = l.syms.size();
  l.sub_names.resize(w);
  for (size_t k = 0; k < w; ++k) l.sub_names[k] = m.names[l.syms[k]];
  l.sub_bars.assign(w, ah_bar{});
  l.sub_has.assign(w, 0);
  l.sub_carry.assign(w, 0.0);
  m.lanes.push_back(std::move(lane));
  return l.id;
}

Result<StrategyOutcome> EngineCore::remove(LaneId id) {
  Impl& m = *impl_;
  auto it = std::find_if(m.lanes.begin(), m.lanes.end(), [&](const auto& l) { return l->id == id; });
  if (it == m.lanes.end()) return Status::NotFound("no lane " + std::to_string(id));
  Lane& l = **it;
  LaneStats tomb = m.stats_of(l);
  StrategyOutcome out = std::move(l.main.out);
  finish_outcome(out, !out.failure.ok(), m.last_ts, l.timestamps, l.broker.capital, m.opt, m.sink,
                 static_cast<size_t>(l.id));
  tomb.status = "removed";
  tomb.trades = static_cast<int64_t>(out.account->closed().size());
  tomb.equity = out.account->equity();
  tomb.canary_label.reset();
  m.removed[id] = std::move(tomb);
  m.retire(l.main.v.instances);
  if (l.old) m.retire(l.old->instances);
  if (l.canary) m.retire(l.canary->v.instances);
  m.lanes.erase(it);
  return out;
}

Status EngineCore::begin_swap(LaneId id, LaneSpec next, SwapOptions options) {
  Impl& m = *impl_;
  Lane* l = m.find(id);
  if (!l) return Status::NotFound("no lane " + std::to_string(id));
  auto refuse = [&](Status st) {
    m.retire(next.instances);
    m.emit("swap", *l, l->main.v.label, next.label, false, st.message(), m.last_ts);
    return st;
  };
  if (l->stopped()) return refuse(Status::FailedPrecondition("lane " + std::to_string(id) + " (" + l->main.v.label +
                                                             ") has stopped: " + l->main.out.failure.message()));
  if (!next.symbols.empty() && next.symbols != l->syms)
    return refuse(Status::InvalidArgument(next.label + ": the symbols differ from the lane's"));
  if (Status st = m.check_spec(next, l->syms); !st.ok()) return refuse(st);
  if (options.probation_slices < 0) return refuse(Status::InvalidArgument("probation_slices < 0"));
  m.end_probation(*l);  // a swap during a probation: the current version has served long enough
  Version v = m.make_version(next);
  std::string how;
  // A halted lane's version failed: its state comes from the last checkpoint (else a warm-up),
  // never from the failed instances; and there is nothing warm to go back to (no probation).
  Status handed = Status::Unsupported("");
  if (l->halted && options.hand_over_state) {
    handed = m.restore(*l, v, options.warmup_bars, &how);
    if (!handed.ok() && handed.code() != StatusCode::kUnsupported) {
      m.emit("swap", *l, l->main.v.label, v.label, false, handed.message(), m.last_ts);
      m.retire(v.instances);
      return handed;
    }
  }
  if (!handed.ok()) {
    if (Status st = m.hand_over(*l, l->main.v, v, options.warmup_bars, options.hand_over_state && !l->halted, &how);
        !st.ok()) {
      m.emit("swap", *l, l->main.v.label, v.label, false, st.message(), m.last_ts);
      m.retire(v.instances);
      return st;
    }
  }
  const bool was_halted = l->halted;
  l->halted = false;
  l->checkpoint.clear();
  l->since_checkpoint = 0;
  Version previous = std::move(l->main.v);
  l->main.v = std::move(v);
  l->main.point_path();
  l->checkpoint_every = l->checkpoint_every_set;
  m.emit("swap", *l, previous.label, l->main.v.label, true, how, m.last_ts);
  if (options.probation_slices > 0 && !was_halted) {
    l->old = std::move(previous);
    l->probation_left = options.probation_slices;
  } else {
    m.retire(previous.instances);
  }
  return Status::Ok();
}

Status EngineCore::stop_lane(LaneId id, const Status& cause) {
  Impl& m = *impl_;
  Lane* l = m.find(id);
  if (!l) return Status::NotFound("no lane " + std::to_string(id));
  if (l->stopped()) return Status::Ok();
  l->hold = false;
  l->halted = false;
  m.fail_lane(*l, cause, m.last_ts);
  return Status::Ok();
}

Status EngineCore::begin_canary(LaneId id, LaneSpec next, TradeSink canary_trades) {
  Impl& m = *impl_;
  Lane* l = m.find(id);
  if (!l) return Status::NotFound("no lane " + std::to_string(id));
  auto refuse = [&](Status st) {
    m.retire(next.instances);
    m.emit("canary", *l, l->main.v.label, next.label, false, st.message(), m.last_ts);
    return st;
  };
  if (l->stopped()) return refuse(Status::FailedPrecondition("lane " + std::to_string(id) + " has stopped"));
  if (l->canary)
    return refuse(Status::FailedPrecondition("lane " + std::to_string(id) + " already has a canary (" +
                                             l->canary->v.label + ")"));
  if (!next.symbols.empty() && next.symbols != l->syms)
    return refuse(Status::InvalidArgument(next.label + ": the symbols differ from the lane's"));
  if (Status st = m.check_spec(next, l->syms); !st.ok()) return refuse(st);
  auto arm = std::make_unique<Arm>();
  arm->v = m.make_version(next);
  std::string how;
  if (Status st = m.hand_over(*l, l->main.v, arm->v, 0, true, &how); !st.ok()) {
    m.emit("canary", *l, l->main.v.label, arm->v.label, false, st.message(), m.last_ts);
    m.retire(arm->v.instances);
    return st;
  }
  arm->out.label = arm->v.label;
  arm->out.account = std::make_unique<PaperAccount>(l->broker, m.symbols.size());
  arm->point_path();
  arm->sink = std::move(canary_trades);
  // The window: from the slice after this one; both curves anchored at the equity they start it
  // with, dated the last millisecond of the previous UTC day (split_ms is this day's start, so the
  // first day's return runs from the canary's start to that day's close, for both arms alike).
  arm->since_ms = m.started ? m.last_ts + 1 : INT64_MIN;
  if (m.started) {
    arm->split_ms = Impl::utc_day_start(m.last_ts);
    arm->lane_equity.push_back({arm->split_ms - 1, l->main.out.account->equity()});
    arm->out.equity.push_back({arm->split_ms - 1, arm->out.account->equity()});
  }
  l->canary = std::move(arm);
  m.emit("canary", *l, l->main.v.label, l->canary->v.label, true, how, m.last_ts);
  return Status::Ok();
}

Status EngineCore::promote(LaneId id) {
  Impl& m = *impl_;
  Lane* l = m.find(id);
  if (!l) return Status::NotFound("no lane " + std::to_string(id));
  if (!l->canary) return Status::FailedPrecondition("lane " + std::to_string(id) + " has no canary to promote");
  if (l->stopped()) return Status::FailedPrecondition("lane " + std::to_string(id) + " has stopped");
  m.end_probation(*l);
  Arm& c = *l->canary;
  const std::string detail = "canary equity " + std::to_string(c.out.account->equity()) + ", " +
                             std::to_string(c.out.account->closed().size()) + " trades, " +
                             std::to_string(c.out.signals) + " signals";
  Version previous = std::move(l->main.v);
  l->main.v = std::move(c.v);
  l->main.point_path();
  l->canary.reset();
  m.emit("promote", *l, previous.label, l->main.v.label, true, detail, m.last_ts);
  m.retire(previous.instances);
  return Status::Ok();
}

Status EngineCore::drop_canary(LaneId id) {
  Impl& m = *impl_;
  Lane* l = m.find(id);
  if (!l) return Status::NotFound("no lane " + std::to_string(id));
  if (!l->canary) return Status::FailedPrecondition("lane " + std::to_string(id) + " has no canary to drop");
  const std::string label = l->canary->v.label;
  m.retire(l->canary->v.instances);
  l->canary.reset();
  m.emit("drop_canary", *l, label, l->main.v.label, true, "dropped", m.last_ts);
  return Status::Ok();
}

std::vector<std::unique_ptr<StrategyInstance>> EngineCore::take_retired() {
  std::vector<std::unique_ptr<StrategyInstance>> out;
  out.swap(impl_->retired);
  return out;
}

Status EngineCore::step(const ah_slice& slice) {
  Impl& m = *impl_;
  const size_t n = m.symbols.size();
  if (slice.n_symbols != n)
    return Status::InvalidArgument("slice at " + std::to_string(slice.ts_ms) + " has " +
                                   std::to_string(slice.n_symbols) + " symbols, the core " + std::to_string(n));
  if (n > 0 && (!slice.bars || !slice.has_bar))
    return Status::InvalidArgument("slice at " + std::to_string(slice.ts_ms) + " has no bars");
  if (m.started && slice.ts_ms <= m.last_ts)
    return Status::InvalidArgument("slice at " + std::to_string(slice.ts_ms) + " is not after the previous one (" +
                                   std::to_string(m.last_ts) + ")");
  m.started = true;
  m.last_ts = slice.ts_ms;
  if (slice.carry) m.has_carry = true;
  int64_t bars = 0;
  for (uint32_t s = 0; s < n; ++s) {
    if (!slice.has_bar[s]) continue;
    ++bars;
    BarSeries& h = m.history[s];
    h.push(slice.bars[s]);
    h.carry.push_back(slice.carry ? slice.carry[s] : 0.0);
    if (h.size() > 2 * m.history_bars) [[unlikely]] {  // amortised: drop the oldest, keep history_bars
      const auto drop = static_cast<std::ptrdiff_t>(h.size() - m.history_bars);
      for (auto* col : {&h.open, &h.high, &h.low, &h.close, &h.volume, &h.carry}) col->erase(col->begin(), col->begin() + drop);
      h.ts_ms.erase(h.ts_ms.begin(), h.ts_ms.begin() + drop);
    }
  }
  const bool new_day = m.day.advance(slice.ts_ms);
  for (auto& lp : m.lanes) {
    Lane& l = *lp;
    ++l.timestamps;
    if (l.stopped()) continue;
    if (l.halted) [[unlikely]]  // no version runs: the account alone takes the bars
      account_on_slice(*l.main.out.account, slice, l.ascending.data(), l.ascending.size());
    else
      m.drive(l, l.main, slice, false);
    if (l.canary) {
      m.drive(l, *l.canary, slice, true);
      if (!l.canary->out.failure.ok()) m.drop_failed_canary(l, slice.ts_ms);
    }
    end_timestamp(l.main.out, slice.ts_ms, new_day, m.opt.equity_every_bar, m.sink, static_cast<size_t>(l.id));
    if (l.canary && !l.stopped()) m.end_canary_timestamp(l, slice.ts_ms, new_day);
    if (l.checkpoint_every && !l.halted && !l.old && !l.stopped() && ++l.since_checkpoint >= l.checkpoint_every) [[unlikely]]
      m.take_checkpoint(l, slice.ts_ms);
    if (!l.halted) ++l.slices;
    l.last_ts = slice.ts_ms;
    if (l.old && --l.probation_left <= 0) m.end_probation(l);
  }
  ++m.slices;
  m.bars += bars;
  return Status::Ok();
}

Result<LaneStats> EngineCore::stats(LaneId id) const {
  if (const Lane* l = impl_->find(id)) return impl_->stats_of(*l);
  auto it = impl_->removed.find(id);
  if (it != impl_->removed.end()) return it->second;
  return Status::NotFound("no lane " + std::to_string(id));
}

std::vector<LaneId> EngineCore::lanes() const {
  std::vector<LaneId> ids;
  for (const auto& l : impl_->lanes) ids.push_back(l->id);
  return ids;
}

const Manifest* EngineCore::manifest(LaneId id) const {
  const Lane* l = impl_->find(id);
  return l ? l->main.v.manifest : nullptr;
}

const BarSeries& EngineCore::history(uint32_t symbol) const {
  static const BarSeries kNone;
  return symbol < impl_->history.size() ? impl_->history[symbol] : kNone;
}

std::optional<CanaryView> EngineCore::canary(LaneId id) const {
  const Lane* l = impl_->find(id);
  if (!l || !l->canary || l->canary->fresh) return std::nullopt;
  const Arm& c = *l->canary;
  CanaryView v;
  v.label = c.v.label;
  v.since_ms = c.since_ms;
  v.split_ms = c.split_ms;
  v.lane_equity = c.lane_equity;
  v.canary_equity = c.out.equity;
  v.lane_closed = l->main.out.account->closed();
  v.canary_closed = c.out.account->closed();
  v.lane_signals = l->main.out.signals;
  v.canary_signals = c.out.signals;
  return v;
}

int64_t EngineCore::slices() const { return impl_->slices; }
int64_t EngineCore::bars() const { return impl_->bars; }

}  // namespace algohost
