// RSI signals per second: the RSI class called directly in a loop (the baseline) versus the same
// code reached through the loaded plugin's batch entry (dlopen'd libalgohost_rsi.so), raw and
// through the host's checked TableInstance. Issue 2's target: plugin path >= 0.9 of direct.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/ratio_reporter.h"
#include "host/data/bar_series.h"
#include "host/instance/table_instance.h"
#include "host/loader/native_loader.h"
#include "rsi/rsi_strategy.hpp"

namespace {

using algohost::plugins::RsiStrategy;

constexpr size_t kBars = 1 << 20;
constexpr size_t kChunk = 4096;  // signals per batch call (the engine's chunk size)
const char* kParams = R"({"period": 14, "oversold": 30.0, "overbought": 70.0})";

algohost::BarSeries make_bars() {
  algohost::BarSeries s;
  s.symbol = "SYN";
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0.0, 0.01);
  double price = 100.0;
  for (size_t i = 0; i < kBars; ++i) {
    double next = price * std::exp(step(rng));
    s.push({static_cast<int64_t>(i) * 60000, price, std::max(price, next), std::min(price, next), next, 1000.0});
    price = next;
  }
  return s;
}

const algohost::BarSeries& bars() {
  static const algohost::BarSeries s = make_bars();
  return s;
}

const algohost::Manifest& rsi_manifest() {
  static const algohost::Manifest m = [] {
    auto r = algohost::load_manifest(std::string(ALGOHOST_BUILTIN_PLUGIN_DIR) + "/rsi/1.0.0/manifest.json");
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error_summary().c_str());
      std::exit(1);
    }
    return *r.manifest;
  }();
  return m;
}

algohost::NativeLoader& loader() {
  static algohost::NativeLoader l;
  return l;
}

// Baseline: the strategy's on_bar in a plain loop, exactly as the SDK's batch shim drives it.
void BM_RsiDirect(benchmark::State& state) {
  const auto& s = bars();
  std::vector<ah_signal> out(kChunk);
  int64_t buys = 0;
  for (auto _ : state) {
    RsiStrategy rsi(algohost::sdk::Params::parse(kParams));
    for (size_t i = 0; i < s.size(); ++i) {
      ah_signal& sig = out[i % kChunk];
      std::memset(&sig, 0, sizeof sig);
      sig.ts_ms = s.ts_ms[i];
      const ah_bar b{s.ts_ms[i], s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]};
      rsi.RsiStrategy::on_bar(b, algohost::sdk::Signal(sig));
      buys += sig.action == AH_BUY;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
  state.counters["buys"] = static_cast<double>(buys) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RsiDirect)->Unit(benchmark::kMillisecond);

// The loaded library's descriptor, called in chunks like the engine does.
void BM_RsiPluginBatch(benchmark::State& state) {
  auto lib = loader().load(rsi_manifest());
  if (!lib.ok()) {
    state.SkipWithError(lib.status().message().c_str());
    return;
  }
  const ah_strategy_api* api = algohost::NativeLoader::api(**lib);
  const auto& s = bars();
  std::vector<ah_signal> out(kChunk);
  int64_t buys = 0;
  for (auto _ : state) {
    ah_instance* inst = nullptr;
    char err[256];
    if (api->create(kParams, &inst, err, sizeof err) != AH_OK) {
      state.SkipWithError(err);
      return;
    }
    for (size_t from = 0; from < s.size(); from += kChunk) {
      const size_t n = std::min(kChunk, s.size() - from);
      ah_series view = s.view(from, n);
      uint64_t done = 0;
      api->on_batch(inst, &view, out.data(), &done);
      for (size_t i = 0; i < n; ++i) buys += out[i].action == AH_BUY;
    }
    api->destroy(inst);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
  state.counters["buys"] = static_cast<double>(buys) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RsiPluginBatch)->Unit(benchmark::kMillisecond);

// The same through the host's TableInstance, which checks every signal the plugin returns.
void BM_RsiPluginChecked(benchmark::State& state) {
  const auto& s = bars();
  std::vector<ah_signal> out(kChunk);
  int64_t buys = 0;
  for (auto _ : state) {
    auto inst = loader().instantiate(rsi_manifest(), algohost::OrderedJson::parse(kParams));
    if (!inst.ok()) {
      state.SkipWithError(inst.status().message().c_str());
      return;
    }
    for (size_t from = 0; from < s.size(); from += kChunk) {
      const size_t n = std::min(kChunk, s.size() - from);
      if (!(*inst)->on_batch(s.view(from, n), out.data()).ok()) {
        state.SkipWithError("on_batch failed");
        return;
      }
      for (size_t i = 0; i < n; ++i) buys += out[i].action == AH_BUY;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
  state.counters["buys"] = static_cast<double>(buys) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RsiPluginChecked)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // Default: 5 repetitions, medians compared (the machines are shared and noisy).
  std::vector<char*> args(argv, argv + argc);
  std::string reps = "--benchmark_repetitions=5", aggregates = "--benchmark_report_aggregates_only=true";
  bool has_reps = false;
  for (int i = 1; i < argc; ++i) has_reps = has_reps || std::strncmp(argv[i], "--benchmark_repetitions", 23) == 0;
  if (!has_reps) {
    args.push_back(reps.data());
    args.push_back(aggregates.data());
  }
  argc = static_cast<int>(args.size());
  argv = args.data();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  algohost::bench::RatioReporter reporter("BM_RsiDirect");
  const size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return ran > 0 ? 0 : 1;
}
