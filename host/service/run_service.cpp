#include "host/service/run_service.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>

#include "host/data/synthetic.h"
#include "host/data/timestamp.h"
#include "host/mem/adapt.h"
#include "host/mem/mem_stage.h"
#include "host/mem/pattern_filter.h"
#include "host/mem/scoring.h"
#include "host/recorder/recorder.h"
#include "host/service/enhancer_arm.h"
#include "host/service/run_curves.h"
#include "host/service/import_service.h"
#include "host/service/mem_store.h"
#include "host/service/param_replay.h"
#include "host/service/run_artifacts.h"
#include "host/service/trade_record.h"

namespace algohost {

nlohmann::ordered_json RunReport::to_json() const {
  nlohmann::ordered_json j;
  j["run_id"] = run_id;
  j["status"] = status;
  j["data"] = data_description;
  j["symbols"] = symbols;
  j["bars"] = bars;
  j["periods_per_year"] = periods_per_year;
  j["seconds"] = seconds;
  j["trades_recorded"] = trades_recorded;
  j["strategies"] = nlohmann::ordered_json::array();
  for (const auto& s : strategies)
    j["strategies"].push_back({{"strategy", s.label}, {"strategy_id", s.strategy_id}, {"version_id", s.version_id},
                               {"final_equity", s.final_equity}, {"trades", s.trades}, {"signals", s.signals}, {"call_errors", s.call_errors},
                               {"bars", s.bars}, {"error", s.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.error)},
                               {"metrics", s.metrics.to_json()}, {"mem", s.mem}});
  j["warnings"] = warnings;
  return j;
}

Result<MarketData> RunService::load_data(const RunRequest& req, std::string& description, CsvReport& csv) {
  if (req.data && req.synthetic) return Status::InvalidArgument("give --data or --synthetic, not both");
  MarketData md;
  if (req.data) {
    CsvOptions o;
    o.on_bad_row = req.skip_bad_rows ? CsvOptions::OnBadRow::kSkip : CsvOptions::OnBadRow::kStop;
    auto r = read_market_data(*req.data, o, &csv);
    if (!r.ok()) return r.status();
    md = std::move(*r);
    description = *req.data;
  } else {
    auto spec = SyntheticSpec::parse(req.synthetic.value_or(""));
    if (!spec.ok()) return spec.status();
    md = generate_synthetic(*spec);
    description = "synthetic:" + spec->to_string();
  }
  if (!req.symbols.empty()) {
    std::set<std::string> want(req.symbols.begin(), req.symbols.end());
    MarketData kept;
    for (auto& s : md.series)
      if (want.erase(s.symbol)) kept.series.push_back(std::move(s));
    if (!want.empty()) {
      std::string missing, have;
      for (const auto& w : want) missing += (missing.empty() ? "" : ", ") + w;
      for (const auto& s : md.series) have += (have.empty() ? "" : ", ") + s.symbol;
      for (const auto& s : kept.series) have += (have.empty() ? "" : ", ") + s.symbol;
      return Status::InvalidArgument("--symbols: the data has no " + missing + " (it has: " + have + ")");
    }
    md = std::move(kept);
  }
  if (req.from || req.to) {
    std::optional<int64_t> from, to;
    if (req.from && !(from = parse_timestamp_ms(*req.from)))
      return Status::InvalidArgument("--from: '" + *req.from + "' is not a date or date-time");
    if (req.to && !(to = parse_timestamp_ms(*req.to)))
      return Status::InvalidArgument("--to: '" + *req.to + "' is not a date or date-time");
    if (to && req.to->size() == 10) *to += 86'400'000 - 1;  // a date-only end covers its day
    if (from && to && *from > *to) return Status::InvalidArgument("--from is after --to");
    MarketData kept;
    for (auto& s : md.series) {
      BarSeries f;
      f.symbol = s.symbol;
      for (size_t i = 0; i < s.size(); ++i) {
        if ((from && s.ts_ms[i] < *from) || (to && s.ts_ms[i] > *to)) continue;
        f.push(s.bar(i));
        if (!s.carry.empty()) f.carry.push_back(s.carry[i]);
      }
      if (!f.empty()) kept.series.push_back(std::move(f));
    }
    if (kept.series.empty())
      return Status::InvalidArgument("no bars between " + req.from.value_or("the start") + " and " +
                                     req.to.value_or("the end") + " in " + description);
    md = std::move(kept);
  }
  return md;
}

namespace {

// --param values: NAME=VALUE goes to every strategy that has NAME; STRATEGY.NAME=VALUE to that
// strategy only (and wins over NAME=VALUE there).
struct ScopedParams {
  std::map<std::string, std::string> global;
  std::map<std::string, std::map<std::string, std::string>> by_strategy;  // strategy name -> NAME -> VALUE

  std::map<std::string, std::string> for_strategy(const Manifest& m) const {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : global)
      if (m.find_parameter(name)) out[name] = value;
    if (auto it = by_strategy.find(m.name); it != by_strategy.end())
      for (const auto& [name, value] : it->second) out[name] = value;
    return out;
  }
};

// Errors (InvalidArgument) name the --param: a NAME no strategy of the run has, a STRATEGY that is
// not in the run, a NAME that STRATEGY does not have.
Result<ScopedParams> scope_params(const std::map<std::string, std::string>& params,
                                  const std::vector<const Manifest*>& manifests) {
  ScopedParams out;
  auto names_of = [](const Manifest& m) {
    std::string known;
    for (const auto& p : m.parameters) known += (known.empty() ? "" : ", ") + p.name;
    return known;
  };
  for (const auto& [key, value] : params) {
    const bool anyone_has = std::any_of(manifests.begin(), manifests.end(), [&](const Manifest* m) { return m->find_parameter(key); });
    const auto dot = key.find('.');
    if (!anyone_has && dot != std::string::npos && dot > 0) {
      const std::string strategy = key.substr(0, dot), name = key.substr(dot + 1);
      auto target = std::find_if(manifests.begin(), manifests.end(), [&](const Manifest* m) { return m->name == strategy; });
      if (target == manifests.end()) {
        std::string running;
        for (const auto* m : manifests) running += (running.empty() ? "" : ", ") + m->name;
        return Status::InvalidArgument("--param " + key + ": '" + strategy + "' is not a strategy of this run (it runs: " +
                                       running + ")");
      }
      if (!(*target)->find_parameter(name))
        return Status::InvalidArgument("--param " + key + ": " + (*target)->id() + " has no parameter '" + name + "' (it has: " +
                                       names_of(**target) + ")");
      out.by_strategy[strategy][name] = value;
      continue;
    }
    if (!anyone_has)
      return Status::InvalidArgument("--param " + key + ": none of the strategies has a parameter '" + key +
                                     "' (give STRATEGY.NAME=VALUE for one strategy's)");
    out.global[key] = value;
  }
  return out;
}

bool has_weekend_bars(const MarketData& md) {
  for (const auto& s : md.series)
    for (size_t i = 0; i < s.size(); i += std::max<size_t>(1, s.size() / 2000)) {
      const int64_t day = s.ts_ms[i] >= 0 ? s.ts_ms[i] / 86'400'000 : 0;
      const int64_t weekday = (day + 4) % 7;  // 1970-01-01 was a Thursday (4); 0 = Sunday
      if (weekday == 0 || weekday == 6) return true;
    }
  return false;
}

// Both exports cover the strategies' own arms (the first n outcomes), not MEM's shadow base arms.
Status write_equity_csv(const std::string& path, const EngineResult& res, size_t n) {
  std::ofstream out(path);
  if (!out) return Status::IoError(path + ": cannot write");
  out << "time,strategy,equity\n";
  char buf[64];
  for (size_t k = 0; k < n; ++k)
    for (const auto& p : res.outcomes[k].equity_bars) {
      const auto& o = res.outcomes[k];
      std::snprintf(buf, sizeof buf, "%.2f", p.equity);
      out << format_timestamp_ms(p.ts_ms) << "," << o.label << "," << buf << "\n";
    }
  return out ? Status::Ok() : Status::IoError(path + ": write failed");
}

Status write_trades_csv(const std::string& path, const EngineResult& res, const MarketData& md, size_t n) {
  std::ofstream out(path);
  if (!out) return Status::IoError(path + ": cannot write");
  out << "strategy,symbol,side,quantity,entry_time,entry_price,exit_time,exit_price,pnl,pnl_pct,commission,"
         "slippage,mae,mfe,exit_reason\n";
  out.precision(10);
  for (size_t k = 0; k < n; ++k)
    for (const auto& o = res.outcomes[k]; const auto& t : o.account->closed())
      out << o.label << "," << md.series[t.symbol].symbol << "," << (t.quantity > 0 ? "long" : "short") << ","
          << t.quantity << "," << format_timestamp_ms(t.entry_ms) << "," << t.entry_price << ","
          << format_timestamp_ms(t.exit_ms) << "," << t.exit_price << "," << t.pnl << "," << t.pnl_pct << ","
          << t.commission << "," << t.slippage_cost << "," << t.mae << "," << t.mfe << "," << t.exit_reason << "\n";
  return out ? Status::Ok() : Status::IoError(path + ": write failed");
}

}  // namespace

Result<RunReport> RunService::run(const RunRequest& req) {
  RunReport report;
  CsvReport csv;
  auto data = load_data(req, report.data_description, csv);
  if (!data.ok()) return data.status();
  const MarketData& md = *data;
  for (const auto& p : csv.problems) report.warnings.push_back("skipped " + p);
  report.symbols = md.series.size();
  report.bars = md.total_bars();
  report.periods_per_year = req.periods_per_year.value_or(has_weekend_bars(md) ? 365 : 252);

  // Strategies: as asked, or every valid discovered strategy.
  std::vector<const Manifest*> manifests;
  std::map<size_t, LearnedSpec> learned_of;  // index into manifests -> the learned strategy run on it
  std::vector<std::unique_ptr<mem::PatternFilterStage>> filters;
  std::vector<const LearnedSpec*> setup_learned;  // per setup: the learned strategy, or null
  if (req.strategies.empty()) {
    for (const auto& p : plugins_.discovery().plugins) {
      if (!p.report.ok()) {  // one warning per invalid plugin: its file and its first error
        const auto errors = p.report.errors();
        report.warnings.push_back(p.report.file.string() + ": invalid manifest, left out of this run: " +
                                  (errors.empty() ? std::string("?") : errors.front().to_string()));
        continue;
      }
      if (p.shadowed_by || p.report.manifest->kind != "strategy") continue;
      const Manifest* m = &*p.report.manifest;
      auto newest = plugins_.find(m->name);  // the newest version of each name
      if (newest.ok() && *newest == m) manifests.push_back(m);
    }
  } else {
    for (const auto& spec : req.strategies) {
      auto m = plugins_.find(spec);
      if (!m.ok()) {
        // A learned strategy (docs/mem.md): its base strategy with the learned pattern as a filter.
        auto cat0 = catalog_.catalog();
        if (!cat0.ok()) return m.status();
        if (Status imported = check_not_imported_only(**cat0, spec); !imported.ok()) return imported;
        auto learned = find_learned_strategy(**cat0, spec);
        if (!learned.ok()) return m.status();
        auto base = plugins_.find(learned->base);
        if (!base.ok()) return Status::NotFound(spec + ": learned from " + learned->base + ", which is not installed");
        learned_of[manifests.size()] = *learned;
        manifests.push_back(*base);
        continue;
      }
      manifests.push_back(*m);
    }
  }
  if (manifests.empty()) return Status::NotFound("no strategies to run");

  auto scoped_params = scope_params(req.params, manifests);
  if (!scoped_params.ok()) return scoped_params.status();

  auto cat = catalog_.catalog();
  if (!cat.ok()) return cat.status();
  catalog::Catalog& c = **cat;

  // MEM: the split between the training part (MEM learns only) and the scoring part (MEM
  // enhances, with what it learned before the split), as a share of the run's timestamps.
  if (!(req.mem_train_fraction > 0 && req.mem_train_fraction < 1))
    return Status::InvalidArgument("--mem-train-fraction: expected a number between 0 and 1 (exclusive)");
  if (req.enhancer && req.mem == std::optional<bool>(false))
    return Status::InvalidArgument("--enhancer " + *req.enhancer + " asks for enhancement and --mem off for none; give one");
  if (!req.enhancer_params.empty() && (!req.enhancer || *req.enhancer == kBuiltinEnhancer))
    return Status::InvalidArgument("--enhancer-param: give --enhancer NAME of an enhancer plugin too");
  int64_t split_ms = 0, first_ms = 0, last_ms = 0;
  {
    // The run's distinct timestamps: the first series' own when every series has the same ones
    // (aligned data, the common case), else all of them merged.
    const bool aligned = md.aligned();
    std::vector<int64_t> merged;
    if (!aligned) {
      for (const auto& s : md.series) merged.insert(merged.end(), s.ts_ms.begin(), s.ts_ms.end());
      std::sort(merged.begin(), merged.end());
      merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    }
    const std::vector<int64_t>& all_ts = aligned ? md.series.front().ts_ms : merged;
    if (!all_ts.empty()) {
      first_ms = all_ts.front();
      last_ms = all_ts.back();
      split_ms = all_ts[std::min(all_ts.size() - 1, static_cast<size_t>(req.mem_train_fraction * static_cast<double>(all_ts.size())))];
    }
  }
  struct MemArm {
    size_t main = 0, shadow = 0;
    std::string strategy_id;
    std::string enhancer;                               // "mem" or the plugin's name@version
    std::unique_ptr<mem::MemStage> stage;               // the built-in enhancer, or
    std::unique_ptr<mem::PluginEnhancerStage> plugin;   // an enhancer plugin
    std::map<std::string, std::string> overrides;  // the parameter values the run used (for the rule's replay)
    std::string continued_from_run;                  // the run that saved a continued state
    std::string state_source;  // where a loaded state came from: "catalog", a legacy file, or kEnhancerStateStore
    std::string enhancer_name;  // an enhancer plugin's name (its state's key)
    bool loaded = false;
    std::string mode, state_note;
  };
  std::vector<MemArm> mem_arms;
  std::vector<StrategySetup> shadows;

  std::vector<StrategySetup> setups;
  std::vector<RanVersion> setup_versions;  // per strategy setup (not the shadow arms): what ran, where it is recorded
  std::vector<StrategyReport> not_started;  // strategies whose instance could not be created
  nlohmann::ordered_json strategies_json = nlohmann::ordered_json::array();
  for (size_t mi = 0; mi < manifests.size(); ++mi) {
    const Manifest* m = manifests[mi];
    const LearnedSpec* learned = learned_of.count(mi) ? &learned_of[mi] : nullptr;
    // Values changed in the catalog for this version (strategies set-param, MEM's parameter rule)
    // apply first; --param overrides them.
    std::map<std::string, std::string> overrides;
    std::set<std::string> from_catalog;
    if (auto stored = c.version_parameters(m->name, m->version_text); stored.ok())
      for (const auto& spec : m->parameters) {
        auto it = stored->find(spec.name);
        if (it == stored->end() || *it == spec.default_value) continue;
        overrides[spec.name] = it->is_string() ? it->get<std::string>() : it->dump();
        from_catalog.insert(spec.name);
      }
    for (const auto& [name, value] : scoped_params->for_strategy(*m)) {
      overrides[name] = value;
      from_catalog.erase(name);
    }
    // Data the strategy cannot run on: an error when it was asked for by name, else it is left
    // out of the run with a warning.
    std::string unmet;
    if (m->symbols > 1 && md.series.size() < static_cast<size_t>(m->symbols))
      unmet = m->id() + " needs " + std::to_string(m->symbols) + " symbols at once; the data has " +
              std::to_string(md.series.size());
    else if (m->needs_carry && std::none_of(md.series.begin(), md.series.end(), [](const BarSeries& s) { return !s.carry.empty(); }))
      unmet = m->id() + " needs carry data (requirements.data); the data has no carry column (add one, or use --synthetic)";
    if (!unmet.empty()) {
      if (!req.strategies.empty()) return Status::InvalidArgument(unmet);
      report.warnings.push_back(unmet + ": left out of this run");
      continue;
    }
    // The enhancer (docs/mem.md): an unknown or unloadable one is an error when the strategy or the
    // enhancer was asked for by name, else the strategy is left out with a warning.
    const bool use_mem = !learned && req.mem.value_or(req.enhancer.has_value() ||
                                                      (m->mem_enabled && m->mem_enhancement_type != "none"));
    EnhancerChoice enhancer;
    std::unique_ptr<EnhancerInstance> plugin;
    if (use_mem) {
      auto chosen = choose_enhancer(plugins_, *m, req.enhancer);
      Status st = chosen.ok() ? Status::Ok() : chosen.status();
      if (st.ok() && chosen->manifest) {
        // `run --isolate` (RunRequest::isolation) runs the enhancer in a worker of its own too.
        const IsolationOptions enhancer_isolation =
            plugins_.isolation_for(*chosen->manifest, req.isolation, Isolation::kInProcess);
        auto inst = plugins_.instantiate_enhancer(*chosen->manifest, req.enhancer_params, &enhancer_isolation);
        if (inst.ok()) plugin = std::move(*inst);
        else st = inst.status().with_context(m->id() + ": enhancer " + chosen->label());
      }
      if (!st.ok()) {
        if (!req.strategies.empty() || req.enhancer) return st;
        report.warnings.push_back(st.message() + ": " + m->id() + " left out of this run");
        continue;
      }
      enhancer = *chosen;
    }
    StrategySetup setup;
    setup.manifest = m;
    setup.label = m->id();
    setup.broker = req.broker;
    setup.broker.allow_short = m->short_selling;
    setup.broker.default_size = req.default_size.value_or(1.0 / static_cast<double>(std::max<size_t>(1, md.series.size())));
    // The artifact that runs is the one published under its name@version, or the run is refused
    // (or, when allowed, recorded against a development version of its own).
    // A changed artifact is refused before any of its code runs; one that is not published at all
    // is tried first, so that a constructor that throws is reported as such (and fails alone).
    auto sha = plugins_.artifact_sha256(*m);
    if (!sha.ok()) return sha.status().with_context(m->file.string());
    auto ran = version_to_record(c, *m, *sha, req.allow_unpublished);
    if (!ran.ok() && ran.status().code() != StatusCode::kNotFound) return ran.status();
    const size_t n_instances = m->symbols == 1 ? md.series.size() : 1;
    Status created = Status::Ok();
    const IsolationOptions isolation = plugins_.isolation_for(*m, req.isolation, Isolation::kInProcess);
    for (size_t i = 0; i < n_instances && created.ok(); ++i) {
      auto inst = plugins_.instantiate(*m, overrides, &isolation);
      if (inst.ok()) setup.instances.push_back(std::move(*inst));
      else created = inst.status();
    }
    if (!created.ok()) {
      // A strategy that cannot be created fails alone: the others in the run go on. Bad input
      // (a parameter out of range) stops the run before it starts.
      if (created.code() == StatusCode::kInvalidArgument || manifests.size() == 1) return created;
      StrategyReport failed;
      failed.label = learned ? learned->name : m->id();
      failed.error = created.message();
      not_started.push_back(std::move(failed));
      continue;
    }
    if (!ran.ok()) return ran.status();
    auto params = resolve_parameters(*m, overrides);
    nlohmann::ordered_json entry{{"strategy", m->id()},
                                 {"version_id", ran->version_id},
                                 {"version", ran->version_number},
                                 {"artifact_sha256", ran->artifact_sha256},
                                 {"published", ran->published},
                                 {"isolation", isolation_name(isolation.mode)},
                                 {"parameters", params.ok() ? *params : nlohmann::ordered_json(nullptr)},
                                 {"parameters_from_catalog", from_catalog}};
    if (!ran->published) {
      entry["published_sha256"] = ran->published_sha256;
      report.warnings.push_back(m->id() + " runs an unpublished development build (sha256 " + ran->artifact_sha256 +
                                "): its trades are recorded against " + m->name + "@" + ran->version_number +
                                ", not the published " + m->id() + "; MEM state, patterns and parameter changes are not saved");
    }
    strategies_json.push_back(std::move(entry));
    setup_versions.push_back(*ran);
    if (learned) {
      setup.label = learned->name;
      filters.push_back(std::make_unique<mem::PatternFilterStage>(learned->pattern, learned->standardizer));
      setup.stage = filters.back().get();
      strategies_json.back()["strategy"] = learned->name;
      strategies_json.back()["learned_from"] = learned->base;
      strategies_json.back()["pattern"] = learned->pattern.key();
    }
    setup_learned.push_back(learned);
    strategies_json.back()["enhancer"] = use_mem ? nlohmann::ordered_json(enhancer.label()) : nullptr;
    if (use_mem && enhancer.manifest) {
      auto enhancer_sha = plugins_.artifact_sha256(*enhancer.manifest);
      if (!enhancer_sha.ok()) return enhancer_sha.status().with_context(enhancer.manifest->file.string());
      strategies_json.back()["enhancer_artifact_sha256"] = *enhancer_sha;
    }
    if (use_mem) {
      MemArm a;
      a.main = setups.size();
      a.mode = m->mem_enhancement_type == "partial" ? "partial" : "full";
      a.enhancer = enhancer.label();
      auto rec = c.get(m->name);
      a.strategy_id = rec.ok() ? rec->strategy_id : m->name;
      if (plugin) {
        mem::PluginEnhancerConfig pc;
        pc.strategy = m->id();
        pc.mode = a.mode == "partial" ? mem::Mode::kPartial : mem::Mode::kFull;
        pc.default_size = setup.broker.default_size;
        pc.enhance_from_ms = split_ms;
        pc.learn_before_ms = split_ms;
        pc.max_consecutive_failures = std::max<uint32_t>(1, req.enhancer_max_failures);
        for (const auto& s : md.series) pc.symbols.push_back(s.symbol);
        a.plugin = std::make_unique<mem::PluginEnhancerStage>(std::move(plugin), std::move(pc));
        a.enhancer_name = enhancer.manifest->name;
        if (req.mem_continue) {
          auto restored = restore_enhancer_state(*a.plugin, c, a.strategy_id, a.enhancer_name, split_ms);
          if (!restored.ok()) return restored.status();
          a.loaded = restored->loaded;
          if (a.loaded) a.state_source = kEnhancerStateStore;
          a.state_note = restored->note;
        }
        setup.stage = a.plugin.get();
      } else {
        mem::MemConfig mc;
        mc.mode = a.mode == "partial" ? mem::Mode::kPartial : mem::Mode::kFull;
        mc.default_size = setup.broker.default_size;
        mc.enhance_from_ms = split_ms;
        mc.learn_before_ms = split_ms;
        mc.data_from_ms = first_ms;  // the skill gate's validation slice: the end of [first_ms, split_ms)
        mc.model.seed = req.mem_seed;
        for (const auto& s : md.series) mc.symbols.push_back(s.symbol);
        a.stage = std::make_unique<mem::MemStage>(mc);
        // A saved state continues when everything it learned closed before this run's scoring part
        // (new data after old: a restart goes on where it stopped). One that has seen the scoring
        // part would judge outcomes it already knows, so the run learns afresh instead (and a rerun
        // over the same data gives the same results); its state then replaces the saved one.
        if (req.mem_continue) {
          auto saved = load_mem_state(c, catalog_.location().data_dir, a.strategy_id);
          if (!saved.ok()) return saved.status();
          if (*saved) {
            const nlohmann::json& state = (**saved).state;
            const int64_t through = state.value("last_learned_exit_ms", INT64_MIN);
            if (through < split_ms) {
              if (Status st = a.stage->load_json(state); !st.ok())
                return Status::InvalidArgument("the saved MEM state of " + m->name + " (" + (**saved).source + "): " + st.message());
              a.loaded = true;
              a.state_source = (**saved).source;
              a.continued_from_run = state.value("saved_by_run", std::string());
            } else {
              a.state_note = "the saved state had learned outcomes up to " + format_timestamp_ms(through) +
                             ", inside this run's scoring part: learned afresh so the scoring part stays out of sample";
            }
          }
        }
        a.overrides = overrides;
        setup.stage = a.stage.get();
      }
      // The base arm takes the enhanced arm's raw signals (before MEM): the same strategy,
      // parameters and bars give the same signals, so no second set of instances runs.
      StrategySetup shadow;
      shadow.manifest = m;
      shadow.label = m->id() + " [base]";
      shadow.broker = setup.broker;
      shadow.signals_from = a.main;
      shadows.push_back(std::move(shadow));
      mem_arms.push_back(std::move(a));
    }
    setups.push_back(std::move(setup));
  }
  // The shadow base arms run after every enhanced arm within each timestamp.
  const size_t n_main = setups.size();
  for (size_t i = 0; i < shadows.size(); ++i) {
    mem_arms[i].shadow = setups.size();
    setups.push_back(std::move(shadows[i]));
  }
  std::vector<int> arm_of(setups.size(), -1);
  for (size_t i = 0; i < mem_arms.size(); ++i) {
    arm_of[mem_arms[i].main] = static_cast<int>(i);
    arm_of[mem_arms[i].shadow] = static_cast<int>(i);
  }

  if (setups.empty() && !not_started.empty()) return Status::PluginError(not_started.front().error);
  if (setups.empty()) {
    std::string why;
    for (const auto& w : report.warnings) why += (why.empty() ? "" : "; ") + w;
    return Status::InvalidArgument("no strategy can run on this data: " + why);
  }

  nlohmann::ordered_json data_json{{"source", report.data_description}, {"symbols", nlohmann::ordered_json::array()},
                                   {"bars", report.bars}, {"from", req.from.value_or("")}, {"to", req.to.value_or("")}};
  for (const auto& s : md.series) data_json["symbols"].push_back(s.symbol);
  nlohmann::ordered_json config{{"capital", req.broker.capital}, {"slippage_bps", req.broker.slippage_bps},
                                {"commission_per_trade", req.broker.commission_per_trade},
                                {"commission_bps", req.broker.commission_bps}, {"batch", req.use_batch},
                                {"periods_per_year", report.periods_per_year}, {"risk_free_rate", req.risk_free_rate}};
  auto run_id = c.start_run("backtest", strategies_json, data_json, config, kEngineVersion);
  if (!run_id.ok()) return run_id.status();
  report.run_id = *run_id;

  // Catalog ids for the trade records.
  std::vector<std::pair<std::string, std::string>> ids;  // strategy_id, version_id
  for (const auto& s : setups) {
    if (ids.size() >= n_main) {
      ids.emplace_back("", "");  // shadow arms: nothing recorded
      continue;
    }
    if (const LearnedSpec* l = setup_learned[ids.size()]) {
      ids.emplace_back(l->strategy_id, "");  // a learned strategy has no version of its own
      continue;
    }
    auto rec = c.get(s.manifest->name);
    ids.emplace_back(rec.ok() ? rec->strategy_id : "", setup_versions[ids.size()].version_id);
  }

  Recorder::Options recorder_options;
  recorder_options.heartbeat_run = *run_id;
  auto recorder = Recorder::open(catalog_.location().db, recorder_options);
  if (!recorder.ok()) return recorder.status();
  // Attached while the recorder lives; detached (in reverse order) on every way out of run().
  struct Attachment {
    RunShutdown* s;
    ~Attachment() {
      if (!s) return;
      s->attach_recorder(nullptr);
      s->attach_run({}, "");
    }
  } attachment{req.shutdown};
  if (req.shutdown) {
    req.shutdown->attach_run(catalog_.location().db, *run_id);
    req.shutdown->attach_recorder(recorder->get());
  }
  std::vector<std::string> timeframes;
  for (const auto& s : md.series) timeframes.push_back(timeframe_of(s));

  const auto t0 = std::chrono::steady_clock::now();
  EngineOptions eo;
  eo.use_batch = req.use_batch;
  eo.equity_every_bar = !req.equity_csv.empty();
  eo.periods_per_year = report.periods_per_year;
  eo.risk_free_rate = req.risk_free_rate;
  eo.progress = req.progress;
  eo.stop = req.stop;
  const std::string run = *run_id;
  auto sink = [&](size_t k, const std::vector<ClosedTrade>& trades) {
    if (k >= n_main) {  // a shadow base arm: its outcomes teach the enhancer, in close order
      MemArm& a = mem_arms[static_cast<size_t>(arm_of[k])];
      for (const auto& t : trades) a.plugin ? a.plugin->learn(t) : a.stage->learn(t);
      return;
    }
    for (const auto& t : trades)
      (*recorder)->push(to_trade_record(t, md.series[t.symbol].symbol, timeframes[t.symbol], ids[k].first, ids[k].second, run));
  };
  EngineResult res = run_engine(md, setups, eo, sink);
  report.timestamps = res.timestamps;
  Status recorded = (*recorder)->finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.trades_recorded = (*recorder)->recorded();

  // MEM's parameter rule (host/mem/adapt.h, docs/mem.md): the built-in stage in full mode, on a
  // measured run of a published version only. Proposals come from the trades entered in the scoring
  // part, and are written only when a replay of the scoring part with them is no worse.
  auto run_parameter_rule = [&](size_t k, const MemArm& a, const StrategyOutcome& enh, const StrategyOutcome& base,
                                bool may_write) {
    nlohmann::ordered_json j;
    j["applied"] = false;
    j["changes"] = nlohmann::ordered_json::array();
    auto nothing = [&](const std::string& why) {
      j["note"] = why;
      return j;
    };
    if (a.mode == "partial") return nothing("partial mode: MEM changes confidence only, never parameters");
    if (!may_write) return nothing("not a measured run of a published version: no parameter is changed");
    if (ids[k].first.empty()) return nothing("the strategy is not in the catalog");
    const Manifest& m = *setups[k].manifest;
    int64_t trades = 0, wins = 0;
    for (const auto& t : enh.account->closed())
      if (t.entry_ms >= split_ms) {
        ++trades;
        wins += t.pnl > 0;
      }
    auto used = resolve_parameters(m, a.overrides);
    if (!used.ok()) return nothing(used.status().message());
    const mem::ParamProposal proposal = mem::propose_parameter_changes(m, *used, trades, wins);
    j["scoring_trades"] = trades;
    j["scoring_wins"] = wins;
    j["skipped"] = nlohmann::ordered_json::array();
    for (const auto& sk : proposal.skipped) j["skipped"].push_back({{"parameter", sk.parameter}, {"why", sk.why}});
    if (proposal.changes.empty()) return nothing(proposal.note);
    ReplaySetup rs;
    rs.data = &md;
    rs.manifest = &m;
    rs.overrides = a.overrides;
    rs.broker = setups[k].broker;
    rs.split_ms = split_ms;
    rs.engine = eo;
    rs.values_used = &base;  // the base arm: the strategy with these values, without MEM
    const ReplayVerdict verdict = replay_parameter_change(plugins_, rs, proposal.changes);
    j["replay"] = verdict.to_json();
    j["applied"] = verdict.accepted;
    for (const auto& ch : proposal.changes) {
      Status st = verdict.accepted ? c.update_parameter(ids[k].first, ch.parameter, ch.after,
                                                        ch.reason + "; " + verdict.why, "mem_learning", std::nullopt,
                                                        {verdict.before_sharpe, verdict.after_sharpe, verdict.improvement_pct})
                                   : Status::FailedPrecondition(verdict.why);
      if (verdict.accepted && !st.ok()) report.warnings.push_back("MEM parameter change " + ch.parameter + ": " + st.message());
      j["changes"].push_back({{"parameter", ch.parameter}, {"role", ch.role}, {"before", ch.before}, {"after", ch.after},
                              {"reason", ch.reason}, {"written", st.ok()}});
      if (!st.ok() && verdict.accepted) j["changes"].back()["error"] = st.message();
    }
    return j;
  };

  // MEM after the run: score both arms on the scoring part with what MEM knew at the split, then
  // learn the scoring part's outcomes, save the state, store patterns, the measured improvement
  // and the parameter changes.
  auto finish_mem = [&](size_t k) -> nlohmann::ordered_json {
    MemArm& a = mem_arms[static_cast<size_t>(arm_of[k])];
    const StrategyOutcome& enh = res.outcomes[k];
    const StrategyOutcome& base = res.outcomes[a.shadow];
    const std::vector<mem::Pattern> at_split = a.stage ? a.stage->miner().patterns() : std::vector<mem::Pattern>();
    const mem::Standardizer st_at_split = a.stage ? a.stage->standardizer() : mem::Standardizer();
    const mem::MemComparison cmp = mem::compare_arms(base, enh, split_ms, at_split, st_at_split, report.periods_per_year,
                                                     req.risk_free_rate);
    nlohmann::ordered_json j;
    j["enhancer"] = a.enhancer;
    j["mode"] = a.mode;
    j["train_fraction"] = req.mem_train_fraction;
    j["training_part"] = {{"from", format_timestamp_ms(first_ms)}, {"until_before", format_timestamp_ms(split_ms)}};
    j["scoring_part"] = {{"from", format_timestamp_ms(split_ms)}, {"to", format_timestamp_ms(last_ms)}};
    int64_t loaded_through = INT64_MIN;
    nlohmann::ordered_json saved_to = nullptr;
    // A development build's learning stays out of the strategy's MEM state, patterns, learned
    // strategies and parameters: they belong to the published versions.
    const bool persist = setup_versions[k].published;
    if (!persist) j["not_saved"] = "an unpublished development build: MEM state, patterns and parameter changes are not saved";
    // What had been learned when the scoring part was judged: its last exit, before finish() learns
    // the scoring part's own outcomes.
    const int64_t learned_through = a.plugin ? a.plugin->last_learned_exit_ms() : a.stage->last_learned_exit_ms();
    if (a.plugin) {  // an enhancer plugin: learns the scoring part's outcomes now, keeps its state
      a.plugin->finish();
      j["how"] = "the enhancer learned from the base arm's outcomes that closed in the training part, judged the "
                 "signals of the scoring part only, and learned the scoring part's outcomes after the run; both arms "
                 "are scored on the scoring part only";
      j["plugin"] = plugin_enhancer_json(*a.plugin);
      if (a.plugin->disabled()) report.warnings.push_back(enh.label + ": " + a.plugin->disabled_reason());
      auto written = persist ? save_enhancer_state(*a.plugin, c, a.strategy_id, a.enhancer_name) : Result<bool>(false);
      if (!written.ok()) report.warnings.push_back("saving the enhancer state: " + written.status().message());
      if (written.ok() && *written) saved_to = kEnhancerStateStore;
      loaded_through = a.plugin->loaded_through_ms();
    } else {
      const int64_t learned_at_split = a.stage->counters().learned;
      a.stage->finish();
      j["how"] = "MEM learned from the base arm's outcomes that closed in the training part and was frozen for the "
                 "scoring part; both arms are scored on the scoring part only";
      const auto& cn = a.stage->counters();
      j["learned_at_split"] = learned_at_split;
      j["counters"] = {{"entries_judged", cn.entries_seen}, {"vetoed", cn.vetoed}, {"learned_total", cn.learned},
                       {"learned_after_scoring", cn.deferred}, {"skipped", cn.skipped}, {"discoveries", cn.discoveries}};
      j["model"] = {{"updates", a.stage->model().updates()}, {"seed", req.mem_seed}};
      j["skill_gate"] = a.stage->gate_json();
      if (persist) {
        nlohmann::json state = a.stage->to_json();
        state["saved_by_run"] = run;  // a later --mem-state continue says which run it continues
        Status st = save_mem_state(c, a.strategy_id, state, a.stage->counters().learned, a.stage->last_learned_exit_ms());
        if (st.ok()) saved_to = "catalog (mem_models)";
        else report.warnings.push_back("saving the MEM state: " + st.message());
      }
      loaded_through = a.stage->loaded_through_ms();
    }
    j["base_arm_metrics"] = base.metrics.to_json();
    j["scoring"] = cmp.to_json();
    const bool measured = enh.failure.ok() && base.failure.ok() && !res.interrupted;
    // Out of sample when nothing the enhancer had learned while judging closed inside the scoring part.
    j["learned_through_at_split"] = learned_through == INT64_MIN ? nlohmann::ordered_json(nullptr)
                                                                 : nlohmann::ordered_json(format_timestamp_ms(learned_through));
    j["out_of_sample"] = learned_through < split_ms;
    j["mem_improvement_pct"] = measured ? nlohmann::ordered_json(cmp.improvement_pct) : nlohmann::ordered_json(nullptr);
    j["state_saved_to"] = saved_to;
    j["state"] = req.mem_continue ? "continue" : "fresh";
    j["state_loaded"] = a.loaded;
    if (a.loaded) j["state_loaded_from"] = a.state_source;
    if (a.loaded) j["state_continued_from_run"] = a.continued_from_run.empty() ? nlohmann::ordered_json(nullptr)
                                                                                : nlohmann::ordered_json(a.continued_from_run);
    j["state_loaded_through"] = a.loaded && loaded_through != INT64_MIN
                                    ? nlohmann::ordered_json(format_timestamp_ms(loaded_through))
                                    : nlohmann::ordered_json(nullptr);
    if (!a.state_note.empty()) j["state_note"] = a.state_note;
    if (a.plugin) return j;
    // The built-in MEM stage: the version's measured improvement, learned patterns, learned
    // strategies and the parameter rule's changes.
    if (measured && !ids[k].second.empty())
      if (Status st = c.set_mem_improvement(ids[k].second, cmp.improvement_pct); !st.ok())
        report.warnings.push_back(st.message());
    if (persist && !ids[k].first.empty())
      if (Status st = store_learned_patterns(c, ids[k].first, a.stage->miner().patterns()); !st.ok())
        report.warnings.push_back(st.message());
    j["patterns"] = nlohmann::ordered_json::array();
    for (const auto& p : a.stage->miner().patterns())
      j["patterns"].push_back({{"pattern", p.key()}, {"occurrences", p.occurrences}, {"wins", p.wins},
                               {"win_rate", p.win_rate()}, {"first_seen", format_timestamp_ms(p.first_seen_ms)},
                               {"last_seen", format_timestamp_ms(p.last_seen_ms)}});
    // Patterns that passed out of sample become learned strategies (only when measured).
    j["learned_strategies"] = nlohmann::ordered_json::array();
    if (persist && measured && !ids[k].first.empty())
      for (const auto& pc : cmp.patterns) {
        if (!pc.passes) continue;
        nlohmann::json evidence{{"run_id", run},
                                {"in_sample", {{"occurrences", pc.pattern.occurrences}, {"wins", pc.pattern.wins}}},
                                {"out_of_sample", {{"occurrences", pc.oos_occurrences}, {"wins", pc.oos_wins}, {"p_value", pc.p_value}}}};
        auto id = promote_learned_strategy(c, setups[k].manifest->id(), ids[k].first, setups[k].manifest->artifact.string(),
                                           pc.pattern, st_at_split, evidence);
        if (!id.ok()) {
          report.warnings.push_back("learned strategy for " + pc.pattern.key() + ": " + id.status().message());
          continue;
        }
        auto rec = c.get(*id);
        j["learned_strategies"].push_back({{"strategy", rec.ok() ? rec->strategy_name : *id}, {"strategy_id", *id},
                                           {"pattern", pc.pattern.key()}});
      }
    j["parameter_rule"] = run_parameter_rule(k, a, enh, base, persist && measured);
    return j;
  };

  std::string errors;
  for (size_t k = 0; k < n_main; ++k) {
    const StrategyOutcome& o = res.outcomes[k];
    StrategyReport sr;
    sr.label = o.label;
    sr.strategy_id = ids[k].first;
    sr.version_id = ids[k].second;
    sr.metrics = o.metrics;
    sr.final_equity = o.account->equity();
    sr.trades = static_cast<int64_t>(o.account->closed().size());
    sr.signals = o.signals;
    sr.bars = o.bars;
    for (const auto& inst : setups[k].instances) sr.call_errors += inst->call_errors();
    if (!o.failure.ok()) {
      sr.error = o.failure.message();
      errors += (errors.empty() ? "" : "; ") + sr.error;
    }
    if (o.failure.ok() && !ids[k].second.empty()) {
      const auto& mt = o.metrics;
      Status st = c.update_version_metrics(ids[k].second, mt.sharpe, mt.trades ? std::optional<double>(mt.win_rate) : std::nullopt,
                                           mt.max_drawdown, mt.cagr,
                                           {{"run_id", run}, {"data", report.data_description}, {"metrics", mt.to_json()}});
      if (!st.ok()) report.warnings.push_back(st.message());
    }
    if (arm_of[k] >= 0) sr.mem = finish_mem(k);
    report.strategies.push_back(std::move(sr));
  }
  for (auto& failed : not_started) {
    errors += (errors.empty() ? "" : "; ") + failed.label + ": " + failed.error;
    report.strategies.push_back(std::move(failed));
  }
  if (!recorded.ok()) {
    errors += (errors.empty() ? "" : "; ") + recorded.message();
    report.warnings.push_back("not every trade was recorded: " + recorded.message());  // said, not only in the run row
  }
  report.status = res.interrupted ? "interrupted" : errors.empty() ? "finished" : "failed";
  auto export_failed = [&](const Status& st) {
    report.warnings.push_back(st.message());
    if (report.io_failure.ok()) report.io_failure = st;
  };
  if (!req.equity_csv.empty())
    if (Status st = write_equity_csv(req.equity_csv, res, n_main); !st.ok()) export_failed(st);
  if (!req.trades_csv.empty())
    if (Status st = write_trades_csv(req.trades_csv, res, md, n_main); !st.ok()) export_failed(st);
  // The daily curves the metrics above were computed from, for the dashboard and the report.
  std::vector<int> shadow_of(n_main, -1);
  std::vector<std::string> strategy_ids(n_main);
  for (size_t k = 0; k < n_main; ++k) {
    if (arm_of[k] >= 0) shadow_of[k] = static_cast<int>(mem_arms[static_cast<size_t>(arm_of[k])].shadow);
    strategy_ids[k] = ids[k].first;
  }
  if (Status st = c.record_run_curves(run, run_curves_of(res, n_main, shadow_of, strategy_ids, req.broker.capital)); !st.ok())
    report.warnings.push_back("the run's equity curves were not recorded: " + st.message());
  Status fin = c.finish_run(run, report.status, errors, report.to_json());
  if (!fin.ok()) report.warnings.push_back(fin.message());
  return report;
}

}  // namespace algohost
