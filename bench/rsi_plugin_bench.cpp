// RSI signals per second: the RSI class called directly in a loop (the baseline) versus the same
// code reached through the loaded plugin's batch entry (dlopen'd libalgohost_rsi.so), raw and
// through the host's checked TableInstance. Issue 2's target: plugin path >= 0.9 of direct.
//
// Before anything is timed, the three paths' signals over the whole series are compared field by
// field (every field of ah_signal, doubles bit for bit); any difference, or any benchmark that is
// skipped with an error, makes the program exit non-zero, naming the first differing signal. Its
// ctest smoke run (bench/CMakeLists.txt) therefore fails when the paths disagree.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
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

// ---- The paths' signals, once, untimed -------------------------------------------------------

// Every signal of the series through the strategy's on_bar, as BM_RsiDirect drives it.
std::vector<ah_signal> direct_signals() {
  const auto& s = bars();
  std::vector<ah_signal> out(s.size());
  RsiStrategy rsi(algohost::sdk::Params::parse(kParams));
  for (size_t i = 0; i < s.size(); ++i) {
    std::memset(&out[i], 0, sizeof out[i]);
    out[i].ts_ms = s.ts_ms[i];
    const ah_bar b{s.ts_ms[i], s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]};
    rsi.RsiStrategy::on_bar(b, algohost::sdk::Signal(out[i]));
  }
  return out;
}

// Through the loaded library's on_batch in chunks, as BM_RsiPluginBatch; "" or what failed.
std::string plugin_batch_signals(std::vector<ah_signal>& out) {
  auto lib = loader().load(rsi_manifest());
  if (!lib.ok()) return lib.status().message();
  const ah_strategy_api* api = algohost::NativeLoader::api(**lib);
  const auto& s = bars();
  out.assign(s.size(), ah_signal{});
  ah_instance* inst = nullptr;
  char err[256];
  if (api->create(kParams, &inst, err, sizeof err) != AH_OK) return err;
  std::string problem;
  for (size_t from = 0; from < s.size() && problem.empty(); from += kChunk) {
    const size_t n = std::min(kChunk, s.size() - from);
    ah_series view = s.view(from, n);
    uint64_t done = 0;
    if (api->on_batch(inst, &view, out.data() + from, &done) != AH_OK || done != n)
      problem = "on_batch failed at bar " + std::to_string(from + done);
  }
  api->destroy(inst);
  return problem;
}

// Through the host's checked TableInstance, as BM_RsiPluginChecked; "" or what failed.
std::string plugin_checked_signals(std::vector<ah_signal>& out) {
  auto inst = loader().instantiate(rsi_manifest(), algohost::OrderedJson::parse(kParams));
  if (!inst.ok()) return inst.status().message();
  const auto& s = bars();
  out.assign(s.size(), ah_signal{});
  for (size_t from = 0; from < s.size(); from += kChunk) {
    const size_t n = std::min(kChunk, s.size() - from);
    if (algohost::Status st = (*inst)->on_batch(s.view(from, n), out.data() + from); !st.ok()) return st.message();
  }
  return "";
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The first field in which two signals differ, or "" when they agree in every field.
std::string first_difference(const ah_signal& a, const ah_signal& b) {
  auto num = [](double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  if (a.ts_ms != b.ts_ms) return "ts_ms " + std::to_string(a.ts_ms) + " vs " + std::to_string(b.ts_ms);
  if (a.symbol_index != b.symbol_index)
    return "symbol_index " + std::to_string(a.symbol_index) + " vs " + std::to_string(b.symbol_index);
  if (a.action != b.action) return "action " + std::to_string(a.action) + " vs " + std::to_string(b.action);
  const std::pair<const char*, std::pair<double, double>> doubles[] = {
      {"target_position", {a.target_position, b.target_position}},
      {"confidence", {a.confidence, b.confidence}},
      {"position_size", {a.position_size, b.position_size}},
      {"stop_loss", {a.stop_loss, b.stop_loss}},
      {"take_profit", {a.take_profit, b.take_profit}}};
  for (const auto& [name, v] : doubles)
    if (!same_bits(v.first, v.second)) return std::string(name) + " " + num(v.first) + " vs " + num(v.second);
  if (std::strncmp(a.reason, b.reason, AH_REASON_LEN) != 0)
    return "reason '" + std::string(a.reason, strnlen(a.reason, AH_REASON_LEN)) + "' vs '" +
           std::string(b.reason, strnlen(b.reason, AH_REASON_LEN)) + "'";
  if (a.n_diag != b.n_diag) return "n_diag " + std::to_string(a.n_diag) + " vs " + std::to_string(b.n_diag);
  for (uint32_t k = 0; k < a.n_diag && k < AH_MAX_DIAGNOSTICS; ++k)
    if (!same_bits(a.diag[k], b.diag[k]))
      return "diag[" + std::to_string(k) + "] " + num(a.diag[k]) + " vs " + num(b.diag[k]);
  return "";
}

// Compares both plugin paths with the direct one over every bar; prints the first difference (or
// failure) and returns false on any, true when all three agree on every field of every signal.
bool paths_agree() {
  const std::vector<ah_signal> direct = direct_signals();
  size_t actions = 0;
  for (const auto& s : direct) actions += s.action != AH_HOLD;
  if (actions == 0) {
    std::fprintf(stderr, "signal check: the direct path gave no buy or sell on %zu bars; nothing is compared\n",
                 direct.size());
    return false;
  }
  std::vector<ah_signal> other;
  const std::pair<const char*, std::string (*)(std::vector<ah_signal>&)> paths[] = {
      {"BM_RsiPluginBatch", plugin_batch_signals}, {"BM_RsiPluginChecked", plugin_checked_signals}};
  for (const auto& [name, run] : paths) {
    if (std::string failed = run(other); !failed.empty()) {
      std::fprintf(stderr, "signal check: %s's path failed: %s\n", name, failed.c_str());
      return false;
    }
    for (size_t i = 0; i < direct.size(); ++i) {
      if (std::string diff = first_difference(direct[i], other[i]); !diff.empty()) {
        std::fprintf(stderr, "signal check: %s differs from BM_RsiDirect at signal %zu (ts_ms %lld): %s\n", name, i,
                     static_cast<long long>(direct[i].ts_ms), diff.c_str());
        return false;
      }
    }
  }
  std::printf("signal check: %zu signals (%zu buys or sells) agree in every field on all three paths\n",
              direct.size(), actions);
  return true;
}

// ---- Benchmarks ------------------------------------------------------------------------------

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
  if (!paths_agree()) return 1;
  algohost::bench::RatioReporter reporter("BM_RsiDirect");
  const size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (ran == 0) {
    std::fprintf(stderr, "no benchmark ran\n");
    return 1;
  }
  if (!reporter.errors().empty()) {
    for (const auto& e : reporter.errors()) std::fprintf(stderr, "skipped: %s\n", e.c_str());
    return 1;
  }
  return 0;
}
