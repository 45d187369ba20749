// The engine: runs strategy instances over market data and simulates their execution.
//
// The symbols' bars are walked in time order (SliceAligner). At each timestamp, for each
// strategy: its account first processes the new bars (fills orders queued on the previous bar at
// this bar's open, checks stops and targets), then the strategy's signals for these bars pass the
// enhancement stage and queue new orders, then the account's equity is marked at the closes.
// Single-symbol strategies get one instance per symbol; when they offer the batch entry they are
// driven through it in chunks, ahead of the walk — their signals depend on bars only, so the
// trades are identical to driving them slice by slice (a test holds the engine to that). When
// every series has the same timestamps and every strategy is driven in batches, the walk reads the
// columns directly instead of building slices (the same steps in the same order), and the batch
// strategies' next chunks — with the market context of their actionable signals when a stage
// reads it — are computed on a second thread meanwhile (SignalPrefetcher, signal_prefetch.h). A
// strategy that fails stops its own account (positions closed at the last marks); the others go
// on, and the failure is reported in its outcome.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/data/bar_series.h"
#include "host/engine/enhancement_stage.h"
#include "host/engine/paper_broker.h"
#include "host/instance/strategy_instance.h"
#include "registry/manifest/manifest.h"
#include "registry/metrics/metrics.h"

namespace algohost {

struct StrategySetup {
  const Manifest* manifest = nullptr;
  std::string label;  // "name@version"
  // One per symbol of the data, in order, for single-symbol strategies; one in all otherwise.
  std::vector<std::unique_ptr<StrategyInstance>> instances;
  BrokerConfig broker;
  EnhancementStage* stage = nullptr;  // null: pass-through
  // Another arm of the same strategy, parameters and data (MEM's shadow base arm): the index of
  // an earlier setup of the run whose raw signals (before that setup's stage) this one takes,
  // instead of running instances of its own (`instances` stays empty). A strategy's signals are a
  // function of its bars and parameters, so its trades are those of a separately run copy; the
  // source's failure at a bar is this setup's failure at the same bar. A later or unknown index
  // fails this setup alone.
  std::optional<size_t> signals_from;
};

struct EngineOptions {
  bool use_batch = true;
  size_t chunk = 4096;
  // Batch strategies' next chunks computed on a second thread while the walk applies this one's
  // (SignalPrefetcher; the same calls in the same order, so the same results). Used when every
  // series has the same timestamps, there are two chunks or more, and the instances allow it
  // (StrategyInstance::prefetchable: native in-process ones and those in a worker process).
  bool prefetch_signals = true;
  int periods_per_year = 252;
  double risk_free_rate = 0;
  int context_window = 20;
  // StrategyOutcome::equity always keeps one point per UTC day (the day's last equity, as LEAN's
  // daily equity series), and the metrics are computed from it alone. When set, every timestamp's
  // equity is also kept, in StrategyOutcome::equity_bars (for exports such as --equity-csv); it
  // changes no metric.
  bool equity_every_bar = false;
  // Called with (bars done, total bars): once with 0 at the start, about every 64k timestamps,
  // and at the end.
  std::function<void(size_t, size_t)> progress;
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to end the run early
};

struct StrategyOutcome {
  std::string label;
  std::unique_ptr<PaperAccount> account;
  std::vector<metrics::EquityPoint> equity;       // per UTC day: what the metrics are computed from
  std::vector<metrics::EquityPoint> equity_bars;  // per timestamp; empty unless equity_every_bar
  metrics::Metrics metrics;
  Status failure;
  int64_t bars = 0, signals = 0, bars_in_market = 0;
};

// Receives closed trades as they happen (strategy index, trades), on the engine's thread.
using TradeSink = std::function<void(size_t, const std::vector<ClosedTrade>&)>;

struct EngineResult {
  std::vector<StrategyOutcome> outcomes;
  size_t timestamps = 0;
  bool interrupted = false;
};

EngineResult run_engine(const MarketData& data, std::vector<StrategySetup>& setups, const EngineOptions& options,
                        const TradeSink& sink = nullptr);

}  // namespace algohost
