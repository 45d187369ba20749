// Engine throughput, the best case and the common case, each as a ratio measured in the same run.
//
// Best case: one native RSI strategy (the loaded plugin) over N synthetic bars of one symbol
// already in memory, with the paper broker and recording on, versus the strategy's own batch path
// alone; and the recorder's trades per second into SQLite.
// Common case: four symbols, RSI, MEM off and MEM on (the built-in MemStage with its shadow base
// arm), through RunService (what `algohost run` calls) and through the CLI binary itself
// (`algohost run --synthetic symbols=4,... --strategy rsi --mem off|on --json` against a fresh
// ALGOHOST_HOME), and through RunService with the strategy's chunks computed by the walk's own
// thread (no SignalPrefetcher), for the second thread's gain as a ratio. The run's time is what the CLI reports ("seconds": the walk with broker, MEM
// and recording, until the last trade is written); the process's wall time (data generation,
// catalog sync, the run, its summaries) is printed beside it.
// With ALGOHOST_BENCH_BASELINE_BIN set to another build's algohost (e.g. main's), the CLI cases are
// also run with that binary, and this build's run rates are printed as ratios to it.
// Usage: bench_engine [bars=10000000] [trades=300000] [repetitions=3] [bars_per_symbol=2500000]
// Each repetition measures everything; the medians are printed at the end.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/data/synthetic.h"
#include "host/engine/engine.h"
#include "host/loader/native_loader.h"
#include "host/recorder/recorder.h"
#include "host/data/timestamp.h"
#include "host/service/run_service.h"

using namespace algohost;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU time of the calling thread: less sensitive than wall time to other load on the machine.
static double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One common-case run: bars/s as the run reports it, and the wall time around it.
struct CommonRun {
  double rate = 0;         // bars / the run's own seconds (walk + recording)
  double wall_rate = 0;    // bars / wall time of the whole call (or process)
  double wall = 0, run_seconds = 0;
  int64_t trades = 0;
  std::string error;
};

std::string spec_of(int64_t bars_per_symbol) {
  return "symbols=4,bars=" + std::to_string(bars_per_symbol) + ",timeframe=1m,seed=7";
}

// Through RunService, in this process, into a fresh catalog under `home`.
CommonRun run_service(const std::filesystem::path& home, int64_t bars_per_symbol, bool mem, bool prefetch = true) {
  std::filesystem::create_directories(home);
  PluginServiceOptions po;
  po.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
  PluginService plugins(po);
  CatalogService catalog(plugins, CatalogLocation{home / "catalog.db", home}, "bench");
  RunService runs(plugins, catalog);
  RunRequest req;
  req.strategies = {"rsi"};
  req.synthetic = spec_of(bars_per_symbol);
  req.mem = mem;
  req.prefetch_signals = prefetch;
  const auto t0 = Clock::now();
  auto report = runs.run(req);
  CommonRun out;
  out.wall = seconds_since(t0);
  if (!report.ok()) {
    out.error = report.status().message();
    return out;
  }
  if (report->status != "finished") out.error = "run " + report->status;
  out.run_seconds = report->seconds;
  out.rate = static_cast<double>(report->bars) / report->seconds;
  out.wall_rate = static_cast<double>(report->bars) / out.wall;
  out.trades = report->strategies.empty() ? 0 : report->strategies[0].trades;
  return out;
}

// Through the CLI binary: a process per run, its --json report read back.
CommonRun run_cli(const std::filesystem::path& home, int64_t bars_per_symbol, bool mem,
                  const std::string& binary = ALGOHOST_BIN) {
  std::filesystem::create_directories(home);
  const auto out_file = home / "report.json", err_file = home / "stderr.txt";
  const std::string cmd = "env -u ALGOHOST_PLUGIN_PATH ALGOHOST_HOME='" + home.string() + "' '" + binary +
                          "' run --synthetic " + spec_of(bars_per_symbol) + " --strategy rsi --mem " +
                          (mem ? "on" : "off") + " --json > '" + out_file.string() + "' 2> '" + err_file.string() + "'";
  const auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  CommonRun out;
  out.wall = seconds_since(t0);
  std::ifstream in(out_file);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (rc != 0 || j.is_discarded() || j.value("status", "") != "finished") {
    std::ifstream err(err_file);
    std::string first;
    std::getline(err, first);
    out.error = "exit " + std::to_string(rc) + ": " + first;
    return out;
  }
  const double bars = j["bars"].get<double>();
  out.run_seconds = j["seconds"].get<double>();
  out.rate = bars / out.run_seconds;
  out.wall_rate = bars / out.wall;
  out.trades = j["strategies"][0]["trades"].get<int64_t>();
  return out;
}

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int64_t bars = argc > 1 ? std::stoll(argv[1]) : 10'000'000;
  const int64_t n_trades = argc > 2 ? std::stoll(argv[2]) : 300'000;
  const int reps = argc > 3 ? std::max(1, std::stoi(argv[3])) : 3;
  const int64_t bars_per_symbol = argc > 4 ? std::stoll(argv[4]) : 2'500'000;
  SyntheticSpec spec;
  spec.symbols = 1;
  spec.bars = bars;
  spec.step_ms = 60'000;
  spec.timeframe = "1m";
  auto t0 = Clock::now();
  MarketData md = generate_synthetic(spec);
  std::printf("generated %lld bars in %.2f s; %d repetitions, medians at the end\n", static_cast<long long>(bars),
              seconds_since(t0), reps);

  auto report = load_manifest(std::string(ALGOHOST_BUILTIN_PLUGIN_DIR) + "/rsi/1.0.0/manifest.json");
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.error_summary().c_str());
    return 1;
  }
  const Manifest& m = *report.manifest;
  NativeLoader loader;
  const auto params = *resolve_parameters(m, {});
  const auto dir = std::filesystem::temp_directory_path() / ("algohost-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<double> batch_rates, engine_rates, ratios, recorder_rates;
  // The common case, per repetition: [0] RunService MEM off, [1] RunService MEM on, [2] CLI MEM
  // off, [3] CLI MEM on, [4] RunService MEM off on one thread, [5] RunService MEM on on one thread
  // (EngineOptions::prefetch_signals off: the strategy's chunks computed by the walk itself).
  constexpr int kCommonCases = 6;
  std::vector<std::vector<double>> common_rates(kCommonCases), common_wall_rates(kCommonCases);
  std::vector<double> second_thread[2];  // RunService run rate, prefetch on / off: MEM off, on
  std::vector<double> four_vs_one, mem_ratio_service, mem_ratio_cli, mem_wall_ratio_cli;
  const char* baseline_bin = std::getenv("ALGOHOST_BENCH_BASELINE_BIN");
  std::vector<double> vs_baseline[2];  // CLI run rate, this build / the baseline binary: MEM off, on

  for (int rep = 0; rep < reps; ++rep) {
    std::printf("-- repetition %d\n", rep + 1);
    // 1. The strategy's own batch path alone: on_batch over 4096-bar chunks, nothing else.
    double batch_rate = 0;
    {
      auto inst = loader.instantiate(m, params);
      if (!inst.ok()) return std::fprintf(stderr, "%s\n", inst.status().message().c_str()), 1;
      std::vector<ah_signal> out(4096);
      int64_t acts = 0;
      t0 = Clock::now();
      const auto& s = md.series[0];
      for (size_t from = 0; from < s.size(); from += out.size()) {
        const size_t n = std::min(out.size(), s.size() - from);
        if (Status st = (*inst)->on_batch(s.view(from, n), out.data()); !st.ok())
          return std::fprintf(stderr, "on_batch: %s\n", st.message().c_str()), 1;
        for (size_t i = 0; i < n; ++i) acts += out[i].action != AH_HOLD;
      }
      const double secs = seconds_since(t0);
      batch_rate = static_cast<double>(s.size()) / secs;
      std::printf("strategy batch path alone:        %8.2f M bars/s  (%lld signals)\n", batch_rate / 1e6,
                  static_cast<long long>(acts));
    }

    // 2. The engine end to end: batch signals, broker, equity curve, metrics, trades to the recorder.
    {
      const auto file = dir / ("catalog-" + std::to_string(rep) + ".db");
      auto cat = catalog::Catalog::open(file);
      if (!cat.ok()) return std::fprintf(stderr, "%s\n", cat.status().message().c_str()), 1;
      catalog::Registration r;
      r.name = "rsi";
      r.display_name = "RSI";
      r.language = "cpp";
      auto sid = (*cat)->register_strategy(r);
      auto rec = Recorder::open(file, {});
      if (!sid.ok()) return std::fprintf(stderr, "register: %s\n", sid.status().message().c_str()), 1;
      if (!rec.ok()) return std::fprintf(stderr, "recorder: %s\n", rec.status().message().c_str()), 1;
      std::vector<StrategySetup> setups(1);
      setups[0].manifest = &m;
      setups[0].label = m.id();
      auto inst = loader.instantiate(m, params);
      if (!inst.ok()) return std::fprintf(stderr, "%s\n", inst.status().message().c_str()), 1;
      setups[0].instances.push_back(std::move(*inst));
      EngineOptions eo;
      int64_t recorded = 0;
      auto sink = [&](size_t, const std::vector<ClosedTrade>& trades) {
        for (const auto& t : trades) {
          catalog::TradeRecord tr;
          tr.strategy_id = *sid;
          tr.symbol = "SYN000";
          tr.entry_price = t.entry_price;
          tr.exit_price = t.exit_price;
          tr.quantity = t.quantity;
          tr.entry_timestamp = format_timestamp_ms(t.entry_ms);
          tr.exit_timestamp = format_timestamp_ms(t.exit_ms);
          tr.pnl = t.pnl;
          tr.pnl_percentage = t.pnl_pct;
          (*rec)->push(std::move(tr));
          ++recorded;
        }
      };
      t0 = Clock::now();
      const double cpu0 = thread_cpu_seconds();
      EngineResult res = run_engine(md, setups, eo, sink);
      const double engine_secs = seconds_since(t0);
      const double engine_cpu = thread_cpu_seconds() - cpu0;
      Status st = (*rec)->finish();
      const double secs = seconds_since(t0);
      std::printf("  (engine loop %.3f s [%.3f s CPU on its thread], recorder drain and summaries %.3f s)\n",
                  engine_secs, engine_cpu, secs - engine_secs);
      const double engine_rate = static_cast<double>(res.timestamps) / secs;
      std::printf("engine end to end (broker+record): %8.2f M bars/s  (%lld trades recorded, %s)\n", engine_rate / 1e6,
                  static_cast<long long>(recorded), st.ok() ? "ok" : st.message().c_str());
      std::printf("ratio engine / strategy batch path: %.3f\n", engine_rate / batch_rate);
      if (!st.ok()) return 1;
      batch_rates.push_back(batch_rate);
      engine_rates.push_back(engine_rate);
      ratios.push_back(engine_rate / batch_rate);
    }

    // 3. The recorder alone: trades per second into SQLite (batched transactions).
    {
      const auto file = dir / ("recorder-" + std::to_string(rep) + ".db");
      auto cat = catalog::Catalog::open(file);
      if (!cat.ok()) return std::fprintf(stderr, "%s\n", cat.status().message().c_str()), 1;
      catalog::Registration r;
      r.name = "bench";
      r.display_name = "Bench";
      auto sid = (*cat)->register_strategy(r);
      auto rec = Recorder::open(file, {});
      if (!sid.ok() || !rec.ok()) return 1;
      catalog::TradeRecord proto;
      proto.strategy_id = *sid;
      proto.symbol = "SYN000";
      proto.timeframe = "1m";
      proto.entry_price = 100;
      proto.exit_price = 101;
      proto.quantity = 10;
      proto.entry_timestamp = "2024-01-02T10:00:00Z";
      proto.exit_timestamp = "2024-01-02T11:00:00Z";
      proto.market_regime = "trending";
      t0 = Clock::now();
      for (int64_t i = 0; i < n_trades; ++i) {
        catalog::TradeRecord t = proto;
        t.pnl = static_cast<double>(i % 7) - 3.0;
        t.pnl_percentage = t.pnl / 1000.0;
        (*rec)->push(std::move(t));
      }
      Status st = (*rec)->flush();
      const double secs = seconds_since(t0);
      std::printf("recorder:                          %8.0f trades/s  (%lld trades, %s)\n",
                  static_cast<double>(n_trades) / secs, static_cast<long long>(n_trades),
                  st.ok() ? "ok" : st.message().c_str());
      if (!st.ok()) return 1;
      recorder_rates.push_back(static_cast<double>(n_trades) / secs);
    }

    // 4. The common case: four symbols, MEM off and on, through RunService and through the CLI.
    {
      static const char* kNames[] = {"RunService, MEM off", "RunService, MEM on ", "CLI,        MEM off",
                                     "CLI,        MEM on ", "RunService, MEM off, one thread", "RunService, MEM on,  one thread"};
      CommonRun runs[kCommonCases];
      for (int c = 0; c < kCommonCases; ++c) {
        const auto home = dir / ("home-" + std::to_string(rep) + "-" + std::to_string(c));
        runs[c] = c < 2    ? run_service(home, bars_per_symbol, c == 1)
                  : c < 4  ? run_cli(home, bars_per_symbol, c == 3)
                           : run_service(home, bars_per_symbol, c == 5, /*prefetch=*/false);
        if (!runs[c].error.empty()) return std::fprintf(stderr, "%s: %s\n", kNames[c], runs[c].error.c_str()), 1;
        std::printf("4 symbols, %s: %8.2f M bars/s over the run's %.3f s; %6.2f M bars/s over %.3f s wall  "
                    "(%lld trades)\n",
                    kNames[c], runs[c].rate / 1e6, runs[c].run_seconds, runs[c].wall_rate / 1e6, runs[c].wall,
                    static_cast<long long>(runs[c].trades));
        common_rates[c].push_back(runs[c].rate);
        common_wall_rates[c].push_back(runs[c].wall_rate);
      }
      four_vs_one.push_back(runs[2].rate / engine_rates.back());
      mem_ratio_service.push_back(runs[1].rate / runs[0].rate);
      mem_ratio_cli.push_back(runs[3].rate / runs[2].rate);
      mem_wall_ratio_cli.push_back(runs[3].wall_rate / runs[2].wall_rate);
      second_thread[0].push_back(runs[0].rate / runs[4].rate);
      second_thread[1].push_back(runs[1].rate / runs[5].rate);
      if (baseline_bin && *baseline_bin)
        for (int c = 0; c < 2; ++c) {
          const auto home = dir / ("baseline-" + std::to_string(rep) + "-" + std::to_string(c));
          const CommonRun b = run_cli(home, bars_per_symbol, c == 1, baseline_bin);
          if (!b.error.empty()) return std::fprintf(stderr, "baseline: %s\n", b.error.c_str()), 1;
          vs_baseline[c].push_back(runs[2 + c].rate / b.rate);
          std::printf("4 symbols, baseline CLI, MEM %s: %8.2f M bars/s over the run's %.3f s; this build / baseline %.3f\n",
                      c ? "on " : "off", b.rate / 1e6, b.run_seconds, vs_baseline[c].back());
        }
      std::printf("ratios: CLI 4 symbols / engine 1 symbol %.3f; MEM on / off: RunService %.3f, CLI %.3f "
                  "(wall %.3f)\n",
                  four_vs_one.back(), mem_ratio_service.back(), mem_ratio_cli.back(), mem_wall_ratio_cli.back());
    }
  }
  std::printf("== medians of %d repetitions\n", reps);
  std::printf("best case, 1 symbol: batch path %.2f M bars/s; engine end to end %.2f M bars/s; ratio %.3f; "
              "recorder %.0f trades/s [target >= 300000]\n",
              median(batch_rates) / 1e6, median(engine_rates) / 1e6, median(ratios), median(recorder_rates));
  std::printf("common case, 4 symbols (run time as the CLI reports it; wall time of the call or process):\n");
  static const char* kCases[] = {"RunService, MEM off", "RunService, MEM on", "CLI, MEM off", "CLI, MEM on",
                                 "RunService, MEM off, 1 thread", "RunService, MEM on, 1 thread"};
  for (int c = 0; c < kCommonCases; ++c)
    std::printf("  %-20s %8.2f M bars/s  (wall %6.2f M bars/s)%s\n", kCases[c], median(common_rates[c]) / 1e6,
                median(common_wall_rates[c]) / 1e6, c == 2 ? "  [target >= 20]" : "");
  std::printf("  CLI 4 symbols MEM off / engine 1 symbol: %.3f\n", median(four_vs_one));
  std::printf("  signals computed ahead on a second thread / on the walk's own (RunService): MEM off %.3f, MEM on %.3f\n",
              median(second_thread[0]), median(second_thread[1]));
  std::printf("  MEM on / MEM off: RunService %.3f, CLI %.3f [target >= 0.5]; CLI wall %.3f\n",
              median(mem_ratio_service), median(mem_ratio_cli), median(mem_wall_ratio_cli));
  if (!vs_baseline[0].empty())
    std::printf("  this build / baseline binary (CLI run rate): MEM off %.3f, MEM on %.3f\n", median(vs_baseline[0]),
                median(vs_baseline[1]));
  std::filesystem::remove_all(dir);
  return 0;
}
