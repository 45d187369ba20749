// Isolation (issue 15): what running a plugin in a worker process costs.
//
//   bench_worker [--benchmark_* flags]
//
// Google Benchmark cases, in-process against the same plugin in an `algohost-worker`, same run:
//   BM_RsiBatch/inproc|worker    RSI driven through on_batch in chunks of 4096 bars (bars/s)
//   BM_RsiEngine/inproc|worker   run_engine over 4 synthetic symbols of 250k bars with RSI (the `run` path;
//                                fresh workers each run, their start outside the timing)
//   BM_WorkerStart/native|python spawn a worker and create the instance in it (ready to call)
//   BM_RestartAfterCrash         a call that crashes the worker (SIGSEGV), seen by the host, then
//                                a new worker spawned and ready
// Then, outside Google Benchmark, the per-slice round trip host -> worker -> host of one
// strategy (RSI, one symbol): a histogram of 100,000 on_slice calls, p50/p99/p99.9 and max, against
// in-process calls. Targets: batch worker/inproc >= 0.5; slice p99 < 20 us on an idle machine.
// The ratios are printed at the end. Machines are shared: the load average is printed too.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "host/data/synthetic.h"
#include "host/engine/engine.h"
#include "host/isolation/worker_instance.h"
#include "host/service/plugin_service.h"

using namespace algohost;
using Clock = std::chrono::steady_clock;

namespace {

PluginService& service() {
  static PluginService* svc = [] {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    o.plugin_dirs = {ALGOHOST_FAULT_PLUGIN_DIR};
    o.python_sdk_dir = ALGOHOST_PYTHON_SDK_DIR;
    return new PluginService(o);
  }();
  return *svc;
}

IsolationOptions worker_options() {
  IsolationOptions o;
  o.mode = Isolation::kProcess;
  o.worker = ALGOHOST_WORKER_PATH;
  return o;
}

const Manifest& manifest(const std::string& spec) {
  auto m = service().find(spec);
  if (!m.ok()) {
    std::fprintf(stderr, "bench_worker: %s\n", m.status().to_string().c_str());
    std::exit(1);
  }
  return **m;
}

std::unique_ptr<StrategyInstance> make(const std::string& spec, bool in_worker,
                                       const std::map<std::string, std::string>& overrides = {}) {
  const IsolationOptions iso = worker_options();
  auto inst = service().instantiate(manifest(spec), overrides, in_worker ? &iso : nullptr);
  if (!inst.ok()) {
    std::fprintf(stderr, "bench_worker: %s\n", inst.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(*inst);
}

const MarketData& data(int symbols, int64_t bars) {
  static std::map<std::pair<int, int64_t>, MarketData> cache;
  auto& md = cache[{symbols, bars}];
  if (md.series.empty()) {
    SyntheticSpec spec;
    spec.symbols = symbols;
    spec.bars = bars;
    md = generate_synthetic(spec);
  }
  return md;
}

void BM_RsiBatch(benchmark::State& state) {
  const bool in_worker = state.range(0) == 1;
  const BarSeries& s = data(1, 200'000).series[0];
  auto inst = make("rsi", in_worker);
  std::vector<ah_signal> out(4096);
  for (auto _ : state) {
    for (size_t from = 0; from < s.size(); from += 4096) {
      const size_t n = std::min<size_t>(4096, s.size() - from);
      if (!inst->on_batch(s.view(from, n), out.data()).ok()) state.SkipWithError("on_batch failed");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_RsiBatch)->Arg(0)->Arg(1)->ArgNames({"worker"})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RsiEngine(benchmark::State& state) {
  const bool in_worker = state.range(0) == 1;
  const MarketData& md = data(4, 250'000);
  const Manifest& m = manifest("rsi");
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<StrategySetup> setups(1);
    setups[0].manifest = &m;
    setups[0].label = m.id();
    for (size_t i = 0; i < md.series.size(); ++i) setups[0].instances.push_back(make("rsi", in_worker));
    state.ResumeTiming();
    EngineResult r = run_engine(md, setups, EngineOptions{});
    if (!r.outcomes[0].failure.ok()) state.SkipWithError(r.outcomes[0].failure.message().c_str());
    state.PauseTiming();
    setups.clear();  // workers shut down outside the timing
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(md.total_bars()));
}
BENCHMARK(BM_RsiEngine)->Arg(0)->Arg(1)->ArgNames({"worker"})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WorkerStart(benchmark::State& state) {
  const bool python = state.range(0) == 1;
  for (auto _ : state) {
    auto inst = make(python ? "py_faulty" : "rsi", true);
    state.PauseTiming();
    inst.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WorkerStart)->Arg(0)->Arg(1)->ArgNames({"python"})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RestartAfterCrash(benchmark::State& state) {
  const BarSeries& s = data(1, 10).series[0];
  std::vector<ah_signal> out;
  ah_bar bar = s.bar(0);
  const char* symbol = s.symbol.c_str();
  uint8_t has_bar = 1;
  const ah_slice slice{bar.ts_ms, 1, &symbol, &bar, &has_bar, nullptr};
  auto inst = make("faulty", true, {{"fail_in", "segv"}, {"after", "0"}});
  for (auto _ : state) {
    if (inst->on_slice(slice, out).ok()) state.SkipWithError("the faulty worker did not crash");
    inst = make("faulty", true, {{"fail_in", "segv"}, {"after", "0"}});
  }
}
BENCHMARK(BM_RestartAfterCrash)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- per-slice round trip: a histogram of N calls ----

struct Percentiles {
  double p50, p99, p999, max;
};

Percentiles slice_round_trip(bool in_worker, size_t n) {
  const BarSeries& s = data(1, 100'000).series[0];
  auto inst = make("rsi", in_worker);
  const char* symbol = s.symbol.c_str();
  uint8_t has_bar = 1;
  std::vector<ah_signal> out;
  std::vector<double> us(n);
  for (size_t i = 0; i < n; ++i) {
    ah_bar bar = s.bar(i % s.size());
    const ah_slice slice{bar.ts_ms, 1, &symbol, &bar, &has_bar, nullptr};
    const auto t0 = Clock::now();
    const Status st = inst->on_slice(slice, out);
    us[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (!st.ok()) {
      std::fprintf(stderr, "bench_worker: %s\n", st.to_string().c_str());
      std::exit(1);
    }
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(n - 1, static_cast<size_t>(q * static_cast<double>(n)))]; };
  return {at(0.50), at(0.99), at(0.999), us.back()};
}

// Collects items_per_second of each case for the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rates[r.benchmark_name()] = it->second.value;
      if (r.iterations > 0) ms[r.benchmark_name()] = r.GetAdjustedRealTime();
    }
  }
  std::map<std::string, double> rates, ms;
};

double load_average() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("load average at start: %.2f\n", load_average());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto ratio = [&](const char* a, const char* b) {
    auto ia = reporter.rates.find(a), ib = reporter.rates.find(b);
    return ia != reporter.rates.end() && ib != reporter.rates.end() && ib->second > 0 ? ia->second / ib->second : -1.0;
  };
  std::printf("\nthroughput worker / in-process:\n");
  std::printf("  RSI on_batch (chunks of 4096):   %.3f  (target >= 0.5)\n",
              ratio("BM_RsiBatch/worker:1/real_time", "BM_RsiBatch/worker:0/real_time"));
  std::printf("  RSI run_engine, 4 symbols:       %.3f\n",
              ratio("BM_RsiEngine/worker:1/real_time", "BM_RsiEngine/worker:0/real_time"));

  const size_t n = 100'000;
  const Percentiles w = slice_round_trip(true, n), p = slice_round_trip(false, n);
  std::printf("\nper-slice on_slice, RSI, one symbol, %zu calls (us):\n", n);
  std::printf("  worker      p50 %7.2f  p99 %7.2f  p99.9 %8.2f  max %9.1f  (target p99 < 20)\n", w.p50, w.p99, w.p999, w.max);
  std::printf("  in-process  p50 %7.2f  p99 %7.2f  p99.9 %8.2f  max %9.1f\n", p.p50, p.p99, p.p999, p.max);
  std::printf("load average at end: %.2f\n", load_average());
  benchmark::Shutdown();
  return 0;
}
