// `algohost run`, `perf`, `compare`, `trades`, `runs`: backtests and their recorded results.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "host/cli/context.h"
#include "host/cli/exit_codes.h"
#include "host/cli/table.h"
#include "host/cli/validators.h"
#include "host/service/enhancer_arm.h"
#include "host/service/run_service.h"
#include "host/service/strategy_query.h"

namespace algohost::cli {
namespace {

using Json = nlohmann::ordered_json;


std::string opt_fixed(const std::optional<double>& v, int d) { return v ? fixed(*v, d) : "-"; }
std::string pct(double v) { return fixed(100.0 * v, 2) + "%"; }
std::string opt_pct(const std::optional<double>& v) { return v ? pct(*v) : "-"; }

// A one-line progress bar on stderr, only when stderr is a terminal.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
  std::function<void(size_t, size_t)> callback() {
    if (!tty_) return nullptr;
    return [this](size_t done, size_t total) { draw(done, total); };
  }
  void done() {
    if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  void draw(size_t done, size_t total) {
    if (done == 0) {  // the walk starts: rates and time left count from here
      start_ = std::chrono::steady_clock::now();
      return;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 0;
    const int width = 30, filled = static_cast<int>(frac * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    const double eta = rate > 0 && total > done ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\r[%s] %5.1f%%  %zu/%zu bars  %.2fM bars/s  %.0fs left\033[K", bar.c_str(), 100 * frac, done,
                 total, rate / 1e6, eta);
    drawn_ = true;
  }
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

// Which arm a headline row shows: the strategy as it ran (base), or its MEM-enhanced arm (the
// training part unchanged, the scoring part enhanced), and the state MEM started from.
std::string arm_of(const StrategyReport& s) {
  if (s.mem.is_null()) return "base";
  std::string arm = s.mem.value("enhancer", std::string(kBuiltinEnhancer)) == kBuiltinEnhancer ? "MEM-enhanced" : "enhanced";
  if (s.mem.value("state_loaded", false)) arm += " (continued)";
  return arm;
}

void print_metrics_table(const std::vector<StrategyReport>& rows) {
  Table t({"STRATEGY", "ARM", "RETURN", "CAGR", "SHARPE", "SORTINO", "MAX DD", "TRADES", "WIN RATE", "PROFIT F", "EXPOSURE",
           "FEES", "FINAL EQUITY"});
  for (const auto& s : rows) {
    const auto& m = s.metrics;
    t.add({s.label + (s.error.empty() ? "" : " (FAILED)"), arm_of(s), pct(m.total_return), opt_pct(m.cagr), opt_fixed(m.sharpe, 3),
           opt_fixed(m.sortino, 3), pct(m.max_drawdown), std::to_string(m.trades), pct(m.win_rate),
           opt_fixed(m.profit_factor, 2), pct(m.exposure), fixed(m.total_fees, 2), fixed(s.final_equity, 2)});
  }
  t.print(std::cout);
}

struct RunArgs {
  std::vector<std::string> strategies, symbols, params;
  std::string data, synthetic, from, to, equity_csv, trades_csv;
  double capital = 100000, slippage_bps = 0, commission = 0, commission_bps = 0, risk_free = 0;
  std::optional<double> size;
  std::optional<int> periods;
  bool json = false, no_batch = false, skip_bad_rows = false, allow_unpublished = false;
  std::string isolation;  // "" (per manifest, else in-process) | inproc | process
  bool isolate = false;   // --isolate: the same as --isolation process
  std::string mem;  // "", on, off
  double mem_train_fraction = 0.5;
  bool mem_reset = false;          // kept for old scripts: the same as --mem-state fresh (the default)
  std::string mem_state = "fresh";  // fresh | continue
  uint64_t mem_seed = 42;
  std::string enhancer;                        // "" = per manifest
  std::vector<std::string> enhancer_params;    // NAME=VALUE
  uint32_t enhancer_max_failures = 5;
};

// Base vs enhanced on the scoring part of a MEM run (the `mem` block of a strategy's results).
void print_mem_block(const std::string& label, const Json& m) {
  if (m.is_null()) return;
  const Json& sc = m["scoring"];
  std::cout << "\nMEM " << label << " (" << m.value("mode", std::string()) << ", enhancer "
            << m.value("enhancer", std::string(kBuiltinEnhancer)) << "): learned on "
            << m["training_part"].value("from", std::string()) << " .. before " << m["training_part"].value("until_before", std::string())
            << ", scored on " << m["scoring_part"].value("from", std::string()) << " .. " << m["scoring_part"].value("to", std::string())
            << "\n";
  if (m.value("state_loaded", false))
    std::cout << "continued the state saved by run "
              << (m.contains("state_continued_from_run") && m["state_continued_from_run"].is_string()
                      ? m["state_continued_from_run"].get<std::string>()
                      : std::string("(a run before algohost recorded it)"))
              << " (--mem-state continue; learned through " << m.value("state_loaded_through", std::string("-")) << ")\n";
  else
    std::cout << "MEM started from nothing (--mem-state " << m.value("state", std::string("fresh")) << ")\n";
  if (m.contains("state_note")) std::cout << "note: " << m["state_note"].get<std::string>() << "\n";
  if (m.contains("plugin") && m["plugin"].value("disabled", false))
    std::cout << "note: " << m["plugin"].value("disabled_reason", std::string()) << "\n";
  Table t({"ARM (SCORING PART)", "RETURN", "SHARPE", "MAX DD", "TRADES", "WIN RATE", "PROFIT F"});
  for (const char* arm : {"base", "enhanced"}) {
    const Json& x = sc[arm];
    auto opt = [&](const char* k, int d) { return x.contains(k) && x[k].is_number() ? fixed(x[k].get<double>(), d) : std::string("-"); };
    t.add({arm, pct(sc.value(std::string(arm) + "_return", 0.0)), opt("sharpe", 3), x.contains("max_drawdown") ? pct(x["max_drawdown"].get<double>()) : "-",
           x.contains("trades") ? std::to_string(x["trades"].get<int64_t>()) : "-", x.contains("win_rate") ? pct(x["win_rate"].get<double>()) : "-",
           opt("profit_factor", 2)});
  }
  t.print(std::cout);
  std::cout << "improvement (" << sc.value("metric", std::string()) << "): " << fixed(sc.value("improvement_pct", 0.0), 2)
            << " pp, HAC t " << fixed(sc.value("hac_t", 0.0), 2) << " (daily log-return differences) over " << sc.value("days", 0)
            << " days -> " << sc.value("verdict", std::string()) << "\n";
  if (sc.contains("sharpe") && sc["sharpe"]["ci95"].is_array())
    std::cout << "sharpe: base " << fixed(sc["sharpe"]["base"].get<double>(), 3) << ", enhanced "
              << fixed(sc["sharpe"]["enhanced"].get<double>(), 3) << ", difference " << fixed(sc["sharpe"]["difference"].get<double>(), 3)
              << " (95% CI " << fixed(sc["sharpe"]["ci95"][0].get<double>(), 3) << " .. " << fixed(sc["sharpe"]["ci95"][1].get<double>(), 3)
              << ")\n";
  if (m.contains("skill_gate"))
    std::cout << "skill gate: " << m["skill_gate"].value("decision", std::string()) << " - " << m["skill_gate"].value("reason", std::string())
              << "\n";
  if (m.contains("plugin")) {  // an enhancer plugin: what it did; it has no patterns of MEM's
    const Json& p = m["plugin"];
    std::cout << "enhancer calls " << p.value("calls", 0) << " (entries " << p.value("entries_judged", 0) << "), changed "
              << p.value("changed", 0) << ", vetoed " << p.value("vetoed", 0) << ", learned "
              << p.value("learned_total", 0) << ", failed " << p.value("failed_calls", 0) << "\n";
    return;
  }
  if (m.contains("parameter_rule")) {  // the built-in stage's parameter rule: what it proposed and whether it was written
    const Json& r = m["parameter_rule"];
    if (r.contains("replay"))
      std::cout << "parameter rule: " << r["replay"].value("why", std::string()) << "\n";
    else
      std::cout << "parameter rule: " << r.value("note", std::string()) << "\n";
    for (const auto& ch : r["changes"])
      std::cout << "  " << ch.value("parameter", std::string()) << ": " << ch["before"].dump() << " -> " << ch["after"].dump()
                << (ch.value("written", false) ? " (written)" : " (not written)") << "\n";
  }
  int passed = 0, total = 0;
  for (const auto& p : sc["patterns"]) {
    ++total;
    if (p.value("passes_out_of_sample", false)) {
      ++passed;
      std::cout << "  pattern " << p.value("pattern", std::string()) << ": in sample " << p.value("in_sample_wins", 0) << "/"
                << p.value("in_sample_occurrences", 0) << ", out of sample " << p.value("out_of_sample_wins", 0) << "/"
                << p.value("out_of_sample_occurrences", 0) << " (p=" << fixed(p.value("p_value", 1.0), 4) << ")\n";
    }
  }
  std::cout << passed << " of " << total << " patterns learned in the training part pass out of sample\n";
}

void run_command(Context& ctx, const RunArgs& a) {
  auto overrides = parse_param_overrides(a.params);
  auto enhancer_overrides = parse_param_overrides(a.enhancer_params, "--enhancer-param");
  for (const auto* o : {&overrides, &enhancer_overrides})
    if (!o->ok()) {
      ctx.exit_code = report_error(o->status());
      return;
    }
  RunRequest req;
  req.strategies = a.strategies;
  if (!a.data.empty()) req.data = a.data;
  if (!a.synthetic.empty()) req.synthetic = a.synthetic;
  req.symbols = a.symbols;
  if (!a.from.empty()) req.from = a.from;
  if (!a.to.empty()) req.to = a.to;
  req.params = *overrides;
  req.allow_unpublished = a.allow_unpublished;
  if (a.isolate) req.isolation = Isolation::kProcess;
  else if (!a.isolation.empty()) req.isolation = parse_isolation(a.isolation);
  req.broker.capital = a.capital;
  req.broker.slippage_bps = a.slippage_bps;
  req.broker.commission_per_trade = a.commission;
  req.broker.commission_bps = a.commission_bps;
  req.default_size = a.size;
  req.use_batch = !a.no_batch;
  req.skip_bad_rows = a.skip_bad_rows;
  req.periods_per_year = a.periods;
  req.risk_free_rate = a.risk_free;
  req.equity_csv = a.equity_csv;
  req.trades_csv = a.trades_csv;
  if (a.mem == "on") req.mem = true;
  if (a.mem == "off") req.mem = false;
  req.mem_train_fraction = a.mem_train_fraction;
  req.mem_continue = a.mem_state == "continue";
  req.mem_seed = a.mem_seed;
  if (!a.enhancer.empty()) req.enhancer = a.enhancer;
  req.enhancer_params = *enhancer_overrides;
  req.enhancer_max_failures = a.enhancer_max_failures;
  Progress progress;
  req.progress = progress.callback();
  RunShutdown shutdown;  // SIGINT stops at the next bar; SIGTERM or a second SIGINT ends within 2 s
  req.stop = shutdown.stop_flag();
  req.shutdown = &shutdown;

  catalog::Catalog* cat = ctx.catalog();  // opens and syncs before the run
  if (!cat) return;
  CatalogService& cs = ctx.catalog_service();
  RunService service(ctx.plugins(), cs);
  auto report = service.run(req);
  progress.done();
  if (!report.ok()) {
    ctx.exit_code = report_error(report.status());
    return;
  }
  for (const auto& w : report->warnings) std::cerr << "warning: " << w << "\n";
  if (a.json) {
    std::cout << report->to_json().dump(2) << "\n";
  } else {
    std::cout << "run " << report->run_id << "  " << report->status << "  " << report->data_description << "\n"
              << report->symbols << " symbols, " << report->bars << " bars, " << report->periods_per_year
              << " periods/year, " << fixed(report->seconds, 2) << " s, " << report->trades_recorded
              << " trades recorded\n\n";
    print_metrics_table(report->strategies);
    for (const auto& s : report->strategies)
      if (s.metrics.short_window) {
        std::cout << "\nnote: the window is under " << static_cast<int>(metrics::kMinAnnualizeDays)
                  << " days: annualized figures (CAGR, Sharpe, Sortino, Calmar) are withheld.\n";
        break;
      }
    for (const auto& s : report->strategies) print_mem_block(s.label, s.mem);
    for (const auto& s : report->strategies) {
      if (!s.error.empty()) std::cout << "\n" << s.label << " failed: " << s.error << "\n";
      if (s.call_errors && s.error.empty())
        std::cout << "\n" << s.label << ": " << s.call_errors << " failed strategy calls were skipped (see the log)\n";
    }
  }
  if (report->status == "failed") ctx.exit_code = kExitPluginFailed;
  if (report->status == "interrupted")
    ctx.exit_code = shutdown.signal_number() == SIGTERM ? kExitTerminated : kExitInterrupted;
  if (ctx.exit_code == kExitOk && !report->io_failure.ok()) ctx.exit_code = exit_code_for(report->io_failure.code());
}

// Every MEM run of a strategy, a line each: when, which enhancer, the scoring part and both arms'
// return on it, the measured difference and its verdict.
void print_mem_history(const std::vector<catalog::MemRunResult>& runs, bool json) {
  auto line = [](const catalog::MemRunResult& m) {
    const Json& sc = m.mem["scoring"];
    return Json{{"run_id", m.run_id},
                {"started_at", m.started_at},
                {"strategy", m.strategy_label},
                {"enhancer", m.mem.value("enhancer", std::string(kBuiltinEnhancer))},
                {"mode", m.mem.value("mode", std::string())},
                {"scoring_part", m.mem["scoring_part"]},
                {"base_return", sc.value("base_return", 0.0)},
                {"enhanced_return", sc.value("enhanced_return", 0.0)},
                {"improvement_pct", sc.value("improvement_pct", 0.0)},
                {"hac_t", sc.value("hac_t", sc.value("paired_t", 0.0))},  // runs before hac_t recorded a paired t
                {"verdict", sc.value("verdict", std::string())}};
  };
  if (json) {
    Json out = Json::array();
    for (const auto& m : runs) out.push_back(line(m));
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (runs.empty()) {
    std::cout << "no MEM run recorded (run the strategy with --mem on)\n";
    return;
  }
  Table t({"RUN", "STARTED", "STRATEGY", "ENHANCER", "SCORED FROM", "BASE", "ENHANCED", "IMPROVEMENT", "HAC T", "VERDICT"});
  for (const auto& m : runs) {
    const Json j = line(m);
    t.add({m.run_id, m.started_at, m.strategy_label, j["enhancer"].get<std::string>(),
           m.mem["scoring_part"].value("from", std::string("-")), pct(j["base_return"].get<double>()),
           pct(j["enhanced_return"].get<double>()), fixed(j["improvement_pct"].get<double>(), 2) + " pp",
           fixed(j["hac_t"].get<double>(), 2), j["verdict"].get<std::string>()});
  }
  t.print(std::cout);
}

// How many of the trades counted come from runs that did not finish (stopped, failed, crashed).
void print_unfinished_note(const std::vector<catalog::PerformanceMetrics>& rows) {
  for (const auto& p : rows)
    if (p.unfinished_trades > 0)
      std::cout << "note: " << p.unfinished_trades << " of the " << p.trades << " trades of " << p.strategy_name << " come from "
                << p.unfinished_runs << (p.unfinished_runs == 1 ? " run" : " runs")
                << " that did not finish (running, interrupted, failed or crashed; see `algohost runs`)\n";
}

void print_perf(const std::vector<catalog::PerformanceMetrics>& rows) {
  Table t({"STRATEGY", "TRADES", "WINS", "WIN RATE", "TOTAL PNL", "AVG PNL", "AVG WIN", "AVG LOSS", "PROFIT F",
           "MAX DD", "SHARPE/TRADE"});
  for (const auto& p : rows)
    t.add({p.strategy_name, std::to_string(p.trades), std::to_string(p.wins), pct(p.win_rate), fixed(p.total_pnl, 2),
           fixed(p.average_pnl, 2), fixed(p.average_win, 2), fixed(p.average_loss, 2), opt_fixed(p.profit_factor, 2),
           fixed(p.max_drawdown, 2), opt_fixed(p.per_trade_sharpe, 3)});
  t.print(std::cout);
  print_unfinished_note(rows);
}

}  // namespace

void add_run_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Backtest strategies over market data; every trade is recorded in the catalog");
  run->add_option("--strategy", a->strategies, "NAME or NAME@VERSION (repeatable; default: every strategy)");
  auto* data = run->add_option("--data", a->data, "CSV file or directory of CSV files");
  auto* syn = run->add_option("--synthetic", a->synthetic,
                              "Synthetic data spec, e.g. symbols=4,bars=2520,seed=7,timeframe=1d (the default data)");
  data->excludes(syn);
  run->add_option("--symbols", a->symbols, "Only these symbols")->delimiter(',');
  run->add_option("--from", a->from, "First date (ISO-8601)");
  run->add_option("--to", a->to, "Last date (ISO-8601, inclusive)");
  run->add_option("--param", a->params,
                  "NAME=VALUE for every strategy that has NAME, or STRATEGY.NAME=VALUE for one strategy (repeatable)");
  run->add_flag("--allow-unpublished", a->allow_unpublished,
                "Run an artifact that differs from its published name@version (a rebuilt library, an edited module) "
                "as an unpublished development version, instead of refusing it");
  auto* iso = run->add_option("--isolation", a->isolation,
                              "Run the plugins in the host's process (inproc) or each instance in a worker process "
                              "(process); default: the manifest's runtime.isolation, else inproc")
                  ->check(CLI::IsMember({"inproc", "process"}));
  run->add_flag("--isolate", a->isolate,
                "The same as --isolation process: a crash, hang or runaway allocation fails that strategy alone")
      ->excludes(iso);
  run->add_option("--capital", a->capital, "Starting capital per strategy")->capture_default_str()->check(positive_number());
  run->add_option("--slippage-bps", a->slippage_bps, "Slippage per fill, basis points")->check(non_negative_number());
  run->add_option("--commission", a->commission, "Commission per fill, currency")->check(non_negative_number());
  run->add_option("--commission-bps", a->commission_bps, "Commission per fill, basis points of notional")
      ->check(non_negative_number());
  run->add_option("--size", a->size, "Default position size, fraction of equity (default 1/symbols)")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--periods-per-year", a->periods, "252 (default) or 365 for crypto-calendar data (auto-detected)")
      ->check(CLI::Range(1, 100000));
  run->add_option("--risk-free", a->risk_free, "Annual risk-free rate for Sharpe and Sortino");
  run->add_option("--equity-csv", a->equity_csv, "Write the equity curves to this CSV");
  run->add_option("--trades-csv", a->trades_csv, "Write the closed trades to this CSV");
  run->add_flag("--no-batch", a->no_batch, "Drive every strategy slice by slice (same results, slower)");
  run->add_flag("--skip-bad-rows", a->skip_bad_rows, "Skip malformed CSV rows (reported) instead of stopping");
  run->add_option("--mem", a->mem, "MEM stage on|off for every strategy (default: per manifest mem_integration)")
      ->check(CLI::IsMember({"on", "off"}));
  run->add_option("--mem-train-fraction", a->mem_train_fraction,
                  "Share of the timestamps where MEM only learns; it is scored on the rest")
      ->capture_default_str()->check(CLI::Range(0.01, 0.99));
  auto* mem_state = run->add_option("--mem-state", a->mem_state,
                                    "fresh: MEM learns from nothing (the default: a backtest depends only on code, data, "
                                    "parameters and flags); continue: go on from the state the last MEM run saved")
                        ->capture_default_str()->check(CLI::IsMember({"fresh", "continue"}));
  run->add_flag("--mem-reset", a->mem_reset, "The same as --mem-state fresh (the default)")->excludes(mem_state);
  run->add_option("--mem-seed", a->mem_seed, "Seed of the MEM model's initial weights")->capture_default_str();
  run->add_option("--enhancer", a->enhancer,
                  "NAME[@VERSION] of the enhancer for every strategy (turns MEM on; 'mem' = the built-in; default: "
                  "per manifest mem_integration.enhancer, else the built-in)");
  run->add_option("--enhancer-param", a->enhancer_params, "NAME=VALUE for the --enhancer plugin's parameters (repeatable)");
  run->add_option("--enhancer-max-failures", a->enhancer_max_failures,
                  "Failed enhancer plugin calls in a row after which it is disabled for the rest of the run")
      ->capture_default_str()->check(CLI::Range(1u, 1000000u));
  run->add_flag("--json", a->json, "Print JSON");
  run->callback([&ctx, a] { run_command(ctx, *a); });

  struct PerfArgs {
    std::string name, version, from, to, run;
    bool json = false;
  };
  auto p = std::make_shared<PerfArgs>();
  auto* perf = app.add_subcommand("perf", "Recorded performance of a strategy (trade statistics)");
  perf->add_option("strategy", p->name, "NAME or ID")->required();
  perf->add_option("--version", p->version, "Only trades of this version");
  perf->add_option("--from", p->from, "Trades exiting on or after (ISO-8601)");
  perf->add_option("--to", p->to, "Trades exiting on or before (ISO-8601; a date covers its day)");
  perf->add_option("--run", p->run, "Only trades of this run (see `algohost runs`)");
  perf->add_flag("--json", p->json, "Print JSON");
  perf->callback([&ctx, p] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto m = performance_of(c, p->name, p->version, p->from, p->to, p->run);
      if (!m.ok()) return m.status();
      if (p->json)
        std::cout << m->to_json().dump(2) << "\n";
      else
        print_perf({*m});
      return Status::Ok();
    });
  });

  struct CompareArgs {
    std::vector<std::string> names;
    std::string mem, run;
    bool history = false, json = false;
    int64_t limit = 50;
  };
  auto cmp = std::make_shared<CompareArgs>();
  auto* compare = app.add_subcommand("compare", "Recorded performance of several strategies side by side");
  compare->add_option("strategies", cmp->names, "NAME or NAME@VERSION ...");
  auto* mem_opt = compare->add_option("--mem", cmp->mem, "NAME: base vs MEM-enhanced arm on the scoring part of its latest MEM run");
  auto* run_opt = compare->add_option("--run", cmp->run, "With --mem: that run instead of the latest")->needs(mem_opt);
  auto* history_opt =
      compare->add_flag("--history", cmp->history, "With --mem: every MEM run of the strategy, newest first, a line each")
          ->needs(mem_opt)
          ->excludes(run_opt);
  compare->add_option("--limit", cmp->limit, "With --history: at most this many runs")
      ->capture_default_str()
      ->check(positive_number())
      ->needs(history_opt);
  compare->add_flag("--json", cmp->json, "Print JSON");
  compare->callback([&ctx, cmp] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      if (!cmp->mem.empty()) {
        if (!cmp->names.empty()) return Status::InvalidArgument("compare: name strategies or --mem NAME, not both");
        auto found = c.mem_runs(cmp->mem, cmp->run.empty() ? std::nullopt : std::optional<std::string>(cmp->run),
                                cmp->history ? cmp->limit : 1);
        if (!found.ok()) return found.status();
        if (cmp->history) {
          print_mem_history(*found, cmp->json);
          return Status::Ok();
        }
        if (found->empty()) {
          if (cmp->run.empty()) return Status::NotFound("no MEM run of " + cmp->mem + " recorded (run it with --mem on)");
          if (auto r = c.get_run(cmp->run); !r.ok()) return r.status();
          return Status::NotFound("run " + cmp->run + " has no MEM result for " + cmp->mem);
        }
        const auto& m = found->front();
        if (cmp->json) {
          Json out{{"run_id", m.run_id}, {"strategy", m.strategy_label}, {"started_at", m.started_at}, {"mem", m.mem}};
          std::cout << out.dump(2) << "\n";
        } else {
          std::cout << "run " << m.run_id << "  " << m.started_at << "\n";
          print_mem_block(m.strategy_label, m.mem);
        }
        return Status::Ok();
      }
      if (cmp->names.empty()) return Status::InvalidArgument("compare: name strategies, or --mem NAME");
      auto rows = compare_performance(c, cmp->names);
      if (!rows.ok()) return rows.status();
      if (cmp->json) {
        Json out = Json::array();
        for (const auto& r : *rows) out.push_back(r.to_json());
        std::cout << out.dump(2) << "\n";
      } else {
        print_perf(*rows);
      }
      return Status::Ok();
    });
  });

  struct TradesArgs {
    std::string name, run;
    int64_t limit = 1000;
    bool json = false;
  };
  auto tr = std::make_shared<TradesArgs>();
  auto* trades = app.add_subcommand("trades", "Recorded trades of a strategy");
  trades->add_option("strategy", tr->name, "NAME or ID")->required();
  trades->add_option("--run", tr->run, "Only trades of this run");
  trades->add_option("--limit", tr->limit, "At most this many")->capture_default_str()->check(positive_number());
  trades->add_flag("--json", tr->json, "Print JSON");
  trades->callback([&ctx, tr] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto rows = c.trades(tr->name, tr->run.empty() ? std::nullopt : std::optional<std::string>(tr->run), tr->limit);
      if (!rows.ok()) return rows.status();
      if (tr->json) {
        Json out = Json::array();
        for (const auto& t : *rows) out.push_back(t.to_json());
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"RUN", "SYMBOL", "ACTION", "ENTRY", "ENTRY PX", "EXIT", "EXIT PX", "QTY", "PNL", "PNL %", "REGIME"});
      for (const auto& x : *rows)
        t.add({x.run_id.value_or("-"), x.symbol, x.signal_action, x.entry_timestamp, fixed(x.entry_price, 4), x.exit_timestamp,
               fixed(x.exit_price, 4), fixed(x.quantity, 4), fixed(x.pnl, 2), pct(x.pnl_percentage),
               x.market_regime.value_or("-")});
      if (t.empty())
        std::cout << "no trades recorded\n";
      else
        t.print(std::cout);
      return Status::Ok();
    });
  });

  struct RunsArgs {
    int64_t limit = 20;
    bool json = false;
  };
  auto ra = std::make_shared<RunsArgs>();
  auto* runs = app.add_subcommand("runs", "Recorded runs, newest first");
  runs->add_option("--limit", ra->limit, "At most this many")->capture_default_str()->check(positive_number());
  runs->add_flag("--json", ra->json, "Print JSON");
  runs->callback([&ctx, ra] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto rows = c.runs(ra->limit);
      if (!rows.ok()) return rows.status();
      if (ra->json) {
        Json out = Json::array();
        for (const auto& r : *rows) out.push_back(r.to_json());
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"RUN", "STARTED", "STATUS", "STRATEGIES", "DATA"});
      for (const auto& r : *rows) {
        std::string names;
        if (r.strategies.is_array())
          for (const auto& x : r.strategies) names += (names.empty() ? "" : ",") + x.value("strategy", std::string("?"));
        t.add({r.run_id, r.started_at, r.status, names, r.data.is_object() ? r.data.value("source", std::string()) : ""});
      }
      t.print(std::cout);
      return Status::Ok();
    });
  });
}

}  // namespace algohost::cli
