#include "host/live/live_host.h"

#include <unistd.h>

#include <algorithm>
#include <future>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "host/data/slice_aligner.h"
#include "host/data/timestamp.h"
#include "host/live/canary_report.h"
#include "host/mem/mem_stage.h"
#include "host/mem/plugin_enhancer_stage.h"
#include "host/service/enhancer_arm.h"
#include "host/service/mem_store.h"
#include "host/service/run_artifacts.h"
#include "host/service/run_service.h"
#include "host/service/trade_record.h"

namespace algohost::live {

using nlohmann::json;

// One named instance. Fields the engine thread reads on the bar path (ids, mem) are written only
// by commands running on the engine thread (or before it starts), under mu_; the control side
// reads them under mu_.
struct LiveHost::Instance {
  InstanceConfig config;
  const Manifest* manifest = nullptr;        // the running version
  // A version the instance ran before (rollback goes back to it): what, with which values, and
  // where its trades are recorded.
  struct Earlier {
    const Manifest* manifest;
    std::map<std::string, std::string> params;
    std::string version_id;
  };
  std::vector<Earlier> previous;  // newest last
  std::map<std::string, std::string> params;  // parameter values given (config, set-param)
  std::vector<uint32_t> symbols;               // indexes into the host's symbols
  LaneId lane = 0;
  bool has_lane = false;
  std::string strategy_id, version_id;  // of the running version: what its trades are recorded against
  std::unique_ptr<mem::MemStage> mem;   // enhancer "mem"; null = pass-through
  bool mem_loaded = false;              // its state was continued from the catalog
  const Manifest* canary = nullptr;
  std::string canary_version_id;  // where the canary's trades go once it is promoted
  // The canary's MEM when the instance runs MEM: a copy of `mem` taken when the canary began,
  // learning from the canary's trades; it becomes `mem` when the canary is promoted.
  std::unique_ptr<mem::MemStage> canary_mem;
  // Or an enhancer plugin (config "enhancer": NAME[@VERSION], or the manifest's
  // mem_integration.enhancer), in partial mode like MEM; its canary copy likewise.
  std::unique_ptr<mem::PluginEnhancerStage> plugin, canary_plugin;
  const Manifest* plugin_manifest = nullptr;  // the enhancer plugin's
  std::string plugin_name;                    // its name, for its saved state
  std::string status = "running";  // running | recovering | failed | unloaded
  std::string isolation = "inproc";  // how the running version runs: inproc | process
  int restarts = 0;                  // automatic restarts in the current window (on_failure "restart")
  std::chrono::steady_clock::time_point window_start{};
  std::string last_error;
};

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ah_slice over an OwnedSlice (valid while both live).
struct SliceView {
  std::vector<const char*> names;
  ah_slice slice{};
  void bind(const OwnedSlice& s) {
    slice.ts_ms = s.ts_ms;
    slice.n_symbols = static_cast<uint32_t>(names.size());
    slice.symbols = names.data();
    slice.bars = s.bars.data();
    slice.has_bar = s.has_bar.data();
    slice.carry = s.carry.empty() ? nullptr : s.carry.data();
  }
};

// A trade sink that has `stage` (MemStage or PluginEnhancerStage) learn each closed trade.
template <class Stage>
TradeSink learner(Stage* stage) {
  return [stage](size_t, const std::vector<ClosedTrade>& trades) {
    for (const auto& t : trades) stage->learn(t);
  };
}

}  // namespace

LiveHost::LiveHost(PluginService& plugins, CatalogService& catalog, ServeConfig config, Options options,
                   std::shared_ptr<server::EventHub> events)
    : plugins_(plugins), catalog_service_(catalog), config_(std::move(config)), options_(options), events_(std::move(events)) {}

LiveHost::~LiveHost() {
  if (started_.load()) {
    request_stop();
    (void)wait();
  }
}

void LiveHost::request_stop() { stop_.store(true); }

uint64_t LiveHost::bars_fed() const {
  uint64_t n = replay_ ? replay_->bars_fed() : inline_fed_.load(std::memory_order_relaxed);
  if (aligner_) n += aligner_->bars_accepted();
  return n;
}

void LiveHost::publish(const std::string& kind, const json& data) {
  if (events_) events_->publish(kind, data);
}

LiveHost::Instance* LiveHost::find_instance(const std::string& name) {
  for (auto& i : instances_)
    if (i->config.instance == name && i->status != "unloaded") return i.get();
  return nullptr;
}
const LiveHost::Instance* LiveHost::find_instance(const std::string& name) const {
  return const_cast<LiveHost*>(this)->find_instance(name);
}

Result<const Manifest*> LiveHost::find_version(const std::string& strategy, const std::optional<std::string>& version) {
  auto m = plugins_.find(version ? strategy + "@" + *version : strategy);
  if (m.ok() && (*m)->kind != "strategy") return Status::InvalidArgument(strategy + " is not a strategy");
  return m;
}

// The catalog version `m`'s trades are recorded against: its artifact as published (a changed one
// is refused, as by `run`).
Result<RanVersion> LiveHost::record_version(const Manifest& m) {
  auto sha = plugins_.artifact_sha256(m);
  if (!sha.ok()) return sha.status().with_context(m.file.string());
  std::lock_guard lk(mu_);
  return version_to_record(*catalog_, m, *sha, false);
}

std::string LiveHost::strategy_id_of(const std::string& name) {
  std::lock_guard lk(mu_);
  auto rec = catalog_->get(name);
  return rec.ok() ? rec->strategy_id : "";
}

// Indexes into the host's symbols of `names` (every symbol when empty); InvalidArgument naming
// `where`[j] for one the host does not have.
Result<std::vector<uint32_t>> LiveHost::symbol_indexes(const std::vector<std::string>& names, const std::string& where) const {
  std::vector<uint32_t> out;
  if (names.empty())
    for (uint32_t s = 0; s < symbols_.size(); ++s) out.push_back(s);
  for (size_t j = 0; j < names.size(); ++j) {
    auto it = std::find(symbols_.begin(), symbols_.end(), names[j]);
    if (it == symbols_.end())
      return Status::InvalidArgument(where + "[" + std::to_string(j) + "]: '" + names[j] +
                                     "' is not a symbol of the feed (it has: " + join(symbols_) + ")");
    out.push_back(static_cast<uint32_t>(it - symbols_.begin()));
  }
  return out;
}

// The new lane for `m` with `params`: its instances (created here, off the bar path) and stage.
Result<LaneSpec> LiveHost::make_lane(Instance& inst, const Manifest& m, const std::map<std::string, std::string>& params) {
  LaneSpec spec;
  spec.manifest = &m;
  spec.label = m.id();
  spec.version = m.version_text;
  spec.symbols = inst.symbols;
  spec.broker.capital = config_.capital;
  spec.broker.slippage_bps = config_.slippage_bps;
  spec.broker.commission_per_trade = config_.commission;
  spec.broker.commission_bps = config_.commission_bps;
  spec.broker.allow_short = m.short_selling;
  spec.broker.default_size = 1.0 / static_cast<double>(std::max<size_t>(1, inst.symbols.size()));
  if (m.symbols > 1 && inst.symbols.size() < static_cast<size_t>(m.symbols))
    return Status::InvalidArgument(m.id() + " needs " + std::to_string(m.symbols) + " symbols at once; instance " +
                                   inst.config.instance + " has " + std::to_string(inst.symbols.size()));
  const size_t n = m.symbols == 1 ? inst.symbols.size() : 1;
  const IsolationOptions iso = isolation_of(inst, m);
  for (size_t i = 0; i < n; ++i) {
    auto created = plugins_.instantiate(m, params, &iso);
    if (!created.ok()) return created.status().with_context("instance " + inst.config.instance);
    spec.instances.push_back(std::move(*created));
  }
  spec.stage = inst.mem ? static_cast<EnhancementStage*>(inst.mem.get()) : inst.plugin.get();
  // A failure halts the lane (positions kept) and the recovery thread restarts, rolls back or
  // stops it as the instance's on_failure says; checkpoints make a restart stand where it failed.
  spec.hold_on_failure = true;
  spec.checkpoint_every = kCheckpointEvery;
  return spec;
}

// The instance's enhancement stage: the config's "enhancer" ("mem", "none" or an enhancer plugin's
// NAME[@VERSION]), else per manifest (mem_integration: enabled, and its enhancer or the built-in
// MEM). Partial mode whatever the manifest says: online there is no held-out data to show skill on
// (the backtest's skill gate, docs/mem.md), so the stage learns and annotates each entry's
// confidence but never vetoes or resizes a signal. A saved state is continued (MEM's, or the
// plugin's under enhancer_arm.h's rule). Catalog access under mu_ (the engine may be running).
Status LiveHost::attach_enhancer(Instance& inst) {
  const Manifest& m = *inst.manifest;
  const std::string where = "instance " + inst.config.instance;
  const bool per_manifest = m.mem_enabled && m.mem_enhancement_type != "none";
  if (inst.config.enhancer ? *inst.config.enhancer == "none" : !per_manifest) return Status::Ok();
  auto choice = choose_enhancer(plugins_, m, inst.config.enhancer);
  if (!choice.ok()) return choice.status().with_context(where);
  std::vector<std::string> names;
  for (uint32_t s : inst.symbols) names.push_back(symbols_[s]);
  const double size = 1.0 / static_cast<double>(std::max<size_t>(1, inst.symbols.size()));
  if (!choice->manifest) {
    mem::MemConfig mc;
    mc.mode = mem::Mode::kPartial;
    mc.default_size = size;
    mc.symbols = names;
    inst.mem = std::make_unique<mem::MemStage>(mc);
    std::lock_guard lk(mu_);
    auto saved = load_mem_state(*catalog_, catalog_service_.location().data_dir, inst.strategy_id);
    if (saved.ok() && *saved) {
      if (Status st = inst.mem->load_json((**saved).state); !st.ok())
        spdlog::warn("{}: saved MEM state not loaded: {}", where, st.message());
      else
        inst.mem_loaded = true;
    }
    return Status::Ok();
  }
  auto made = make_plugin_stage(inst, *choice->manifest);
  if (!made.ok()) return made.status().with_context(where);
  inst.plugin = std::move(*made);
  inst.plugin_manifest = choice->manifest;
  inst.plugin_name = choice->manifest->name;
  std::lock_guard lk(mu_);
  auto restored = restore_enhancer_state(*inst.plugin, *catalog_, inst.strategy_id, inst.plugin_name, INT64_MAX);
  if (!restored.ok()) spdlog::warn("{}: saved state of {} not loaded: {}", where, inst.plugin->label(), restored.status().message());
  else inst.mem_loaded = restored->loaded;
  return Status::Ok();
}

Result<std::unique_ptr<mem::PluginEnhancerStage>> LiveHost::make_plugin_stage(const Instance& inst, const Manifest& enhancer) {
  // Isolated as the instance's strategy would be: its config's "isolation", else the enhancer's
  // manifest, else a worker for a plugin from outside the built-in folder.
  const IsolationOptions iso = plugins_.isolation_for(enhancer, parse_isolation(inst.config.isolation), Isolation::kProcess);
  auto plugin = plugins_.instantiate_enhancer(enhancer, {}, &iso);
  if (!plugin.ok()) return plugin.status();
  mem::PluginEnhancerConfig pc;
  pc.strategy = inst.manifest->id();
  pc.mode = mem::Mode::kPartial;
  pc.default_size = 1.0 / static_cast<double>(std::max<size_t>(1, inst.symbols.size()));
  for (uint32_t s : inst.symbols) pc.symbols.push_back(symbols_[s]);
  return std::make_unique<mem::PluginEnhancerStage>(std::move(*plugin), pc);
}

IsolationOptions LiveHost::isolation_of(const Instance& inst, const Manifest& m) {
  return plugins_.isolation_for(m, parse_isolation(inst.config.isolation), Isolation::kProcess);
}

Status LiveHost::write_row(const Instance& inst, const std::string& action, const std::string& caller, const json& detail) {
  catalog::LiveInstance row;
  row.instance = inst.config.instance;
  row.strategy_name = inst.manifest->name;
  if (!inst.strategy_id.empty()) row.strategy_id = inst.strategy_id;
  row.version_number = inst.manifest->version_text;
  if (!inst.version_id.empty()) row.version_id = inst.version_id;
  // The catalog's statuses (running | failed | stopped | unloaded): a halted instance being
  // recovered has failed until it runs again.
  row.status = inst.status == "recovering" ? "failed" : inst.status;
  if (inst.canary) row.canary_version = inst.canary->version_text;
  row.run_id = run_id_;
  row.pid = static_cast<int64_t>(::getpid());
  std::lock_guard lk(mu_);
  Status st = catalog_ ? catalog_->record_live_instance(row, action, caller, detail) : Status::Ok();
  if (!st.ok()) spdlog::warn("live instance {}: {}: {}", inst.config.instance, action, st.message());
  return st;
}

void LiveHost::audit_refused(const std::string& name, const std::string& strategy, const std::string& action,
                             const std::string& caller, const Status& why) {
  std::lock_guard lk(mu_);
  if (!catalog_) return;
  Status st = catalog_->audit_live(name, strategy, action, caller,
                                   json{{"outcome", "refused"}, {"code", status_code_name(why.code())}, {"error", why.message()}});
  if (!st.ok()) spdlog::warn("audit {} {}: {}", action, name, st.message());
}

Status LiveHost::start() {
  if (started_.load()) return Status::FailedPrecondition("the host is already started");
  Status st = start_impl();
  if (!st.ok() && !run_id_.empty() && catalog_) {  // the run was opened: it failed to start
    if (recorder_) (void)recorder_->finish();
    (void)catalog_->finish_run(run_id_, "failed", st.message(), json::object());
    (void)catalog_->stop_live_instances(run_id_);
  }
  return st;
}

Status LiveHost::start_impl() {
  const std::string file = config_.file.string();

  // The feed's symbols.
  MarketData md;
  if (config_.feed.type == "replay") {
    RunRequest rr;
    if (config_.feed.data) rr.data = config_.feed.data->string();
    rr.synthetic = config_.feed.synthetic;
    std::string description;
    CsvReport csv;
    auto loaded = RunService::load_data(rr, description, csv);
    if (!loaded.ok()) return loaded.status().with_context(file + ": feed");
    md = std::move(*loaded);
    for (const auto& s : md.series) {
      symbols_.push_back(s.symbol);
      timeframes_.push_back(timeframe_of(s));
    }
  } else {
    symbols_ = config_.feed.symbols;
    timeframes_.assign(symbols_.size(), "");
  }
  if (symbols_.empty()) return Status::InvalidArgument(file + ": feed: no symbols");

  auto cat = catalog_service_.catalog();  // synced with discovery: what is installed is published
  if (!cat.ok()) return cat.status();
  catalog::CatalogOptions co;
  co.actor = "serve";
  auto own = catalog::Catalog::open(catalog_service_.location().db, co);
  if (!own.ok()) return own.status();
  catalog_ = std::move(*own);

  // The instances, checked before anything runs.
  for (size_t k = 0; k < config_.strategies.size(); ++k) {
    const InstanceConfig& ic = config_.strategies[k];
    const std::string where = file + ": strategies[" + std::to_string(k) + "]";
    auto inst = std::make_unique<Instance>();
    inst->config = ic;
    if (inst->config.instance.empty()) inst->config.instance = ic.strategy;
    if (find_instance(inst->config.instance))
      return Status::InvalidArgument(where + ".instance: '" + inst->config.instance + "' is used twice");
    auto m = find_version(ic.strategy, ic.version);
    if (!m.ok()) return m.status().with_context(where);
    inst->manifest = *m;
    inst->isolation = isolation_name(isolation_of(*inst, **m).mode);
    inst->params = ic.parameters;
    auto syms = symbol_indexes(ic.symbols, where + ".symbols");
    if (!syms.ok()) return syms.status();
    inst->symbols = std::move(*syms);
    if (auto params = resolve_parameters(**m, inst->params); !params.ok()) return params.status().with_context(where);
    instances_.push_back(std::move(inst));
  }

  json strategies = json::array();
  for (const auto& i : instances_)
    strategies.push_back({{"instance", i->config.instance}, {"strategy", i->manifest->id()}});
  json data{{"feed", config_.feed.type}, {"symbols", symbols_}};
  if (config_.feed.data) data["source"] = config_.feed.data->string();
  if (config_.feed.synthetic) data["source"] = "synthetic:" + *config_.feed.synthetic;
  json cfg{{"config_file", file}, {"capital", config_.capital}, {"rate", config_.feed.rate}};
  auto run = catalog_->start_run("serve", strategies, data, cfg, kEngineVersion);
  if (!run.ok()) return run.status();
  run_id_ = *run;

  Recorder::Options ro;
  ro.actor = "serve";
  ro.heartbeat_run = run_id_;
  auto rec = Recorder::open(catalog_service_.location().db, ro);
  if (!rec.ok()) return rec.status();
  recorder_ = std::move(*rec);

  EngineOptions eo;
  eo.periods_per_year = kPeriodsPerYear;
  core_ = std::make_unique<EngineCore>(
      symbols_, eo, [this](size_t lane, const std::vector<ClosedTrade>& t) { on_trades(lane, t); },
      [this](const CoreEvent& e) { on_event(e); });

  for (auto& inst : instances_) {
    const Manifest& m = *inst->manifest;
    auto ran = record_version(m);
    if (!ran.ok()) return ran.status().with_context("instance " + inst->config.instance);
    inst->version_id = ran->version_id;
    inst->strategy_id = strategy_id_of(m.name);
    if (Status st = attach_enhancer(*inst); !st.ok()) return st;
    auto lane = make_lane(*inst, m, inst->params);
    if (!lane.ok()) return lane.status();
    auto id = core_->add(std::move(*lane));
    if (!id.ok()) return id.status().with_context("instance " + inst->config.instance);
    inst->lane = *id;
    inst->has_lane = true;
    by_lane_[*id] = inst.get();
    (void)write_row(*inst, "live_load", "serve", json{{"version", m.version_text}, {"outcome", "ok"}, {"from", "config"}});
  }

  queue_ = std::make_unique<SliceQueue>(options_.queue_capacity);
  SliceQueue* q = queue_.get();
  aligner_ = std::make_unique<LiveAligner>(symbols_, [q](OwnedSlice s) { return q->push(std::move(s)); });
  // A replay as fast as possible is read by the engine thread itself (engine_loop): no hand-over
  // between threads, one slice at a time all the same, commands still applied between two slices.
  inline_replay_ = config_.feed.type == "replay" && config_.feed.rate == 0 && !config_.feed.loop && !config_.bars_listen;
  if (inline_replay_) {
    replay_data_ = std::move(md);
  } else if (config_.feed.type == "replay") {
    ReplayFeed::Options fo;
    fo.rate = config_.feed.rate;
    fo.loop = config_.feed.loop;
    replay_ = std::make_unique<ReplayFeed>(std::move(md), fo, [q](OwnedSlice s) { return q->push(std::move(s)); });
  }
  if (config_.bars_listen) {
    auto ep = parse_endpoint(*config_.bars_listen, file + ": bars_listen");
    if (!ep.ok()) return ep.status();
    tcp_feed_ = std::make_unique<TcpBarFeed>(ep->first, ep->second, *aligner_);
    if (Status st = tcp_feed_->start(); !st.ok()) return st;
  }
  started_.store(true);
  engine_ = std::thread([this] { engine_loop(); });
  recoverer_ = std::thread([this] { recovery_loop(); });
  if (replay_) replay_->start();
  if (options_.watch) {
    watcher_ = std::make_unique<PluginWatcher>(plugins_.search_dirs(), [this] { on_plugins_changed(); });
    if (Status st = watcher_->start(); !st.ok()) spdlog::warn("serve --watch: {}", st.message());
  }
  return Status::Ok();
}

// serve --watch: the plugin folders changed. Discovery runs again, the catalog is synced (a new
// version is validated, load-checked and published, or refused with the reason logged), and every
// instance with "watch": true whose strategy now has a newer version swaps to it.
void LiveHost::on_plugins_changed() {
  std::lock_guard control(control_mu_);
  {
    std::unique_lock<std::mutex> cat_lock;
    if (options_.catalog_lock) cat_lock = std::unique_lock(*options_.catalog_lock);
    plugins_.rescan();
    if (Status st = catalog_service_.resync(); !st.ok()) spdlog::warn("serve --watch: catalog sync: {}", st.message());
  }
  publish("plugins_changed", json{{"rescans", plugin_rescans()}});
  std::vector<std::pair<std::string, const Manifest*>> due;
  {
    std::lock_guard lk(mu_);
    for (const auto& inst : instances_) {
      if (!inst->config.watch || inst->status != "running") continue;
      auto newest = plugins_.find(inst->manifest->name);
      if (newest.ok() && inst->manifest->version < (*newest)->version) due.emplace_back(inst->config.instance, *newest);
    }
  }
  for (const auto& [name, to] : due) {
    Instance* inst = find_instance(name);
    if (!inst) continue;
    auto r = change_version(name, *to, inst->params, "live_watch_swap", "watch", Change::kSwap);
    if (!r.ok()) spdlog::warn("serve --watch: {} to {}: {}", name, to->id(), r.status().message());
    else spdlog::info("serve --watch: {} now runs {}", name, to->id());
  }
}

Status LiveHost::post(std::function<Status(EngineCore&)> apply) {
  if (!started_.load() || engine_done_.load()) return Status::FailedPrecondition("the host is not running");
  Command c{std::move(apply), std::make_shared<std::promise<Status>>()};
  auto fut = c.done->get_future();
  {
    std::lock_guard lk(cmd_mu_);
    commands_.push_back(std::move(c));
    has_commands_.store(true, std::memory_order_release);
  }
  if (fut.wait_for(options_.command_timeout) != std::future_status::ready)
    return Status::Internal("the engine thread did not answer within " +
                            std::to_string(options_.command_timeout.count()) + " ms");
  return fut.get();
}

void LiveHost::engine_loop() {
  EngineCore& core = *core_;
  const auto t0 = std::chrono::steady_clock::now();
  SliceView view;
  for (const auto& s : symbols_) view.names.push_back(s.c_str());
  auto run_commands = [&] {
    if (!has_commands_.load(std::memory_order_acquire)) return;
    std::deque<Command> todo;
    {
      std::lock_guard lk(cmd_mu_);
      todo.swap(commands_);
      has_commands_.store(false, std::memory_order_release);
    }
    for (auto& c : todo) {
      Status st = c.apply(core);
      c.done->set_value(st);
    }
    refresh_snapshot(core);
  };
  auto maybe_snapshot = [&] {
    if (std::chrono::steady_clock::now() - last_snapshot_ > std::chrono::milliseconds(50)) refresh_snapshot(core);
  };
  // One slice through the core: the counters, a refused slice reported. Returns its bars.
  auto step = [&](const ah_slice& slice) {
    // An instance that failed is being recovered: wait for it (taking the recovery's commands),
    // so the restarted version misses no slice; bounded, so a stuck recovery cannot stall the feed.
    if (recovering_.load(std::memory_order_acquire) > 0) [[unlikely]] {
      const auto until = std::chrono::steady_clock::now() + kRecoveryWait;
      while (recovering_.load() > 0 && std::chrono::steady_clock::now() < until && !engine_done_.load()) {
        run_commands();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      run_commands();
    }
    uint64_t n = 0;
    for (uint32_t k = 0; k < slice.n_symbols; ++k) n += slice.has_bar[k];
    if (Status st = core.step(slice); !st.ok()) {
      errors_.fetch_add(1);
      spdlog::warn("serve: slice at {} refused: {}", format_timestamp_ms(slice.ts_ms), st.message());
      publish("error", json{{"ts", format_timestamp_ms(slice.ts_ms)}, {"error", st.message()}});
    } else {
      bars_processed_.fetch_add(n, std::memory_order_relaxed);
      slices_processed_.fetch_add(1, std::memory_order_relaxed);
    }
    return n;
  };
  if (inline_replay_) {
    std::vector<const BarSeries*> series;
    for (const auto& sr : replay_data_.series) series.push_back(&sr);
    SliceAligner aligner(series);
    for (uint64_t i = 1; !stop_.load(std::memory_order_relaxed) && aligner.next(); ++i) {
      run_commands();
      inline_fed_.fetch_add(step(aligner.slice()), std::memory_order_relaxed);
      if ((i & 1023) == 0) maybe_snapshot();  // the clock read once every 1,024 slices
    }
    inline_done_.store(!stop_.load());
    if (options_.exit_at_end) stop_.store(true);
  }
  while (true) {
    run_commands();
    auto s = queue_->pop(std::chrono::milliseconds(20));
    if (!s) {
      if (queue_->closed()) break;
      if (options_.exit_at_end && replay_ && replay_->done() && queue_->depth() == 0) stop_.store(true);
      refresh_snapshot(core);
      continue;
    }
    view.bind(*s);
    step(view.slice);
    maybe_snapshot();
  }
  engine_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run_commands();
  // The end: every lane closed at its last marks, its last trades recorded; the last snapshot
  // counts the trades those closes made.
  refresh_snapshot(core);
  std::map<std::string, size_t> closed;
  for (auto& [lane, inst] : by_lane_) {
    auto out = core.remove(lane);
    if (!out.ok()) spdlog::warn("serve: closing {}: {}", inst->config.instance, out.status().message());
    else if (out->account) closed[inst->config.instance] = out->account->closed().size();
  }
  {
    std::lock_guard lk(mu_);
    for (auto& [name, n] : closed)
      if (snapshot_.contains(name)) snapshot_[name]["trades"] = n;
  }
  {
    std::lock_guard lk(cmd_mu_);
    engine_done_.store(true);
    for (auto& c : commands_) c.done->set_value(Status::FailedPrecondition("the host is stopping"));
    commands_.clear();
  }
}

void LiveHost::refresh_snapshot(EngineCore& core) {
  last_snapshot_ = std::chrono::steady_clock::now();
  json snap = json::object();
  for (const auto& [lane, inst] : by_lane_) {
    auto st = core.stats(lane);
    if (!st.ok()) continue;
    json j{{"slices", st->slices}, {"bars", st->bars},     {"signals", st->signals}, {"trades", st->trades},
           {"errors", st->errors}, {"equity", st->equity}, {"core_status", st->status}};
    j["last_error"] = st->last_error.empty() ? json(nullptr) : json(st->last_error);
    j["last_bar"] = st->last_ts_ms ? json(format_timestamp_ms(st->last_ts_ms)) : json(nullptr);
    if (st->canary_label) {
      j["canary"] = {{"label", *st->canary_label}, {"equity", st->canary_equity}, {"trades", st->canary_trades},
                     {"signals", st->canary_signals}};
      j["canary"]["comparison"] = canary_json(core, *inst);
    }
    if (inst->plugin) {
      const auto& c = inst->plugin->counters();
      j["enhancer_plugin"] = {{"label", inst->plugin->label()}, {"mode", "partial"},       {"calls", c.calls},
                              {"entries", c.entries},             {"changed", c.changed},   {"learned", c.learned},
                              {"skipped", c.skipped},             {"failures", c.failures}, {"state_loaded", inst->mem_loaded},
                              {"disabled", inst->plugin->disabled() ? json(inst->plugin->disabled_reason()) : json(nullptr)}};
    }
    if (inst->mem) {
      const auto& c = inst->mem->counters();
      j["mem"] = {{"mode", "partial"},     {"entries_seen", c.entries_seen}, {"enhanced", c.enhanced},
                  {"vetoed", c.vetoed},     {"learned", c.learned},           {"skipped", c.skipped},
                  {"state_loaded", inst->mem_loaded}};
    }
    snap[inst->config.instance] = std::move(j);
  }
  std::lock_guard lk(mu_);
  snapshot_ = std::move(snap);
}

json LiveHost::canary_json(const EngineCore& core, const Instance& inst) const {
  auto view = core.canary(inst.lane);
  if (!view) return nullptr;  // no slice seen yet
  return canary_comparison(*view, core.stats(inst.lane).ok() ? core.stats(inst.lane)->label : inst.manifest->id(),
                           kPeriodsPerYear, 0.0, inst.mem != nullptr || inst.plugin != nullptr);
}

void LiveHost::on_trades(size_t lane, const std::vector<ClosedTrade>& trades) {
  auto it = by_lane_.find(static_cast<LaneId>(lane));
  if (it == by_lane_.end()) return;
  Instance& inst = *it->second;
  for (const auto& t : trades) {
    if (inst.mem) inst.mem->learn(t);
    if (inst.plugin) inst.plugin->learn(t);
    const std::string& sym = t.symbol < symbols_.size() ? symbols_[t.symbol] : symbols_.front();
    recorder_->push(to_trade_record(t, sym, t.symbol < timeframes_.size() ? timeframes_[t.symbol] : "", inst.strategy_id,
                                    inst.version_id, run_id_));
  }
  if (events_ && events_->subscribers() > 0)
    for (const auto& t : trades)
      publish("trade", json{{"instance", inst.config.instance},
                            {"symbol", t.symbol < symbols_.size() ? symbols_[t.symbol] : ""},
                            {"quantity", t.quantity},
                            {"entry", format_timestamp_ms(t.entry_ms)},
                            {"exit", format_timestamp_ms(t.exit_ms)},
                            {"pnl", t.pnl},
                            {"exit_reason", t.exit_reason}});
}

// Core events arrive on the engine thread. A rollback the core did by itself (the new version
// failed on probation) puts the instance back on its previous version; the catalog row and audit
// row are written by the control side's bookkeeping below (here: only state and the stream).
void LiveHost::on_event(const CoreEvent& e) {
  auto it = by_lane_.find(e.lane);
  const std::string name = it != by_lane_.end() ? it->second->config.instance : "";
  json j{{"instance", name}, {"kind", e.kind}, {"from", e.from}, {"to", e.to}, {"ok", e.ok}, {"detail", e.detail},
         {"ts", e.ts_ms ? json(format_timestamp_ms(e.ts_ms)) : json(nullptr)}};
  if (e.kind == "rollback" && it != by_lane_.end()) {
    Instance& inst = *it->second;
    rollbacks_.fetch_add(1);
    errors_.fetch_add(1);
    {
      std::lock_guard lk(mu_);
      if (!inst.previous.empty()) {
        inst.manifest = inst.previous.back().manifest;
        inst.params = std::move(inst.previous.back().params);
        inst.version_id = std::move(inst.previous.back().version_id);
        inst.previous.pop_back();
      }
      inst.last_error = e.detail;
    }
    // Written from here: rare, and the bar path has already moved on to the old version.
    (void)write_row(inst, "live_rollback", "serve", json{{"from", e.from}, {"to", e.to}, {"outcome", "rolled back"},
                                                         {"why", e.detail}, {"automatic", true}});
  } else if (e.kind == "drop_canary" && !e.ok && it != by_lane_.end()) {
    // The canary failed and the core dropped it by itself (its stage is no longer referenced).
    Instance& inst = *it->second;
    errors_.fetch_add(1);
    std::unique_ptr<mem::MemStage> dropped;
    std::unique_ptr<mem::PluginEnhancerStage> dropped_plugin;
    {
      std::lock_guard lk(mu_);
      inst.canary = nullptr;
      dropped = std::move(inst.canary_mem);
      dropped_plugin = std::move(inst.canary_plugin);
      inst.last_error = "canary " + e.from + ": " + e.detail;
    }
    (void)write_row(inst, "live_drop_canary", "serve",
                    json{{"canary", e.from}, {"outcome", "dropped: failed"}, {"why", e.detail}, {"automatic", true}});
  } else if (e.kind == "failure" && it != by_lane_.end()) {
    Instance& inst = *it->second;
    if (e.held) {  // halted: the recovery thread decides (restart, rollback or stop)
      errors_.fetch_add(1);
      {
        std::lock_guard lk(mu_);
        inst.status = "recovering";
        inst.last_error = e.detail;
      }
      (void)write_row(inst, "live_failure", "serve",
                      json{{"version", inst.manifest->version_text}, {"why", e.detail}, {"on_failure", inst.config.on_failure}});
      {
        std::lock_guard lk(recover_mu_);
        if (!recover_stop_) {  // stopping: the halted lane is closed at the end with the others
          recoveries_.push_back({inst.config.instance, e.detail});
          recovering_.fetch_add(1);
        }
      }
      recover_cv_.notify_one();
    } else {  // stopped (stop_lane, by the recovery thread: it wrote its own row)
      std::lock_guard lk(mu_);
      inst.status = "failed";
      inst.last_error = e.detail;
    }
  }
  publish(e.kind, j);
}

// One instance as the API shows it (mu_ held).
json LiveHost::instance_json(const Instance& i) const {
  // The parameter values given (config, set-param), typed as the manifest types them (10, not
  // "10"); a value the manifest no longer resolves is shown as given.
  auto typed_params = [](const Instance& i) {
    json out = json::object();
    auto resolved = resolve_parameters(*i.manifest, i.params);
    for (const auto& [k, v] : i.params) {
      if (resolved.ok() && resolved->contains(k))
        out[k] = json((*resolved)[k]);
      else
        out[k] = v;
    }
    return out;
  };
  json j{{"instance", i.config.instance}, {"strategy", i.manifest->name}, {"version", i.manifest->version_text},
         {"status", i.status}, {"isolation", i.isolation}, {"symbols", json::array()}, {"parameters", typed_params(i)},
         {"enhancer", i.mem ? json("mem") : i.plugin ? json(i.plugin->label()) : json(nullptr)},
         {"canary_version", i.canary ? json(i.canary->version_text) : json(nullptr)},
         {"previous_versions", json::array()}, {"last_error", i.last_error.empty() ? json(nullptr) : json(i.last_error)}};
  for (uint32_t s : i.symbols) j["symbols"].push_back(symbols_[s]);
  for (const auto& p : i.previous) j["previous_versions"].push_back(p.manifest->version_text);
  if (auto it = snapshot_.find(i.config.instance); it != snapshot_.end()) j["stats"] = *it;
  return j;
}

Result<json> LiveHost::instances() const {
  std::lock_guard lk(mu_);
  json out = json::array();
  for (const auto& i : instances_)
    if (i->status != "unloaded") out.push_back(instance_json(*i));
  return out;
}

Result<json> LiveHost::instance(const std::string& name) const {
  std::lock_guard lk(mu_);
  if (const Instance* i = find_instance(name)) return instance_json(*i);
  return Status::NotFound("no instance '" + name + "' runs in this host");
}

Result<json> LiveHost::change_version(const std::string& name, const Manifest& to, std::map<std::string, std::string> params,
                                      const std::string& action, const std::string& caller, Change kind) {
  const bool is_rollback = kind == Change::kRollback;
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  if (inst->status == "failed") return Status::FailedPrecondition("instance '" + name + "' has failed; unload and load it again");
  if (auto checked = resolve_parameters(to, params); !checked.ok()) return checked.status();
  auto ran = record_version(to);
  if (!ran.ok()) return ran.status();
  auto lane = make_lane(*inst, to, params);  // off the bar path
  if (!lane.ok()) return lane.status();
  const IsolationOptions iso = isolation_of(*inst, to);
  const Manifest* from = inst->manifest;
  SwapOptions so;
  so.probation_slices = inst->config.probation_slices;
  // State is handed over also when parameter values change (set-param, or its rollback): a
  // plugin refuses a state exported with other values of the parameters that shape it (docs/abi.md),
  // and the core then warms the new instance up instead.
  so.hand_over_state = true;
  std::vector<std::unique_ptr<StrategyInstance>> retired;
  const std::string version_id = ran->version_id;
  Status st = post([&, inst](EngineCore& core) {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = core.begin_swap(inst->lane, std::move(*lane), so);
    const auto ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    swap_pauses_.fetch_add(1);
    swap_pause_ns_sum_.fetch_add(ns);
    uint64_t prev = swap_pause_ns_max_.load();
    while (ns > prev && !swap_pause_ns_max_.compare_exchange_weak(prev, ns)) {
    }
    if (s.ok()) {
      std::lock_guard lk(mu_);
      if (is_rollback) inst->previous.pop_back();
      else if (kind == Change::kSwap) inst->previous.push_back({inst->manifest, inst->params, inst->version_id});
      inst->status = "running";
      inst->manifest = &to;
      inst->isolation = isolation_name(iso.mode);
      inst->params = params;
      inst->version_id = version_id;
      inst->last_error.clear();
    }
    retired = core.take_retired();
    return s;
  });
  retired.clear();  // destroyed here, off the bar path
  json detail{{"from", from->version_text}, {"to", to.version_text}, {"parameters", params}};
  if (!st.ok()) {
    detail["outcome"] = "failed";
    detail["error"] = st.message();
    audit_refused(name, to.name, action, caller, st);
    publish(action, json{{"instance", name}, {"ok", false}, {"error", st.message()}, {"from", from->id()}, {"to", to.id()}});
    return st;
  }
  if (is_rollback) rollbacks_.fetch_add(1);
  else if (kind == Change::kRestart) restarts_.fetch_add(1);
  else swaps_.fetch_add(1);
  detail["outcome"] = "ok";
  (void)write_row(*inst, action, caller, detail);
  publish(action, json{{"instance", name}, {"ok", true}, {"from", from->id()}, {"to", to.id()}, {"caller", caller}});
  return instance(name);
}

Result<json> LiveHost::swap(const std::string& name, const std::string& version, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) {
    Status st = Status::NotFound("no instance '" + name + "' runs in this host");
    audit_refused(name, "", "live_swap", caller, st);
    return st;
  }
  auto to = find_version(inst->manifest->name, version);
  if (!to.ok()) {
    audit_refused(name, inst->manifest->name, "live_swap", caller, to.status());
    return to.status();
  }
  return change_version(name, **to, inst->params, "live_swap", caller, Change::kSwap);
}

Result<json> LiveHost::rollback(const std::string& name, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  if (inst->previous.empty()) {
    Status st = Status::FailedPrecondition("instance '" + name + "' runs " + inst->manifest->id() +
                                           " and has no earlier version to roll back to");
    audit_refused(name, inst->manifest->name, "live_rollback", caller, st);
    return st;
  }
  const Instance::Earlier& back = inst->previous.back();
  return change_version(name, *back.manifest, back.params, "live_rollback", caller, Change::kRollback);
}

Result<json> LiveHost::set_param(const std::string& name, const std::string& param, const std::string& value,
                                 const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  if (!inst->manifest->find_parameter(param)) {
    std::vector<std::string> known;
    for (const auto& p : inst->manifest->parameters) known.push_back(p.name);
    Status st = Status::InvalidArgument(inst->manifest->id() + " has no parameter '" + param + "' (it has: " + join(known) + ")");
    audit_refused(name, inst->manifest->name, "live_set_param", caller, st);
    return st;
  }
  auto params = inst->params;
  params[param] = value;
  if (auto checked = resolve_parameters(*inst->manifest, params); !checked.ok()) {
    audit_refused(name, inst->manifest->name, "live_set_param", caller, checked.status());
    return checked.status();
  }
  // The same version with the new value: a swap, state handed over.
  return change_version(name, *inst->manifest, params, "live_set_param", caller, Change::kSwap);
}

Result<json> LiveHost::load(const InstanceConfig& config, const std::string& caller) {
  std::lock_guard control(control_mu_);
  InstanceConfig ic = config;
  if (ic.instance.empty()) ic.instance = ic.strategy;
  if (find_instance(ic.instance)) {
    Status st = Status::AlreadyExists("instance '" + ic.instance + "' already runs");
    audit_refused(ic.instance, ic.strategy, "live_load", caller, st);
    return st;
  }
  auto m = find_version(ic.strategy, ic.version);
  if (!m.ok()) {
    audit_refused(ic.instance, ic.strategy, "live_load", caller, m.status());
    return m.status();
  }
  auto inst = std::make_unique<Instance>();
  inst->config = ic;
  inst->manifest = *m;
  inst->isolation = isolation_name(isolation_of(*inst, **m).mode);
  inst->params = ic.parameters;
  auto syms = symbol_indexes(ic.symbols, "symbols");
  if (!syms.ok()) {
    audit_refused(ic.instance, ic.strategy, "live_load", caller, syms.status());
    return syms.status();
  }
  inst->symbols = std::move(*syms);
  if (auto checked = resolve_parameters(**m, inst->params); !checked.ok()) {
    audit_refused(ic.instance, ic.strategy, "live_load", caller, checked.status());
    return checked.status();
  }
  auto ran = record_version(**m);
  if (!ran.ok()) return ran.status();
  inst->version_id = ran->version_id;
  inst->strategy_id = strategy_id_of((*m)->name);
  if (Status st = attach_enhancer(*inst); !st.ok()) {
    audit_refused(ic.instance, ic.strategy, "live_load", caller, st);
    return st;
  }
  auto lane = make_lane(*inst, **m, inst->params);
  if (!lane.ok()) {
    audit_refused(ic.instance, ic.strategy, "live_load", caller, lane.status());
    return lane.status();
  }
  Instance* raw = inst.get();
  {
    std::lock_guard lk(mu_);
    instances_.push_back(std::move(inst));
  }
  Status st = post([&, raw](EngineCore& core) {
    auto id = core.add(std::move(*lane));
    if (!id.ok()) return id.status();
    raw->lane = *id;
    raw->has_lane = true;
    by_lane_[*id] = raw;
    return Status::Ok();
  });
  if (!st.ok()) {
    std::lock_guard lk(mu_);
    raw->status = "unloaded";
    audit_refused(ic.instance, ic.strategy, "live_load", caller, st);
    return st;
  }
  (void)write_row(*raw, "live_load", caller, json{{"version", raw->manifest->version_text}, {"outcome", "ok"}});
  publish("load", json{{"instance", ic.instance}, {"version", raw->manifest->id()}, {"caller", caller}});
  return instance(ic.instance);
}

Result<json> LiveHost::unload(const std::string& name, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  json result;
  Status st = post([&, inst](EngineCore& core) {
    auto out = core.remove(inst->lane);  // final trades go to the sink, which still knows the lane
    by_lane_.erase(inst->lane);
    if (!out.ok()) return out.status();
    result = {{"instance", name}, {"trades", out->account ? out->account->closed().size() : 0},
              {"final_equity", out->account ? out->account->equity() : 0.0}, {"metrics", out->metrics.to_json()}};
    std::lock_guard lk(mu_);
    inst->status = "unloaded";
    return Status::Ok();
  });
  if (!st.ok()) {
    audit_refused(name, inst->manifest->name, "live_unload", caller, st);
    return st;
  }
  (void)write_row(*inst, "live_unload", caller, json{{"version", inst->manifest->version_text}, {"outcome", "ok"}});
  publish("unload", json{{"instance", name}, {"caller", caller}});
  return result;
}

Result<json> LiveHost::canary(const std::string& name, const std::string& version, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  auto to = find_version(inst->manifest->name, version);
  if (!to.ok()) {
    audit_refused(name, inst->manifest->name, "live_canary", caller, to.status());
    return to.status();
  }
  auto ran = record_version(**to);
  if (!ran.ok()) {
    audit_refused(name, inst->manifest->name, "live_canary", caller, ran.status());
    return ran.status();
  }
  auto lane = make_lane(*inst, **to, inst->params);
  if (!lane.ok()) return lane.status();
  // An enhancer plugin's canary copy: another instance of the plugin (created here, off the bar
  // path), given the instance's plugin state on the engine thread below.
  std::unique_ptr<mem::PluginEnhancerStage> cp;
  if (inst->plugin) {
    auto made = make_plugin_stage(*inst, *inst->plugin_manifest);
    if (!made.ok()) {
      audit_refused(name, inst->manifest->name, "live_canary", caller, made.status());
      return made.status();
    }
    cp = std::move(*made);
  }
  const Manifest* m = *to;
  Status st = post([&, inst, m](EngineCore& core) {
    // The canary is enhanced like the instance: by a copy of the instance's MEM (or enhancer
    // plugin) as it stands, taken here on the engine thread that owns it, learning from the
    // canary's trades.
    std::unique_ptr<mem::MemStage> cm;
    EnhancementStage* stage = nullptr;
    TradeSink learn;
    if (inst->mem) {
      cm = std::make_unique<mem::MemStage>(inst->mem->config());
      if (Status ls = cm->load_json(inst->mem->to_json()); !ls.ok()) return ls.with_context("copying MEM for the canary");
      stage = cm.get();
      learn = learner(cm.get());
    } else if (cp) {
      auto state = inst->plugin->plugin().export_state();
      if (state.ok() && !state->empty()) {
        if (Status is = cp->plugin().import_state(*state); !is.ok()) return is.with_context("copying the enhancer for the canary");
      }
      cp->skip_through(inst->plugin->last_learned_exit_ms());
      stage = cp.get();
      learn = learner(cp.get());
    }
    lane->stage = stage;
    Status s = core.begin_canary(inst->lane, std::move(*lane), std::move(learn));
    if (s.ok()) {
      std::lock_guard lk(mu_);
      inst->canary = m;
      inst->canary_version_id = ran->version_id;
      inst->canary_mem = std::move(cm);
      inst->canary_plugin = std::move(cp);
    }
    return s;
  });
  if (!st.ok()) {
    audit_refused(name, inst->manifest->name, "live_canary", caller, st);
    return st;
  }
  (void)write_row(*inst, "live_canary", caller, json{{"from", inst->manifest->version_text}, {"canary", m->version_text}, {"outcome", "ok"}});
  publish("canary", json{{"instance", name}, {"canary", m->id()}, {"caller", caller}});
  return instance(name);
}

Result<json> LiveHost::promote(const std::string& name, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  if (!inst->canary) return Status::FailedPrecondition("instance '" + name + "' has no canary to promote");
  const Manifest* to = inst->canary;
  const Manifest* from = inst->manifest;
  const std::string version_id = inst->canary_version_id;
  std::vector<std::unique_ptr<StrategyInstance>> retired;
  std::unique_ptr<mem::MemStage> replaced_mem;
  std::unique_ptr<mem::PluginEnhancerStage> replaced_plugin;
  json comparison;
  Status st = post([&, inst](EngineCore& core) {
    comparison = canary_json(core, *inst);  // what the operator promoted on
    Status s = core.promote(inst->lane);
    if (s.ok()) {
      std::lock_guard lk(mu_);
      inst->previous.push_back({from, inst->params, inst->version_id});
      inst->manifest = to;
      inst->canary = nullptr;
      inst->version_id = version_id;
      // The canary's MEM is the lane's stage now (its instances took over with it).
      if (inst->canary_mem) {
        replaced_mem = std::move(inst->mem);
        inst->mem = std::move(inst->canary_mem);
      }
      if (inst->canary_plugin) {
        replaced_plugin = std::move(inst->plugin);
        inst->plugin = std::move(inst->canary_plugin);
      }
    }
    retired = core.take_retired();
    return s;
  });
  retired.clear();
  replaced_mem.reset();
  replaced_plugin.reset();
  if (!st.ok()) {
    audit_refused(name, from->name, "live_promote", caller, st);
    return st;
  }
  swaps_.fetch_add(1);
  (void)write_row(*inst, "live_promote", caller,
                  json{{"from", from->version_text}, {"to", to->version_text}, {"outcome", "ok"}, {"comparison", comparison}});
  publish("promote", json{{"instance", name}, {"from", from->id()}, {"to", to->id()}, {"caller", caller},
                          {"verdict", comparison.is_object() ? comparison["verdict"]["verdict"] : json(nullptr)}});
  return instance(name);
}

Result<json> LiveHost::drop_canary(const std::string& name, const std::string& caller) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(name);
  if (!inst) return Status::NotFound("no instance '" + name + "' runs in this host");
  if (!inst->canary) return Status::FailedPrecondition("instance '" + name + "' has no canary");
  const std::string dropped = inst->canary->version_text;
  std::vector<std::unique_ptr<StrategyInstance>> retired;
  std::unique_ptr<mem::MemStage> dropped_mem;
  std::unique_ptr<mem::PluginEnhancerStage> dropped_plugin;
  json comparison;
  Status st = post([&, inst](EngineCore& core) {
    comparison = canary_json(core, *inst);
    Status s = core.drop_canary(inst->lane);
    if (s.ok()) {
      std::lock_guard lk(mu_);
      inst->canary = nullptr;
      dropped_mem = std::move(inst->canary_mem);
      dropped_plugin = std::move(inst->canary_plugin);
    }
    retired = core.take_retired();
    return s;
  });
  retired.clear();
  dropped_mem.reset();
  dropped_plugin.reset();
  if (!st.ok()) return st;
  (void)write_row(*inst, "live_drop_canary", caller, json{{"canary", dropped}, {"outcome", "ok"}, {"comparison", comparison}});
  publish("drop_canary", json{{"instance", name}, {"canary", dropped}, {"caller", caller}});
  return instance(name);
}

json LiveHost::health() const {
  return json{{"status", stop_.load() ? "stopping" : "running"},
              {"run_id", run_id_},
              {"pid", static_cast<int64_t>(::getpid())},
              {"symbols", symbols_},
              {"bars_fed", bars_fed()},
              {"bars_processed", bars_processed_.load()},
              {"slices_processed", slices_processed_.load()},
              {"queue_depth", queue_ ? queue_->depth() : 0},
              {"recorder_queue_depth", recorder_ ? recorder_->queued() : 0},
              {"trades_recorded", recorder_ ? recorder_->recorded() : 0},
              {"replay_done", replay_ ? json(replay_->done()) : inline_replay_ ? json(inline_done_.load()) : json(nullptr)},
              {"bars_listen", tcp_feed_ && config_.bars_listen
                                  ? json(config_.bars_listen->substr(0, config_.bars_listen->rfind(':')) + ":" +
                                         std::to_string(tcp_feed_->port()))
                                  : json(nullptr)}};
}

std::string LiveHost::metrics_text() const {
  std::ostringstream o;
  auto counter = [&](const char* name, const char* help, const char* type, double v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
  };
  counter("algohost_bars_fed_total", "Bars delivered by the feeds.", "counter", static_cast<double>(bars_fed()));
  counter("algohost_bars_processed_total", "Bars processed by the engine.", "counter", static_cast<double>(bars_processed_.load()));
  counter("algohost_slices_processed_total", "Time-aligned slices processed.", "counter", static_cast<double>(slices_processed_.load()));
  counter("algohost_trades_recorded_total", "Trades written to the catalog.", "counter",
          static_cast<double>(recorder_ ? recorder_->recorded() : 0));
  counter("algohost_slice_queue_depth", "Slices waiting for the engine thread.", "gauge",
          static_cast<double>(queue_ ? queue_->depth() : 0));
  counter("algohost_recorder_queue_depth", "Trades waiting to be written to the catalog.", "gauge",
          static_cast<double>(recorder_ ? recorder_->queued() : 0));
  counter("algohost_swaps_total", "Swaps and promotions done.", "counter", static_cast<double>(swaps_.load()));
  counter("algohost_rollbacks_total", "Rollbacks (asked for, or automatic).", "counter", static_cast<double>(rollbacks_.load()));
  counter("algohost_restarts_total", "Instances restarted after a failure (on_failure: restart).", "counter",
          static_cast<double>(restarts_.load()));
  counter("algohost_errors_total", "Failed slices, plugin failures and rollbacks.", "counter", static_cast<double>(errors_.load()));
  counter("algohost_swap_pause_seconds_max", "Longest pause a swap caused on the bar path.", "gauge",
          static_cast<double>(swap_pause_ns_max_.load()) / 1e9);
  o << "# HELP algohost_swap_pause_seconds Pauses swaps caused on the bar path.\n# TYPE algohost_swap_pause_seconds summary\n"
    << "algohost_swap_pause_seconds_sum " << static_cast<double>(swap_pause_ns_sum_.load()) / 1e9 << "\n"
    << "algohost_swap_pause_seconds_count " << swap_pauses_.load() << "\n";
  json snap;
  {
    std::lock_guard lk(mu_);
    snap = snapshot_;
  }
  const char* per[][2] = {{"bars", "Bars seen"}, {"signals", "Signals given"}, {"trades", "Trades closed"}, {"errors", "Failed calls"}};
  for (const auto& [key, help] : per) {
    o << "# HELP algohost_instance_" << key << "_total " << help << " per instance.\n# TYPE algohost_instance_" << key
      << "_total counter\n";
    for (auto it = snap.begin(); it != snap.end(); ++it)
      o << "algohost_instance_" << key << "_total{instance=\"" << it.key() << "\"} " << it.value().value(key, 0.0) << "\n";
  }
  return o.str();
}

// The recovery thread: each halted instance in turn, off the engine thread (a restart creates
// instances, which may start worker processes).
void LiveHost::recovery_loop() {
  while (true) {
    Recovery r;
    {
      std::unique_lock lk(recover_mu_);
      recover_cv_.wait(lk, [&] { return recover_stop_ || !recoveries_.empty(); });
      if (recover_stop_) {  // the host is stopping: halted lanes are closed with the others
        recovering_.store(0);
        recoveries_.clear();
        return;
      }
      r = std::move(recoveries_.front());
      recoveries_.pop_front();
    }
    recover(r);
    recovering_.fetch_sub(1);
  }
}

// on_failure: "restart" starts the same version again from the lane's last checkpoint (at most
// kMaxRestarts times within kRestartWindow, then as "rollback"); "rollback" goes back to the
// previous version; without one, or with "stop", the instance is stopped (positions closed).
void LiveHost::recover(const Recovery& r) {
  std::lock_guard control(control_mu_);
  Instance* inst = find_instance(r.instance);
  if (!inst) return;  // unloaded
  {
    std::lock_guard lk(mu_);
    if (inst->status != "recovering") return;  // already swapped or rolled back by an operator
  }
  const std::string& policy = inst->config.on_failure;
  auto give_up = [&](const std::string& why) {
    const Status cause = Status::PluginError(r.cause);
    Status st = post([&, inst](EngineCore& core) { return core.stop_lane(inst->lane, cause); });
    {
      std::lock_guard lk(mu_);
      inst->status = "failed";
    }
    (void)write_row(*inst, "live_stop", "serve",
                    json{{"version", inst->manifest->version_text}, {"why", r.cause}, {"outcome", st.ok() ? "stopped" : st.message()},
                         {"reason", why}, {"automatic", true}});
    publish("stop", json{{"instance", r.instance}, {"why", r.cause}, {"reason", why}});
  };
  auto roll_back = [&]() -> bool {
    if (inst->previous.empty()) return false;
    const auto back = inst->previous.back();
    auto res = change_version(r.instance, *back.manifest, back.params, "live_rollback", "serve", Change::kRollback);
    if (!res.ok()) spdlog::warn("instance {}: automatic rollback failed: {}", r.instance, res.status().message());
    return res.ok();
  };
  if (policy == "stop") return give_up("on_failure is \"stop\"");
  if (policy == "restart") {
    const auto now = std::chrono::steady_clock::now();
    if (now - inst->window_start > kRestartWindow) {
      inst->window_start = now;
      inst->restarts = 0;
    }
    std::string last;
    while (inst->restarts < kMaxRestarts) {
      ++inst->restarts;
      auto res = change_version(r.instance, *inst->manifest, inst->params, "live_restart", "serve", Change::kRestart);
      if (res.ok()) return;
      last = res.status().message();
    }
    if (roll_back()) return;
    return give_up("restarted " + std::to_string(kMaxRestarts) + " times" + (last.empty() ? "" : " (last: " + last + ")") +
                   " and no earlier version to roll back to");
  }
  if (roll_back()) return;
  give_up(inst->previous.empty() ? "no earlier version to roll back to" : "the rollback failed");
}

Status LiveHost::wait() {
  {
    std::lock_guard lk(wait_mu_);
    if (finished_) return finish_status_;
  }
  if (!started_.load()) return Status::FailedPrecondition("the host was not started");
  while (!stop_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::lock_guard lk(wait_mu_);
  if (finished_) return finish_status_;
  const bool replay_complete = (replay_ && replay_->done() && !config_.feed.loop) || inline_done_.load();
  {
    std::lock_guard rl(recover_mu_);
    recover_stop_ = true;
  }
  recover_cv_.notify_all();
  if (recoverer_.joinable()) recoverer_.join();
  if (watcher_) watcher_->stop();
  if (replay_) replay_->stop();
  if (tcp_feed_) tcp_feed_->stop();
  if (aligner_) aligner_->flush();
  queue_->close();
  if (engine_.joinable()) engine_.join();
  Status st = recorder_->finish();
  // MEM states persist across restarts.
  for (const auto& inst : instances_)
    if (inst->mem && !inst->strategy_id.empty()) {
      inst->mem->finish();
      Status saved = save_mem_state(*catalog_, inst->strategy_id, inst->mem->to_json(), inst->mem->counters().learned,
                                    inst->mem->last_learned_exit_ms());
      if (!saved.ok()) spdlog::warn("instance {}: MEM state not saved: {}", inst->config.instance, saved.message());
    }
  for (const auto& inst : instances_)
    if (inst->plugin && !inst->strategy_id.empty()) {
      inst->plugin->finish();
      auto saved = save_enhancer_state(*inst->plugin, *catalog_, inst->strategy_id, inst->plugin_name);
      if (!saved.ok())
        spdlog::warn("instance {}: state of {} not saved: {}", inst->config.instance, inst->plugin->label(), saved.status().message());
    }
  json results{{"bars_fed", bars_fed()}, {"bars_processed", bars_processed_.load()},
               {"slices_processed", slices_processed_.load()}, {"trades_recorded", recorder_->recorded()},
               {"seconds", engine_seconds_}, {"swaps", swaps_.load()}, {"rollbacks", rollbacks_.load()}, {"restarts", restarts_.load()}, {"errors", errors_.load()},
               {"replay_complete", replay_ || inline_replay_ ? json(replay_complete) : json(nullptr)}};
  {
    std::lock_guard lk2(mu_);
    results["instances"] = snapshot_;
  }
  Status fin = catalog_->finish_run(run_id_, st.ok() ? "finished" : "failed", st.ok() ? "" : st.message(), results);
  if (st.ok()) st = fin;
  (void)catalog_->stop_live_instances(run_id_);
  finished_ = true;
  finish_status_ = st;
  return st;
}

}  // namespace algohost::live
