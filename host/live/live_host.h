// LiveHost — `algohost serve`: a long-running host that drives the engine core (EngineCore) from
// its feeds, records every closed trade as it happens, and changes what runs without stopping:
// load, unload, swap to another version, roll back, change a parameter, canary and promote.
//
// Threads (DESIGN.md, "The live host"):
//   feeds (ReplayFeed's thread; TcpBarFeed and HTTP POST through the LiveAligner) push slices
//   into a bounded SliceQueue; the ENGINE THREAD pops them and steps the core, and between two
//   slices applies the commands the control side posted (so a swap is atomic by construction: no
//   lock on the bar path); the recorder's thread writes trades; the control API's thread calls
//   the methods below, which prepare what is slow off the bar path (loading and creating the new
//   version's instances), post one command to the engine thread and wait for its answer.
//   Instances replaced by a swap are destroyed off the bar path, on the control side.
//
// Bookkeeping: the session is one run in the catalog (kind "serve"; trades carry its run id), each
// instance's running version is a row of live_instances, and every load, unload, swap, rollback,
// parameter change, canary, promotion and drop (refused or done) is an audit row naming the caller
// and the outcome. Every such change is also published on the EventHub (the SSE stream), as are
// trades and failures.
//
// Stop (request_stop(), e.g. from SIGINT/SIGTERM): the feeds stop, the slices already queued are
// processed, every lane is closed (positions at the last marks), the recorder flushes, the run is
// marked (finished, or interrupted when stopped before a replay's end) and the instances stopped.
// Bars fed equals bars processed unless the engine thread failed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/engine_core.h"
#include "host/live/feeds.h"
#include "host/live/plugin_watcher.h"
#include "host/live/serve_config.h"
#include "host/recorder/recorder.h"
#include "host/server/http_server.h"
#include "host/service/run_artifacts.h"
#include "host/service/catalog_service.h"
#include "host/service/plugin_service.h"

namespace algohost::mem {
class PluginEnhancerStage;
}

namespace algohost::live {

class LiveHost {
 public:
  struct Options {
    bool exit_at_end = false;  // stop by itself when a replay feed (without loop) has been fully processed
    std::chrono::milliseconds command_timeout{10'000};
    size_t queue_capacity = 1024;
    // serve --watch: new version folders in the plugin folders are found, validated and
    // registered, and instances whose config says "watch": true swap to a newer version.
    bool watch = false;
    // Held while the CatalogService is used (it is shared with the catalog routes).
    std::shared_ptr<std::mutex> catalog_lock;
  };

  // `plugins` and `catalog` must outlive the host; `events` may be null (no event stream).
  LiveHost(PluginService& plugins, CatalogService& catalog, ServeConfig config, Options options,
           std::shared_ptr<server::EventHub> events);
  ~LiveHost();  // request_stop() and wait()

  // Resolves the config's strategies against what is installed and the feed's symbols, opens the
  // run and the recorder, loads every instance, starts the engine thread and the feeds. Errors
  // name the config field ("strategies[0].version: macd has no version 9.9.9 (it has: 1.0.0)").
  Status start();
  // Asks for a graceful stop (any thread; async-signal-safe: only sets a flag).
  void request_stop();
  // Blocks until the host has stopped (after request_stop(), or the end of a replay with
  // exit_at_end); the first error of the shutdown, if any.
  Status wait();
  bool stopping() const { return stop_.load(); }

  // The symbols of the host (the feed's), in slice order.
  const std::vector<std::string>& symbols() const { return symbols_; }
  LiveAligner* aligner() { return aligner_.get(); }  // push feeds (TCP, HTTP POST); null before start()

  // --- control (any thread but the engine thread; each call is one command) ---
  // Every write names its caller (the API's Request::caller, or "cli") for the audit row.
  Result<nlohmann::json> instances() const;                 // every instance (as in /api/v1/instances)
  Result<nlohmann::json> instance(const std::string& name) const;
  Result<nlohmann::json> load(const InstanceConfig& config, const std::string& caller);
  Result<nlohmann::json> unload(const std::string& name, const std::string& caller);
  Result<nlohmann::json> swap(const std::string& name, const std::string& version, const std::string& caller);
  Result<nlohmann::json> rollback(const std::string& name, const std::string& caller);
  Result<nlohmann::json> set_param(const std::string& name, const std::string& param, const std::string& value,
                                   const std::string& caller);
  Result<nlohmann::json> canary(const std::string& name, const std::string& version, const std::string& caller);
  Result<nlohmann::json> promote(const std::string& name, const std::string& caller);
  Result<nlohmann::json> drop_canary(const std::string& name, const std::string& caller);

  // Counters for /metrics (Prometheus text) and /api/v1/health.
  nlohmann::json health() const;
  std::string metrics_text() const;
  uint64_t bars_fed() const;
  uint64_t plugin_rescans() const { return watcher_ ? watcher_->changes() : 0; }
  uint64_t bars_processed() const { return bars_processed_.load(); }
  const std::string& run_id() const { return run_id_; }

  // Registers the live routes (instances, swap, ..., bars POST, metrics, events) on `router`.
  void add_routes(server::Router& router);

 private:
  struct Instance;
  struct Command {
    std::function<Status(EngineCore&)> apply;
    std::shared_ptr<std::promise<Status>> done;
  };

  Status start_impl();
  Status post(std::function<Status(EngineCore&)> apply);  // runs on the engine thread, waits
  void engine_loop();
  void on_trades(size_t lane, const std::vector<ClosedTrade>& trades);
  void on_event(const CoreEvent& e);
  void refresh_snapshot(EngineCore& core);
  // The instance's canary comparison (canary_report.h), or null before the canary saw a slice
  // (engine thread).
  nlohmann::json canary_json(const EngineCore& core, const Instance& inst) const;
  static constexpr int kPeriodsPerYear = 252;
  Result<LaneSpec> make_lane(Instance& inst, const Manifest& m, const std::map<std::string, std::string>& params);
  // How `m` runs for this instance: its config's "isolation", else the manifest's, else a worker
  // process for a plugin outside the built-in folders.
  IsolationOptions isolation_of(const Instance& inst, const Manifest& m);
  // The instance's enhancement stage (MEM, an enhancer plugin or none), its saved state continued.
  Status attach_enhancer(Instance& inst);
  // A new stage over a new instance of the enhancer plugin, for `inst` (partial mode).
  Result<std::unique_ptr<mem::PluginEnhancerStage>> make_plugin_stage(const Instance& inst, const Manifest& enhancer);
  nlohmann::json instance_json(const Instance& i) const;
  Result<RanVersion> record_version(const Manifest& m);
  std::string strategy_id_of(const std::string& name);
  Result<std::vector<uint32_t>> symbol_indexes(const std::vector<std::string>& names, const std::string& where) const;
  Result<const Manifest*> find_version(const std::string& strategy, const std::optional<std::string>& version);
  Status write_row(const Instance& inst, const std::string& action, const std::string& caller, const nlohmann::json& detail);
  void audit_refused(const std::string& name, const std::string& strategy, const std::string& action,
                     const std::string& caller, const Status& why);
  void publish(const std::string& kind, const nlohmann::json& data);
  void on_plugins_changed();  // the watcher's thread
  Instance* find_instance(const std::string& name);
  const Instance* find_instance(const std::string& name) const;
  // kSwap: the current version is pushed on the instance's earlier versions; kRollback: popped;
  // kRestart (the same version again, after a failure): neither.
  enum class Change { kSwap, kRollback, kRestart };
  Result<nlohmann::json> change_version(const std::string& name, const Manifest& to,
                                        std::map<std::string, std::string> params, const std::string& action,
                                        const std::string& caller, Change kind);
  struct Recovery {
    std::string instance, cause;
  };
  void recovery_loop();
  void recover(const Recovery& r);
  static constexpr int kCheckpointEvery = 256;  // slices between a lane's state checkpoints
  static constexpr int kMaxRestarts = 3;        // within kRestartWindow, then as on_failure "rollback"
  static constexpr std::chrono::seconds kRestartWindow{60};

  PluginService& plugins_;
  CatalogService& catalog_service_;
  ServeConfig config_;
  Options options_;
  std::shared_ptr<server::EventHub> events_;

  std::vector<std::string> symbols_, timeframes_;
  std::unique_ptr<EngineCore> core_;  // touched by the engine thread only, once started
  std::unique_ptr<SliceQueue> queue_;
  std::unique_ptr<LiveAligner> aligner_;
  std::unique_ptr<ReplayFeed> replay_;
  bool inline_replay_ = false;  // a replay as fast as possible, read by the engine thread itself
  MarketData replay_data_;      // its data
  std::atomic<uint64_t> inline_fed_{0};
  std::atomic<bool> inline_done_{false};
  std::unique_ptr<TcpBarFeed> tcp_feed_;
  std::unique_ptr<PluginWatcher> watcher_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<catalog::Catalog> catalog_;  // the host's own connection, for rows and audit (mu_)
  std::string run_id_;

  mutable std::mutex mu_;  // instances_, catalog_, snapshot_
  std::mutex control_mu_;  // one control change at a time (plugin loading is not thread-safe)
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<LaneId, Instance*> by_lane_;  // engine thread's view (changed only by commands)
  nlohmann::json snapshot_;              // per-instance stats, refreshed by the engine thread

  std::mutex cmd_mu_;
  std::deque<Command> commands_;
  std::atomic<bool> has_commands_{false};

  std::atomic<bool> stop_{false}, engine_done_{false}, started_{false}, interrupted_{false};
  std::atomic<uint64_t> bars_processed_{0}, slices_processed_{0}, swaps_{0}, rollbacks_{0}, errors_{0};
  std::atomic<uint64_t> swap_pause_ns_max_{0}, swap_pause_ns_sum_{0}, swap_pauses_{0};
  std::chrono::steady_clock::time_point last_snapshot_{};
  double engine_seconds_ = 0;  // the engine thread's life: from start() to the queue drained
  Status engine_status_;
  std::thread engine_;
  std::thread recoverer_;  // recovery_loop()
  std::mutex recover_mu_;
  std::condition_variable recover_cv_;
  std::deque<Recovery> recoveries_;
  bool recover_stop_ = false;
  std::atomic<uint64_t> restarts_{0};
  std::atomic<int> recovering_{0};  // failures queued or being recovered: the engine waits for them
  static constexpr std::chrono::seconds kRecoveryWait{10};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  bool finished_ = false;
  Status finish_status_;
};

}  // namespace algohost::live
