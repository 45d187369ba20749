// End-to-end engine throughput: one native RSI strategy (the loaded plugin) over N synthetic bars
// already in memory, with the paper broker and recording on, versus the strategy's own batch path
// alone in the same run; and the recorder's trades per second into SQLite.
// Usage: bench_engine [bars=10000000] [trades=300000]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "host/data/synthetic.h"
#include "host/engine/engine.h"
#include "host/loader/native_loader.h"
#include "host/recorder/recorder.h"
#include "host/data/timestamp.h"

using namespace algohost;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  const int64_t bars = argc > 1 ? std::stoll(argv[1]) : 10'000'000;
  const int64_t n_trades = argc > 2 ? std::stoll(argv[2]) : 300'000;
  SyntheticSpec spec;
  spec.symbols = 1;
  spec.bars = bars;
  spec.step_ms = 60'000;
  spec.timeframe = "1m";
  auto t0 = Clock::now();
  MarketData md = generate_synthetic(spec);
  std::printf("generated %lld bars in %.2f s\n", static_cast<long long>(bars), seconds_since(t0));

  auto report = load_manifest(std::string(ALGOHOST_BUILTIN_PLUGIN_DIR) + "/rsi/1.0.0/manifest.json");
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.error_summary().c_str());
    return 1;
  }
  const Manifest& m = *report.manifest;
  NativeLoader loader;
  const auto params = *resolve_parameters(m, {});

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
      if (!(*inst)->on_batch(s.view(from, n), out.data()).ok()) return 1;
      for (size_t i = 0; i < n; ++i) acts += out[i].action != AH_HOLD;
    }
    const double secs = seconds_since(t0);
    batch_rate = static_cast<double>(s.size()) / secs;
    std::printf("strategy batch path alone:        %8.2f M bars/s  (%lld signals)\n", batch_rate / 1e6,
                static_cast<long long>(acts));
  }

  // 2. The engine end to end: batch signals, broker, equity curve, metrics, trades to the recorder.
  const auto dir = std::filesystem::temp_directory_path() / ("algohost-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  double engine_rate = 0;
  {
    auto cat = catalog::Catalog::open(dir / "catalog.db");
    if (!cat.ok()) return std::fprintf(stderr, "%s\n", cat.status().message().c_str()), 1;
    catalog::Registration r;
    r.name = "rsi";
    r.display_name = "RSI";
    r.language = "cpp";
    auto sid = (*cat)->register_strategy(r);
    auto rec = Recorder::open(dir / "catalog.db", {});
    if (!sid.ok() || !rec.ok()) return 1;
    std::vector<StrategySetup> setups(1);
    setups[0].manifest = &m;
    setups[0].label = m.id();
    auto inst = loader.instantiate(m, params);
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
    EngineResult res = run_engine(md, setups, eo, sink);
    const double engine_secs = seconds_since(t0);
    Status st = (*rec)->finish();
    const double secs = seconds_since(t0);
    std::printf("  (engine loop %.3f s, recorder drain and summaries %.3f s)\n", engine_secs, secs - engine_secs);
    engine_rate = static_cast<double>(res.timestamps) / secs;
    std::printf("engine end to end (broker+record): %8.2f M bars/s  (%lld trades recorded, %s)\n", engine_rate / 1e6,
                static_cast<long long>(recorded), st.ok() ? "ok" : st.message().c_str());
    std::printf("ratio engine / strategy batch path: %.3f\n", engine_rate / batch_rate);
  }

  // 3. The recorder alone: trades per second into SQLite (batched transactions).
  {
    auto cat = catalog::Catalog::open(dir / "recorder.db");
    catalog::Registration r;
    r.name = "bench";
    r.display_name = "Bench";
    auto sid = (*cat)->register_strategy(r);
    auto rec = Recorder::open(dir / "recorder.db", {});
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
                static_cast<double>(n_trades) / secs, static_cast<long long>(n_trades), st.ok() ? "ok" : st.message().c_str());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
