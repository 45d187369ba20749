// The steps every engine driver takes the same way — run_engine's walks (engine.cpp) and
// EngineCore (engine_core.cpp): the one-symbol slice a single-symbol instance is given, a signal's
// way through the market context, the enhancement stage and the account (apply_signal), the end
// of a timestamp (equity curves, exposure, closed trades to the sink) and the final close and
// metrics. Inline where a walk calls them per bar; nothing here allocates on that path.
// Thread: whichever thread drives the engine; nothing here is shared.
#pragma once

#include <climits>
#include <cstdint>

#include <algohost/strategy_api.h>

#include "host/data/bar_series.h"
#include "host/engine/engine.h"
#include "host/engine/enhancement_stage.h"
#include "host/engine/market_context.h"
#include "host/engine/paper_broker.h"

namespace algohost {

// Where a strategy's actionable signals go: its stage (never null) and its account.
struct SignalPath {
  const Manifest* manifest = nullptr;
  EnhancementStage* stage = nullptr;
  bool pass_through = false;  // `stage` changes nothing (the PassThroughStage)
  PaperAccount* account = nullptr;
};

// One actionable signal (callers skip holds: most bars are holds) for symbol s: counted in
// `signals`, shown to the stage with the market context as of s's latest bar, then queued with the
// account. `bar` is s's slot in the slice; `series` holds s's bars, the first `seen` of which are at
// or before the slice (the last of them is this slice's bar when s has one now). A signal the
// broker would ignore (most: the side already held) through a stage that changes nothing gets no
// context, as nothing would read it.
// `known`, when given, is that context already read (the same reading: SignalPrefetcher's).
inline void apply_signal(const SignalPath& path, int64_t& signals, uint32_t s, const ah_signal& proposed,
                         const ah_bar* bar, const BarSeries& series, size_t seen, const EngineOptions& opt,
                         const ContextReading* known = nullptr) {
  ++signals;
  PaperAccount& acct = *path.account;
  if (path.pass_through && !acct.queues_order(s, proposed)) {
    acct.on_signal(s, proposed, ContextReading{});
    return;
  }
  ah_signal sig = proposed;
  SignalNote note;
  ContextReading ctx;  // never from a bar later than this slice
  if (known)
    ctx = *known;
  else if (seen > 0)
    ctx = read_context(series, seen - 1, opt.context_window, opt.periods_per_year);
  StageInput in{path.manifest, s, bar, &ctx, &acct};
  path.stage->enhance(in, sig, note);
  if (sig.action != AH_HOLD) acct.on_signal(s, sig, ctx, &note);
}

// Symbol s of a slice as the one-symbol slice a single-symbol strategy's instance is given (its
// bar, its carry). Valid until the next of() and while `full` is.
class OneSymbolSlice {
 public:
  const ah_slice& of(const ah_slice& full, uint32_t s) {
    name_[0] = full.symbols ? full.symbols[s] : nullptr;
    one_ = ah_slice{};
    one_.ts_ms = full.ts_ms;
    one_.n_symbols = 1;
    one_.symbols = name_;
    one_.bars = &full.bars[s];
    one_.has_bar = has_;
    one_.carry = full.carry ? &full.carry[s] : nullptr;  // API 1.1: this symbol's carry
    return one_;
  }

 private:
  const char* name_[1] = {nullptr};
  uint8_t has_[1] = {1};
  ah_slice one_{};
};

// The account processes a slice's new bars: every open first (fills queued orders), then every bar
// (stops, targets, marks), over the given symbols in ascending order.
inline void account_on_slice(PaperAccount& acct, const ah_slice& slice, const uint32_t* symbols, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (slice.has_bar[symbols[k]]) acct.on_open(symbols[k], slice.bars[symbols[k]]);
  for (size_t k = 0; k < n; ++k)
    if (slice.has_bar[symbols[k]]) acct.on_bar(symbols[k], slice.bars[symbols[k]]);
}

// Tells whether a timestamp starts a new UTC day (the daily equity curve keeps each day's last).
class DayClock {
 public:
  bool advance(int64_t ts) {
    if (ts < day_end_) [[likely]]
      return false;
    const int64_t day = ts >= 0 ? ts / kDayMs : (ts - kDayMs + 1) / kDayMs;
    day_end_ = (day + 1) * kDayMs;
    return true;
  }

 private:
  static constexpr int64_t kDayMs = 86'400'000;
  int64_t day_end_ = INT64_MIN;  // end (exclusive) of the UTC day of the current timestamp
};

// The daily curve always (the metrics' input); the per-bar one only when asked for.
inline void record_equity(StrategyOutcome& o, int64_t ts, double equity, bool new_day, bool every_bar) {
  if (!new_day && !o.equity.empty())
    o.equity.back() = {ts, equity};  // same day: keep the day's last equity
  else
    o.equity.push_back({ts, equity});
  if (every_bar) [[unlikely]]
    o.equity_bars.push_back({ts, equity});
}

// The end of a timestamp for one strategy: equity, exposure, newly closed trades to the sink
// (as strategy `index`).
inline void end_timestamp(StrategyOutcome& o, int64_t ts, bool new_day, bool every_bar, const TradeSink& sink,
                          size_t index) {
  PaperAccount& acct = *o.account;
  record_equity(o, ts, acct.equity(), new_day, every_bar);
  o.bars_in_market += acct.in_market();
  if (sink && acct.has_new_closed()) [[unlikely]]
    sink(index, acct.take_new_closed());
}

// The end of a strategy's run: positions closed at the last marks (unless it stopped, which closed
// them then), the last equity point set to the final equity, the last trades to the sink, and the
// metrics over `timestamps` timestamps.
void finish_outcome(StrategyOutcome& o, bool stopped, int64_t last_ts, int64_t timestamps, double starting_capital,
                    const EngineOptions& opt, const TradeSink& sink, size_t index);

}  // namespace algohost
