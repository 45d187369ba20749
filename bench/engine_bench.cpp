// End-to-end engine throughput: one native RSI strategy (the loaded plugin) over N synthetic bars
// already in memory, with the paper broker and recording on, versus the strategy's own batch path
// alone in the same run; and the recorder's trades per second into SQLite.
// Usage: bench_engine [bars=10000000] [trades=300000] [repetitions=3]
// Each repetition measures all three; the medians are printed at the end.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "host/data/synthetic.h"
#include "host/engine/engine.h"
#include "host/loader/native_loader.h"
#include "host/recorder/recorder.h"
#include "host/data/timestamp.h"

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

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int64_t bars = argc > 1 ? std::stoll(argv[1]) : 10'000'000;
  const int64_t n_trades = argc > 2 ? std::stoll(argv[2]) : 300'000;
  const int reps = argc > 3 ? std::max(1, std::stoi(argv[3])) : 3;
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
  }
  std::printf("== medians of %d: batch path %.2f M bars/s; engine end to end %.2f M bars/s [target >= 20]; "
              "ratio %.3f; recorder %.0f trades/s [target >= 300000]\n",
              reps, median(batch_rates) / 1e6, median(engine_rates) / 1e6, median(ratios), median(recorder_rates));
  std::filesystem::remove_all(dir);
  return 0;
}
