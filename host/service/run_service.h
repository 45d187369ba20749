// RunService — `algohost run`: resolves strategies and data, runs the engine, records every
// outcome in the catalog (trades through the asynchronous recorder, the run in `runs`, measured
// metrics on each version) and exports equity and trades as CSV on request.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/engine/engine.h"
#include "host/service/catalog_service.h"
#include "host/service/plugin_service.h"
#include "host/service/run_shutdown.h"

namespace algohost {

constexpr const char* kEngineVersion = "algohost-engine 0.1.0";

struct RunRequest {
  std::vector<std::string> strategies;  // NAME or NAME@VERSION; empty = every discovered strategy
  std::optional<std::string> data;      // CSV file or directory
  std::optional<std::string> synthetic; // synthetic spec; the default when no data is given
  std::vector<std::string> symbols;     // keep only these
  std::optional<std::string> from, to;  // ISO-8601 bounds (inclusive)
  // NAME=VALUE, applied to every strategy that has NAME; STRATEGY.NAME=VALUE to that strategy only.
  std::map<std::string, std::string> params;
  // Run an artifact that differs from its published name@version's (a rebuilt library, an edited
  // module) as an unpublished development version instead of refusing it (run_artifacts.h).
  bool allow_unpublished = false;
  // How plugins run (docs/architecture.md, "Isolation"): nullopt = the manifest's
  // runtime.isolation, else in the host's process (backtests favour speed).
  std::optional<Isolation> isolation;
  BrokerConfig broker;
  std::optional<double> default_size;   // else 1 / number of symbols
  bool use_batch = true;
  bool prefetch_signals = true;  // EngineOptions::prefetch_signals (off: one thread; benchmarks compare)
  bool skip_bad_rows = false;
  std::optional<int> periods_per_year;  // else 365 when the data has weekend bars, else 252
  double risk_free_rate = 0;
  std::string equity_csv, trades_csv;
  // MEM (docs/mem.md): on/off for every strategy; nullopt = per manifest (mem_integration.enabled
  // and enhancement_type other than none). Every MEM strategy also runs a shadow base arm.
  std::optional<bool> mem;
  double mem_train_fraction = 0.5;  // the first part of the timestamps, where MEM only learns
  // MEM starts from nothing (a backtest is a function of code, data, parameters and flags) unless
  // asked to continue the saved state (--mem-state continue; docs/mem.md, Persistence).
  bool mem_continue = false;
  uint64_t mem_seed = 42;
  // The enhancer of every strategy run with MEM (docs/mem.md, "Enhancer plugins"): "mem" (the
  // built-in stage) or an enhancer plugin's NAME[@VERSION]. Giving one turns enhancement on for
  // every strategy, as mem = true does (with mem = false it is an error). nullopt = per manifest:
  // mem_integration.enhancer, else the built-in.
  std::optional<std::string> enhancer;
  std::map<std::string, std::string> enhancer_params;  // NAME=VALUE for the parameters of `enhancer`
  uint32_t enhancer_max_failures = 5;  // failed calls in a row before a plugin enhancer is disabled for the run
  std::function<void(size_t, size_t)> progress;
  const std::atomic<bool>* stop = nullptr;
  // When set, the run and its recorder are attached to it while they exist, so that a SIGTERM can
  // end the process with what was recorded flushed and the run marked interrupted.
  RunShutdown* shutdown = nullptr;
};

struct StrategyReport {
  std::string label, strategy_id, version_id;
  metrics::Metrics metrics;
  double final_equity = 0;
  int64_t trades = 0, signals = 0, bars = 0;
  uint64_t call_errors = 0;  // failed strategy calls that were skipped (Python strategies)
  std::string error;  // empty when it ran to the end
  // MEM: training and scoring parts, base vs enhanced on the scoring part, patterns, state; null
  // when the strategy ran without MEM.
  nlohmann::ordered_json mem;
};

struct RunReport {
  std::string run_id, status;  // finished | failed | interrupted
  std::string data_description;
  size_t symbols = 0, bars = 0, timestamps = 0;
  int periods_per_year = 252;
  double seconds = 0;
  uint64_t trades_recorded = 0;
  std::vector<StrategyReport> strategies;
  std::vector<std::string> warnings;
  // The first export (--equity-csv, --trades-csv) that could not be written (also a warning); the
  // run is recorded all the same. The CLI exits 8 for it.
  Status io_failure;

  nlohmann::ordered_json to_json() const;
};

class RunService {
 public:
  RunService(PluginService& plugins, CatalogService& catalog) : plugins_(plugins), catalog_(catalog) {}
  Result<RunReport> run(const RunRequest& request);

  // Loads the data a request names (CSV or synthetic), filtered by symbols and dates.
  static Result<MarketData> load_data(const RunRequest& request, std::string& description, CsvReport& csv);

 private:
  PluginService& plugins_;
  CatalogService& catalog_;
};

}  // namespace algohost
