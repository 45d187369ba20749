// SignalPrefetcher — batch strategies' signals computed ahead of the engine's walk, on a thread of
// its own.
//
// A batch-driven single-symbol strategy's signals depend on its bars alone (engine.h), so while
// the walk applies chunk c's signals to the broker, chunk c + 1 (and up to `depth` - 1 more) can
// already be computed on the other core. The prefetcher makes exactly the calls the walk would
// have made, in the same order per instance: on_batch over bars [c * chunk, min((c + 1) * chunk,
// n)) for c = 0, 1, ... — so the signals, and everything the walk does with them, are identical
// (a test holds the engine to that with and without it). After a call fails, that instance is
// called no more; neither is a producer the walk has stopped (stop()).
// For a producer whose signals go through a stage that reads the market context (MEM), the
// context of every actionable signal's bar is read here too (read_context of that bar: it depends
// on the bars alone), so the walk does not pay for it.
//
// Threads: get(), release_before() and stop() are the walk's (one thread); the instances are
// called only by the prefetcher's thread from construction to destruction (those whose
// StrategyInstance::prefetchable() says so: one call at a time, from any thread). The destructor ends the thread after the call in progress.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <algohost/strategy_api.h>

#include "host/data/bar_series.h"
#include "host/engine/market_context.h"
#include "host/instance/strategy_instance.h"
#include "registry/common/status.h"

namespace algohost {

class SignalPrefetcher {
 public:
  // One chunk of one symbol's signals: `len` valid signals from the chunk's first bar; `status`
  // is the call's (not ok: the instance failed at bar first + len).
  struct Chunk {
    std::vector<ah_signal> signals;
    // Indices (within the chunk, ascending) of its actionable signals: the walk visits these and
    // reads no hold (most bars), so the dense signals stay in the producer's cache.
    std::vector<uint32_t> actionable;
    // When asked for, the market context of each of them (context[k] belongs to actionable[k]).
    std::vector<ContextReading> context;
    size_t len = 0;
    Status status;
  };

  struct Producer {
    std::vector<StrategyInstance*> instances;  // per symbol
    bool contexts = false;                     // read the context of actionable signals' bars
  };

  // producers[p].instances[s]: producer p's instance for symbol s of `data` (every symbol).
  // Contexts are read with `context_window` and `periods_per_year` (EngineOptions').
  SignalPrefetcher(const MarketData& data, std::vector<Producer> producers, size_t chunk, int context_window,
                   int periods_per_year, size_t depth = 3);
  ~SignalPrefetcher();
  SignalPrefetcher(const SignalPrefetcher&) = delete;
  SignalPrefetcher& operator=(const SignalPrefetcher&) = delete;

  // Producer p's chunk c of symbol s, waiting until it is computed. Valid until release_before(c')
  // for some c' > c.
  const Chunk& get(size_t p, uint32_t s, size_t c);
  // The walk has reached chunk c: chunks before it may be overwritten.
  void release_before(size_t c);
  // The walk stopped producer p: its instances are not called again.
  void stop(size_t p);

 private:
  void run();
  Chunk& slot(size_t p, uint32_t s, size_t c) { return slots_[(p * n_sym_ + s) * depth_ + c % depth_]; }

  const MarketData& data_;
  std::vector<Producer> producers_;
  size_t n_sym_, chunk_, depth_, n_chunks_;
  int context_window_, periods_per_year_;
  std::vector<Chunk> slots_;
  std::unique_ptr<std::atomic<bool>[]> stopped_;  // per producer, set by the walk
  std::atomic<size_t> produced_{0};               // chunks [0, produced_) are ready
  std::atomic<size_t> released_{0};               // chunks [0, released_) may be overwritten
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace algohost
