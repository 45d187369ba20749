// PluginService — the operations on plugins that the CLI (and later the HTTP server) expose:
// list what discovery found (strategies and enhancers) and whether it loads, validate manifests,
// inspect one plugin, find and instantiate strategies and enhancers, and run one strategy over bars
// to show its signals. Faces over it format; they hold no logic of their own.
#pragma once

#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/data/bar_series.h"
#include "host/data/csv_reader.h"
#include "host/discovery/discovery.h"
#include "host/instance/strategy_instance.h"
#include "host/isolation/isolation.h"
#include "host/loader/native_enhancer.h"
#include "host/loader/native_loader.h"
#include "host/python/python_loader.h"

namespace algohost {

struct WorkerSpawn;  // host/isolation/worker_instance.h

struct PluginServiceOptions {
  std::vector<std::filesystem::path> plugin_dirs;   // --plugins, in order
  const char* plugin_path_env = nullptr;            // ALGOHOST_PLUGIN_PATH's value, if set
  std::vector<std::filesystem::path> builtin_dirs;  // see builtin_plugin_dirs()
  // The Python SDK's folder; "" = beside the built-in plugins (<lib>/algohost/python next to
  // <lib>/algohost/plugins, in the build tree and in an install).
  std::filesystem::path python_sdk_dir;
  uint32_t python_max_consecutive_failures = 5;      // see PythonInstance
  double python_call_time_limit_s = 0;               // see python/call_time_limit.h; 0 = none
};

// One discovered manifest and what happened when the host tried it.
struct PluginRow {
  const DiscoveredPlugin* plugin = nullptr;
  std::string load_status;   // loaded | invalid | load_failed | shadowed | unsupported
  std::string load_message;  // "" when loaded
  std::optional<std::string> artifact_sha256;
};

struct ValidationEntry {
  std::filesystem::path manifest;
  ManifestReport report;
  Status load;  // ok when the artifact loads and an instance with default parameters is created
};

struct SignalRow {
  std::string symbol;
  ah_bar bar;
  ah_signal signal;
};

struct SignalsRun {
  const Manifest* manifest = nullptr;
  OrderedJson params;
  std::vector<std::string> diagnostics;
  std::vector<SignalRow> rows;  // in time order per symbol, symbols in data order
  CsvReport csv;
  Status failure;  // set when the strategy failed part-way; rows hold what came before
};

class PluginService {
 public:
  explicit PluginService(PluginServiceOptions options);

  // Scans once, on first use.
  const DiscoveryResult& discovery();
  // Scans again on next use (serve --watch: a new version folder appeared). Manifests found by an
  // earlier scan stay valid (instances and running lanes point at them) until the service goes.
  void rescan();
  // The folders searched, in order (--plugins, ALGOHOST_PLUGIN_PATH, the built-in ones).
  std::vector<std::filesystem::path> search_dirs() const;

  // Every discovered manifest; with try_load, each valid one is loaded and instantiated with its
  // default parameters.
  std::vector<PluginRow> list(bool try_load);

  // Validates manifests given as files or directories (scanned recursively), and loads each valid
  // one. An empty result means no manifest was found at the paths.
  std::vector<ValidationEntry> validate(const std::vector<std::filesystem::path>& paths);

  // "NAME" (highest version) or "NAME@VERSION", among valid, unshadowed manifests. When none
  // matches but a manifest that failed validation names NAME (in its "name" field or by its
  // folder), InvalidArgument "SPEC: found at FILE but invalid: <its errors, with JSON paths>";
  // otherwise NotFound "unknown strategy 'NAME' (known: <the strategies' names>)".
  Result<const Manifest*> find(const std::string& spec);
  // The same among enhancers (kind "enhancer"); NotFound naming the known ones (and saying so when
  // the name is a strategy). "mem", the built-in enhancer, is not a plugin: callers handle it.
  Result<const Manifest*> find_enhancer(const std::string& spec);

  // The isolation `m` runs with (docs/architecture.md, "Isolation"): `requested` when given (a
  // run's --isolation, a serve entry's "isolation"), else the manifest's runtime.isolation, else
  // `outside_default` for a plugin found outside the built-in folders and in-process for a
  // built-in one; limits: the manifest's runtime fields over WorkerLimits' defaults.
  IsolationOptions isolation_for(const Manifest& m, std::optional<Isolation> requested, Isolation outside_default);
  // True when `m` was discovered in a built-in plugin folder.
  bool is_builtin(const Manifest& m);

  // Loads and creates an instance of `m` with defaults overlaid by `overrides`. With `isolation`
  // in mode kProcess, the plugin is loaded and run in a worker process with isolation->limits
  // (as given: callers merge the manifest's runtime fields, limits_for()); the parameters are
  // checked here first, so a bad value fails without starting a worker, with the same error.
  Result<std::unique_ptr<StrategyInstance>> instantiate(const Manifest& m,
                                                        const std::map<std::string, std::string>& overrides,
                                                        const IsolationOptions* isolation = nullptr);
  // The same for an enhancer manifest: one instance per strategy per run. With `isolation` in
  // mode kProcess, the enhancer runs in a worker of its own (worker_enhancer.h), parameters
  // checked here first as for a strategy.
  Result<std::unique_ptr<EnhancerInstance>> instantiate_enhancer(const Manifest& m,
                                                                 const std::map<std::string, std::string>& overrides,
                                                                 const IsolationOptions* isolation = nullptr);

  // Every load check a plugin must pass before it is published in the catalog or run: the
  // artifact's file checks, opening it (native) or importing it (Python), the descriptor, and an
  // instance created with the default parameters (then destroyed).
  Status check_loads(const Manifest& m) { return try_load(m); }

  // The sha256 of the manifest's artifact, hashed once per file while its size and modification
  // time stay the same (the sync, the run's check against the published version and the run
  // record all ask). Errors as sha256_file(). Thread-safe.
  Result<std::string> artifact_sha256(const Manifest& m);

  // Runs one strategy over the bars in `data` (a CSV file or directory). Single-symbol
  // strategies get one instance per symbol; others get time-aligned slices of all symbols.
  Result<SignalsRun> signals(const std::string& spec, const std::filesystem::path& data,
                             const std::map<std::string, std::string>& overrides,
                             const CsvOptions& csv_options);

  // Runs an already-created instance over market data; used by signals() and tests.
  static Status drive(StrategyInstance& inst, const MarketData& md, std::vector<SignalRow>& rows);

 private:
  Status try_load(const Manifest& m);
  // What a worker needs to load `m` itself (worker_instance.h).
  WorkerSpawn worker_spawn(const Manifest& m, const std::map<std::string, std::string>& overrides,
                           const IsolationOptions& isolation) const;
  Result<const Manifest*> find_of_kind(const std::string& spec, const std::string& kind);  // "" = any kind

  PluginServiceOptions options_;
  std::optional<DiscoveryResult> discovery_;
  std::list<DiscoveryResult> earlier_scans_;  // kept: their manifests may still be in use
  std::shared_ptr<LibraryCache> libraries_;  // one mapping per library path, for both native loaders
  NativeLoader native_;
  NativeEnhancerLoader native_enhancers_;
  PythonLoader python_;
  struct HashedArtifact {
    uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    std::string sha256;
  };
  std::mutex hashes_mu_;
  std::map<std::filesystem::path, HashedArtifact> hashes_;
};

}  // namespace algohost
