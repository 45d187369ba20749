// The pause a hot swap adds to the bar path (issue 14: p99 under 1 ms). EngineCore runs momentum
// (in-process function tables, one instance per symbol) on 3 synthetic symbols; every 20 slices
// the lane is swapped to a fresh set of instances (prepared beforehand, as the live host does off
// the bar path) with the default 3-slice probation. Timed on the engine thread: every ordinary
// step(), begin_swap() itself, the step() right after it (the first one with the old version fed
// beside the new), and the two together (the whole pause between two bars). Counters are p50 and
// p99 in microseconds. Two cases: the state handed over (export/import) and a warm-up on the
// manifest's min_data_points bars.
// Run: build/bin/bench_swap_pause
#include <algorithm>
#include <chrono>
#include <vector>

#include <benchmark/benchmark.h>

#include <algohost/strategy.hpp>

#include "host/data/slice_aligner.h"
#include "host/data/synthetic.h"
#include "host/engine/engine_core.h"
#include "host/instance/table_instance.h"
#include "momentum/momentum_strategy.hpp"

using namespace algohost;
using Clock = std::chrono::steady_clock;

namespace {

double us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

const Manifest& momentum_manifest() {
  static const Manifest m = [] {
    OrderedJson doc = {
        {"name", "momentum"},
        {"display_name", "momentum"},
        {"version", "1.0.0"},
        {"implementation", {{"language", "cpp"}, {"library", "libmomentum.so"}, {"sdk_api_version", "1.0"}}},
        {"requirements", {{"symbols", 1}, {"min_data_points", 21}}},
    };
    return *validate_manifest(doc, "/plugins/momentum/manifest.json").manifest;
  }();
  return m;
}

LaneSpec momentum_lane(size_t n_symbols, const std::string& version) {
  LaneSpec s;
  s.manifest = &momentum_manifest();
  s.label = "momentum@" + version;
  s.version = version;
  for (size_t i = 0; i < n_symbols; ++i) {
    auto inst = TableInstance::create(sdk::api_for<plugins::MomentumStrategy>("momentum"), nullptr, s.label,
                                      R"({"lookback": 20, "threshold": 0.02})");
    if (inst.ok()) s.instances.push_back(std::move(*inst));
  }
  return s;
}

void BM_SwapPause(benchmark::State& state) {
  const bool hand_over = state.range(0) != 0;
  const int swaps = 500;
  const size_t every = 20;
  SyntheticSpec spec;
  spec.symbols = 3;
  spec.bars = swaps * static_cast<int64_t>(every) + 100;
  const MarketData md = generate_synthetic(spec);
  std::vector<std::string> names;
  for (const auto& s : md.series) names.push_back(s.symbol);
  std::vector<const BarSeries*> series;
  for (const auto& s : md.series) series.push_back(&s);

  std::vector<double> ordinary, after_swap, swap_call, pause;
  for (auto _ : state) {
    EngineCore core(names, EngineOptions{}, nullptr);
    auto lane = core.add(momentum_lane(names.size(), "1.0.0"));
    if (!lane.ok()) {
      state.SkipWithError(lane.status().message().c_str());
      return;
    }
    SwapOptions opt;
    opt.hand_over_state = hand_over;
    SliceAligner aligner(series);
    size_t i = 0;
    double swap_us = -1;  // begin_swap's time when the previous call was one
    while (aligner.next()) {
      const auto t0 = Clock::now();
      const Status st = core.step(aligner.slice());
      const double step_us = us(Clock::now() - t0);
      if (!st.ok()) {
        state.SkipWithError(st.message().c_str());
        return;
      }
      if (swap_us >= 0) {
        after_swap.push_back(step_us);
        pause.push_back(swap_us + step_us);
        swap_us = -1;
      } else {
        ordinary.push_back(step_us);
      }
      if (++i % every == 0 && static_cast<int>(i / every) <= swaps) {
        LaneSpec next = momentum_lane(names.size(), (i / every) % 2 ? "1.0.1" : "1.0.0");  // prepared off the bar path
        const auto s0 = Clock::now();
        const Status sw = core.begin_swap(*lane, std::move(next), opt);
        swap_us = us(Clock::now() - s0);
        if (!sw.ok()) {
          state.SkipWithError(sw.message().c_str());
          return;
        }
        swap_call.push_back(swap_us);
      }
      core.take_retired();  // destroyed between slices, untimed (the host does it off the bar path)
    }
  }
  state.counters["ordinary_p50_us"] = percentile(ordinary, 0.50);
  state.counters["ordinary_p99_us"] = percentile(ordinary, 0.99);
  state.counters["swap_call_p50_us"] = percentile(swap_call, 0.50);
  state.counters["swap_call_p99_us"] = percentile(swap_call, 0.99);
  state.counters["after_swap_p50_us"] = percentile(after_swap, 0.50);
  state.counters["after_swap_p99_us"] = percentile(after_swap, 0.99);
  state.counters["pause_p50_us"] = percentile(pause, 0.50);
  state.counters["pause_p99_us"] = percentile(pause, 0.99);
  state.counters["pause_max_us"] = pause.empty() ? 0 : *std::max_element(pause.begin(), pause.end());
  state.counters["swaps"] = static_cast<double>(swap_call.size());
}

}  // namespace

BENCHMARK(BM_SwapPause)->ArgName("hand_over")->Arg(1)->Arg(0)->Iterations(3)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
