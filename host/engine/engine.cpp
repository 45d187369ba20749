#include "host/engine/engine.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>

#include "host/data/slice_aligner.h"
#include "host/engine/signal_prefetch.h"
#include "host/engine/signal_step.h"

namespace algohost {
namespace {

// Per-strategy state during a run.
struct Runner {
  StrategySetup* setup;
  StrategyOutcome* out;
  bool single = true, batch = false, stopped = false;
  SignalPath path;  // where its actionable signals go (stage, account)
  // Batch buffers per symbol: signals for bars [start, start + len) of that symbol.
  std::vector<std::vector<ah_signal>> buf;
  std::vector<size_t> start, len;
  // Per symbol, the first signal of the current chunk: in `buf`, or in the prefetcher's slot.
  std::vector<const ah_signal*> chunk_at;
  // Per symbol, the prefetcher's chunk (its actionable indices, and their contexts when it read
  // them) when the current chunk was computed ahead; else null: the walk looks at every signal and
  // apply_signal reads the contexts.
  std::vector<const SignalPrefetcher::Chunk*> ahead_at;
  size_t producer = SIZE_MAX;  // its index in the SignalPrefetcher (SIZE_MAX: not prefetched)
  // Sparse drive (StrategyInstance::prefers_sparse_batch): per symbol, the actionable signals of
  // the whole series from one call, laid into `buf` a chunk at a time; sparse_end is where the
  // valid signals end (the series' end, or the bar the call failed at).
  bool sparse = false;
  std::vector<std::vector<IndexedSignal>> sparse_sig;
  std::vector<size_t> sparse_base, sparse_next, sparse_end;
  std::vector<uint8_t> sparse_fetched;
  // Per symbol, a batch that failed part-way: its signals before the failing bar are used, then
  // the strategy stops when that symbol reaches that bar, exactly as when driven slice by slice.
  std::vector<Status> batch_failure;
  std::vector<ah_signal> slice_out;
  // Signal sharing (StrategySetup::signals_from): `source` is the earlier runner whose raw signals
  // this one takes (null: it runs its own instances); `shared` says a later runner takes this
  // one's. Driven slice by slice, a shared runner keeps each symbol's signals of the current
  // timestamp (`out_by_symbol`, one strategy per symbol) or its slice's (`slice_out`, one strategy
  // for all), stamped with the timestamp's number (from 1), so a taker can tell them from stale ones.
  const Runner* source = nullptr;
  bool shared = false;
  std::vector<std::vector<ah_signal>> out_by_symbol;
  std::vector<size_t> out_stamp;
  size_t slice_stamp = 0;
};

// Why a runner that takes `src`'s signals has none for symbol s at this bar: `src` failed here.
Status source_failure(const Runner& src, uint32_t s) {
  if (!src.out->failure.ok()) return src.out->failure;
  if (s < src.batch_failure.size() && !src.batch_failure[s].ok()) return src.batch_failure[s];
  return Status::Internal(src.out->label + ": no signal for this bar to share");
}

}  // namespace

EngineResult run_engine(const MarketData& data, std::vector<StrategySetup>& setups, const EngineOptions& opt,
                        const TradeSink& sink) {
  EngineResult result;
  const size_t n_sym = data.series.size();
  PassThroughStage pass;
  std::vector<size_t> pos(n_sym, 0);  // index of the current bar of each symbol

  result.outcomes.resize(setups.size());
  std::vector<Runner> runners(setups.size());
  for (size_t k = 0; k < setups.size(); ++k) {
    StrategySetup& s = setups[k];
    StrategyOutcome& o = result.outcomes[k];
    o.label = s.label;
    o.account = std::make_unique<PaperAccount>(s.broker, n_sym);
    Runner& r = runners[k];
    r.setup = &s;
    r.out = &o;
    if (!s.stage) s.stage = &pass;
    r.path = {s.manifest, s.stage, dynamic_cast<PassThroughStage*>(s.stage) != nullptr, o.account.get()};
    if (s.signals_from) {
      const size_t from = *s.signals_from;
      if (from >= k || setups[from].signals_from) {
        r.stopped = true;
        o.failure = Status::InvalidArgument(s.label + ": signals_from " + std::to_string(from) +
                                            " is not an earlier strategy of the run with instances of its own");
        continue;
      }
      Runner& src = runners[from];
      src.shared = true;
      r.source = &src;
      r.single = src.single;
      r.batch = src.batch;
      r.sparse = src.sparse;
      if (r.batch) {
        r.start.assign(n_sym, 0);
        r.len.assign(n_sym, 0);
        r.batch_failure.assign(n_sym, Status::Ok());
      }
      continue;
    }
    r.single = s.manifest ? s.manifest->symbols == 1 : s.instances.size() == n_sym;
    r.batch = r.single && opt.use_batch &&
              std::all_of(s.instances.begin(), s.instances.end(), [](const auto& i) { return i->supports_batch(); });
    if (r.batch) {
      r.buf.assign(n_sym, std::vector<ah_signal>(opt.chunk));
      r.sparse = std::all_of(s.instances.begin(), s.instances.end(), [](const auto& i) { return i->prefers_sparse_batch(); });
      if (r.sparse) {
        r.sparse_sig.assign(n_sym, {});
        r.sparse_base.assign(n_sym, 0);
        r.sparse_next.assign(n_sym, 0);
        r.sparse_end.assign(n_sym, 0);
        r.sparse_fetched.assign(n_sym, 0);
      }
      r.start.assign(n_sym, 0);
      r.len.assign(n_sym, 0);
      r.chunk_at.assign(n_sym, nullptr);
      r.ahead_at.assign(n_sym, nullptr);
      r.batch_failure.assign(n_sym, Status::Ok());
    }
  }
  for (Runner& r : runners)
    if (r.shared && r.single && !r.batch) {
      r.out_by_symbol.assign(n_sym, {});
      r.out_stamp.assign(n_sym, 0);
    }

  // The per-bar equity curve (exports only) gets its room up front: the longest series bounds the
  // timestamps.
  if (opt.equity_every_bar) {
    size_t longest = 0;
    for (const auto& s : data.series) longest = std::max(longest, s.size());
    for (auto& o : result.outcomes) o.equity_bars.reserve(longest);
  }
  DayClock day;
  bool new_day = true;
  std::vector<const BarSeries*> all;
  for (const auto& s : data.series) all.push_back(&s);
  SliceAligner aligner(all);
  const size_t total_bars = data.total_bars();
  size_t bars_done = 0;
  if (opt.progress) opt.progress(0, total_bars);  // starts the clock: rates cover the walk only
  OneSymbolSlice one_symbol;
  std::vector<uint32_t> every_symbol(n_sym);  // 0, 1, ..., n_sym - 1
  for (uint32_t s = 0; s < n_sym; ++s) every_symbol[s] = s;
  int64_t last_ts = 0;

  std::unique_ptr<SignalPrefetcher> prefetch;  // the columns walk's, when it computes ahead
  auto fail = [&](Runner& r, const Status& st, int64_t ts) {
    r.stopped = true;
    if (r.producer != SIZE_MAX) prefetch->stop(r.producer);
    r.out->failure = st;
    r.out->account->close_all(ts);
  };

  // Called for actionable signals only (callers skip holds inline: most bars are holds).
  // `bar` is symbol s's slot in the current slice, `has_bar` whether it printed at this time.
  // The symbol's latest bar: this one, or (no bar now) the last one seen; never a later one.
  auto apply = [&](Runner& r, uint32_t s, const ah_signal& proposed, const ah_bar* bar, bool has_bar) {
    apply_signal(r.path, r.out->signals, s, proposed, bar, data.series[s], pos[s] + (has_bar ? 1 : 0), opt);
  };

  // A batch runner's signal for bar pos[s] of symbol s, calling the strategy's batch entry for the
  // next chunk when the buffer is used up. Null when the strategy failed at this bar (it is then
  // stopped, its positions closed at this timestamp).
  auto batch_signal = [&](Runner& r, uint32_t s, int64_t ts) -> const ah_signal* {
    const size_t i = pos[s];
    if (i >= r.start[s] + r.len[s] && r.source) [[unlikely]] {
      // Another runner's signals: its chunk covers this bar, as it walked this bar first, unless
      // its strategy failed here.
      const Runner& src = *r.source;
      if (i >= src.start[s] + src.len[s]) {
        fail(r, source_failure(src, s), ts);
        return nullptr;
      }
      r.start[s] = src.start[s];
      r.len[s] = src.len[s];
      return src.chunk_at[s] + (i - r.start[s]);
    }
    if (i >= r.start[s] + r.len[s]) [[unlikely]] {
      if (!r.batch_failure[s].ok() && (!r.sparse || i >= r.sparse_end[s])) {
        fail(r, r.batch_failure[s], ts);
        return nullptr;
      }
      if (r.sparse) {
        if (!r.sparse_fetched[s]) {
          uint64_t done = 0;
          const size_t rest = data.series[s].size() - i;
          Status st = r.setup->instances[s]->on_batch_sparse(data.series[s].view(i, rest), r.sparse_sig[s], &done);
          r.sparse_fetched[s] = 1;
          r.sparse_base[s] = i;
          r.sparse_end[s] = i + (st.ok() ? rest : static_cast<size_t>(done));
          if (!st.ok()) {
            r.batch_failure[s] = st;
            if (done == 0) {
              fail(r, st, ts);
              return nullptr;
            }
          }
        }
        // Lay the next chunk out densely: holds, and the actionable signals where they fall.
        const size_t n = std::min(opt.chunk, r.sparse_end[s] - i);
        ah_signal* buf = r.buf[s].data();
        std::memset(static_cast<void*>(buf), 0, n * sizeof(ah_signal));
        const auto& sigs = r.sparse_sig[s];
        size_t& next = r.sparse_next[s];
        for (; next < sigs.size() && r.sparse_base[s] + sigs[next].index < i + n; ++next)
          buf[r.sparse_base[s] + sigs[next].index - i] = sigs[next].signal;
        r.start[s] = i;
        r.len[s] = n;
        r.chunk_at[s] = buf;
        return buf;
      }
      const size_t n = std::min(opt.chunk, data.series[s].size() - i);
      uint64_t done = 0;
      Status st;
      if (r.producer != SIZE_MAX) {  // computed ahead (the columns walk: chunks start at multiples of `chunk`)
        const SignalPrefetcher::Chunk& c = prefetch->get(r.producer, s, i / opt.chunk);
        st = c.status;
        done = c.len;
        r.chunk_at[s] = c.signals.data();
        r.ahead_at[s] = &c;
      } else {
        st = r.setup->instances[s]->on_batch(data.series[s].view(i, n), r.buf[s].data(), &done);
        r.chunk_at[s] = r.buf[s].data();
      }
      r.start[s] = i;
      r.len[s] = st.ok() ? n : static_cast<size_t>(done);
      if (!st.ok()) {
        r.batch_failure[s] = st;
        if (done == 0) {
          fail(r, st, ts);
          return nullptr;
        }
      }
    }
    return (r.source ? r.source : &r)->chunk_at[s] + (i - r.start[s]);
  };

  // The end of a timestamp for one runner: equity, exposure, newly closed trades to the sink.
  auto end_of_timestamp = [&](Runner& r, int64_t ts) {
    end_timestamp(*r.out, ts, new_day, opt.equity_every_bar, sink, static_cast<size_t>(r.out - result.outcomes.data()));
  };

  const bool columns_walk =
      data.aligned() &&
      std::all_of(runners.begin(), runners.end(), [](const Runner& r) { return r.stopped || (r.single && r.batch); });
  if (columns_walk) {
    // Every series has the same timestamps and every strategy is driven through its batch entry:
    // each timestamp is every series' next bar, so the walk reads the columns directly. The same
    // steps in the same order as the general walk below (runners in order within each timestamp;
    // per runner every symbol's open, then every symbol's bar, then the signals symbol by
    // symbol), without building slices.
    const size_t n = data.series[0].size();
    const int64_t* ts_col = data.series[0].ts_ms.data();
    struct Columns {
      const double *open, *high, *low, *close, *volume;
    };
    std::vector<Columns> cols;
    for (const auto& sr : data.series)
      cols.push_back({sr.open.data(), sr.high.data(), sr.low.data(), sr.close.data(), sr.volume.data()});
    auto bar_at = [&](uint32_t s, size_t i, int64_t ts) {
      const Columns& c = cols[s];
      return ah_bar{ts, c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]};
    };
    // Per runner, what the walk touches on every bar, one load away.
    struct Window {
      const ah_signal* signals = nullptr;  // signals of bars [begin, end) of one symbol
      size_t begin = 0, end = 0;
      // The next bar to look at: every bar, or, when read ahead, the next actionable one (`end`
      // when none is left), with its context when the prefetcher read it.
      size_t next = 0;
      const uint32_t* act = nullptr;
      const uint32_t* act_end = nullptr;
      const ContextReading* context = nullptr;
    };
    struct Lane {
      Runner* r;
      PaperAccount* acct;
      std::vector<metrics::EquityPoint>* equity;       // daily
      std::vector<metrics::EquityPoint>* equity_bars;  // per timestamp, when asked for
      std::vector<Window> windows;                     // per symbol
      int64_t bars = 0, in_market = 0;
    };
    std::vector<Lane> lanes;
    for (Runner& r : runners)
      lanes.push_back({&r, r.out->account.get(), &r.out->equity, &r.out->equity_bars, std::vector<Window>(n_sym)});
    const bool every_bar = opt.equity_every_bar;
    const uint32_t n_sym32 = static_cast<uint32_t>(n_sym);
    // Dense batch runners whose instances allow it get their chunks computed ahead.
    if (opt.prefetch_signals && opt.chunk > 0 && n > opt.chunk && std::thread::hardware_concurrency() != 1) {
      std::vector<SignalPrefetcher::Producer> producers;
      for (Runner& r : runners) {
        if (r.stopped || r.source || r.sparse || !r.batch || r.setup->instances.size() != n_sym) continue;
        SignalPrefetcher::Producer p;
        for (const auto& inst : r.setup->instances) p.instances.push_back(inst.get());
        if (!std::all_of(p.instances.begin(), p.instances.end(),
                         [](const StrategyInstance* x) { return x->prefetchable(); }))
          continue;
        // Contexts are read ahead when a stage that reads them sees these signals.
        p.contexts = !r.path.pass_through;
        for (const Runner& taker : runners)
          if (taker.source == &r && !taker.path.pass_through) p.contexts = true;
        r.producer = producers.size();
        producers.push_back(std::move(p));
      }
      if (!producers.empty())
        prefetch = std::make_unique<SignalPrefetcher>(data, std::move(producers), opt.chunk, opt.context_window,
                                                      opt.periods_per_year);
    }
    size_t i = 0, next_chunk = 0;  // the first bar of the next chunk (the prefetcher's)
    for (; i < n; ++i) {
      if (opt.stop && opt.stop->load(std::memory_order_relaxed)) [[unlikely]] {
        result.interrupted = true;
        break;
      }
      if (prefetch && i == next_chunk) [[unlikely]] {
        prefetch->release_before(i / opt.chunk);
        next_chunk += opt.chunk;
      }
      const int64_t ts = ts_col[i];
      last_ts = ts;
      new_day = day.advance(ts);
      for (uint32_t s = 0; s < n_sym32; ++s) pos[s] = i;
      for (Lane& l : lanes) {
        if (l.r->stopped) [[unlikely]]
          continue;
        PaperAccount& acct = *l.acct;
        // Most bars find the account flat with nothing queued on a symbol: only its close is
        // marked, and the bar's other columns are read when something needs them.
        for (uint32_t s = 0; s < n_sym32; ++s)
          if (!acct.idle(s)) [[unlikely]]
            acct.on_open(s, bar_at(s, i, ts));
        for (uint32_t s = 0; s < n_sym32; ++s) {
          if (acct.idle(s)) [[likely]]
            acct.mark_idle(s, cols[s].close[i]);
          else
            acct.on_bar(s, bar_at(s, i, ts));
        }
        for (uint32_t s = 0; s < n_sym32; ++s) {
          ++l.bars;
          Window& w = l.windows[s];
          if (i >= w.end) [[unlikely]] {
            const ah_signal* sig = batch_signal(*l.r, s, ts);
            if (!sig) break;  // the strategy failed at this bar: stopped
            w.begin = l.r->start[s];
            w.end = w.begin + l.r->len[s];
            w.signals = sig - (i - w.begin);
            w.act = w.act_end = nullptr;
            w.context = nullptr;
            w.next = i;  // no list: every bar is looked at
            if (const SignalPrefetcher::Chunk* ahead = (l.r->source ? l.r->source : l.r)->ahead_at[s]) {
              w.act = ahead->actionable.data();
              w.act_end = w.act + ahead->actionable.size();
              if (!ahead->context.empty()) w.context = ahead->context.data();
              for (; w.act != w.act_end && w.begin + *w.act < i; ++w.act)
                if (w.context) ++w.context;
              w.next = w.act != w.act_end ? w.begin + *w.act : w.end;
            }
          }
          if (i != w.next) [[likely]]
            continue;  // a hold (listed ahead of time)
          const ContextReading* known = w.context;
          if (w.act) {
            w.next = ++w.act != w.act_end ? w.begin + *w.act : w.end;
            if (w.context) ++w.context;
          } else {
            ++w.next;
          }
          const ah_signal& sig = w.signals[i - w.begin];
          if (sig.action != AH_HOLD) [[unlikely]] {
            const ah_bar bar = bar_at(s, i, ts);
            apply_signal(l.r->path, l.r->out->signals, s, sig, &bar, data.series[s], i + 1, opt, known);
          }
        }
        // end_timestamp(), inline
        const double eq = acct.equity();
        if (!new_day && !l.equity->empty()) [[likely]]
          l.equity->back() = {ts, eq};
        else
          l.equity->push_back({ts, eq});
        if (every_bar) [[unlikely]]
          l.equity_bars->push_back({ts, eq});
        l.in_market += acct.in_market();
        if (sink && acct.has_new_closed()) [[unlikely]]
          sink(static_cast<size_t>(l.r->out - result.outcomes.data()), acct.take_new_closed());
      }
      if (opt.progress && ((i + 1) & 0xFFFF) == 0) [[unlikely]]
        opt.progress((i + 1) * n_sym, total_bars);
    }
    for (Lane& l : lanes) {
      l.r->out->bars += l.bars;
      l.r->out->bars_in_market += l.in_market;
    }
    for (uint32_t s = 0; s < n_sym32; ++s) pos[s] = i;
    bars_done = i * n_sym;
    result.timestamps = i;
    prefetch.reset();  // its thread ends before anything else touches the instances
  }

  while (!columns_walk && aligner.next()) {
    if (opt.stop && opt.stop->load(std::memory_order_relaxed)) {
      result.interrupted = true;
      break;
    }
    const ah_slice& slice = aligner.slice();
    last_ts = slice.ts_ms;
    new_day = day.advance(slice.ts_ms);

    const size_t stamp = result.timestamps + 1;  // this timestamp's number, for shared signals
    for (Runner& r : runners) {
      if (r.stopped) continue;
      StrategySetup& setup = *r.setup;
      account_on_slice(*r.out->account, slice, every_symbol.data(), n_sym);

      if (r.single) {
        for (uint32_t s = 0; s < n_sym && !r.stopped; ++s) {
          if (!slice.has_bar[s]) continue;
          ++r.out->bars;
          if (r.batch) {
            const ah_signal* sig = batch_signal(r, s, slice.ts_ms);
            if (!sig) break;
            if (sig->action != AH_HOLD) [[unlikely]]
              apply(r, s, *sig, &slice.bars[s], true);
          } else if (r.source) {  // another runner's signals for this symbol at this timestamp
            const Runner& src = *r.source;
            if (src.out_stamp[s] != stamp) {
              fail(r, source_failure(src, s), slice.ts_ms);
              break;
            }
            for (const auto& sig : src.out_by_symbol[s])
              if (sig.action != AH_HOLD) apply(r, s, sig, &slice.bars[s], true);
          } else {
            Status st = setup.instances[s]->on_slice(one_symbol.of(slice, s), r.slice_out);
            if (!st.ok()) {
              fail(r, st, slice.ts_ms);
              break;
            }
            if (r.shared) {
              r.out_by_symbol[s] = r.slice_out;
              r.out_stamp[s] = stamp;
            }
            for (const auto& sig : r.slice_out)
              if (sig.action != AH_HOLD) apply(r, s, sig, &slice.bars[s], true);
          }
        }
      } else {
        ++r.out->bars;
        const std::vector<ah_signal>* out = &r.slice_out;
        Status st = Status::Ok();
        if (r.source) {  // another runner's signals for this slice
          if (r.source->slice_stamp == stamp) out = &r.source->slice_out;
          else st = source_failure(*r.source, 0);
        } else {
          st = setup.instances[0]->on_slice(slice, r.slice_out);
          if (st.ok()) r.slice_stamp = stamp;
        }
        if (!st.ok()) {
          fail(r, st, slice.ts_ms);
        } else {
          for (const auto& sig : *out)
            if (sig.action != AH_HOLD)
              apply(r, sig.symbol_index, sig, &slice.bars[sig.symbol_index], slice.has_bar[sig.symbol_index]);
        }
      }
      end_of_timestamp(r, slice.ts_ms);
    }
    for (uint32_t s = 0; s < n_sym; ++s) {
      pos[s] += slice.has_bar[s];
      bars_done += slice.has_bar[s];
    }
    ++result.timestamps;
    if (opt.progress && (result.timestamps & 0xFFFF) == 0) opt.progress(bars_done, total_bars);
  }

  for (size_t k = 0; k < runners.size(); ++k) {
    Runner& r = runners[k];
    finish_outcome(*r.out, r.stopped, last_ts, static_cast<int64_t>(result.timestamps), r.setup->broker.capital, opt,
                   sink, k);
  }
  if (opt.progress) opt.progress(bars_done, total_bars);
  return result;
}

}  // namespace algohost
