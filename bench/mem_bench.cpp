// MEM stage cost: ns per enhance() call of the built-in MemStage against the PassThroughStage,
// measured in the same process on the same inputs. The MemStage is trained first (500 learned
// outcomes, patterns discovered) and every call is an ENTRY (flat account, ready context): the
// full path — features, model, memory recall over 50 trades, pattern match, formula, reasoning
// text. Budget (issue 6): at most 1 microsecond added per signal on average.
// Run: build/bin/bench_mem [calls] [repetitions]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "host/mem/mem_stage.h"

using namespace algohost;

namespace {

template <class F>
double ns_per_call(size_t calls, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < calls; ++i) f(i);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t calls = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  const char* regimes[] = {"trending", "mean_reverting", "volatile"};
  std::vector<ContextReading> ctxs(1024);
  for (auto& c : ctxs) {
    c.volatility = 0.05 + 0.6 * u(rng);
    c.volume_ratio = 0.5 + u(rng);
    c.regime = regimes[rng() % 3];
    c.ready = true;
  }
  mem::MemConfig mc;
  mc.symbols = {"A", "B"};
  mem::MemStage stage(mc);
  for (int i = 0; i < 500; ++i) {
    ClosedTrade t;
    t.symbol = static_cast<uint32_t>(i % 2);
    t.entry_ms = i * 86'400'000LL;
    t.exit_ms = t.entry_ms + 5 * 86'400'000LL;
    t.quantity = 1;
    t.confidence = 0.6;
    t.entry_context = ctxs[static_cast<size_t>(i) % ctxs.size()];
    t.pnl = u(rng) < (t.entry_context.volatility < 0.3 ? 0.8 : 0.3) ? 1 : -1;
    stage.learn(t);
  }
  PassThroughStage pass;
  PaperAccount acct(BrokerConfig{}, 2);
  ah_bar bar{0, 100, 101, 99, 100, 1000};
  ah_signal proto{};
  proto.action = AH_BUY;
  proto.confidence = 0.6;
  double sink = 0;
  auto run = [&](EnhancementStage& s) {
    return ns_per_call(calls, [&](size_t i) {
      StageInput in{nullptr, static_cast<uint32_t>(i & 1), &bar, &ctxs[i & 1023], &acct};
      ah_signal sig = proto;
      SignalNote note;
      s.enhance(in, sig, note);
      sink += sig.confidence + static_cast<double>(note.reasoning.size());
    });
  };
  std::vector<double> mem_ns, pass_ns, diff;
  for (int r = 0; r < reps; ++r) {
    const double p = run(pass), m = run(stage);
    pass_ns.push_back(p);
    mem_ns.push_back(m);
    diff.push_back(m - p);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("patterns %zu, memory %zu trades, model updates %lld\n", stage.miner().patterns().size(),
              static_cast<size_t>(50), static_cast<long long>(stage.model().updates()));
  std::printf("pass-through  %8.1f ns/call (median of %d x %zu calls)\n", median(pass_ns), reps, calls);
  std::printf("MEM (entry)   %8.1f ns/call\n", median(mem_ns));
  std::printf("added by MEM  %8.1f ns/call  (budget 1000 ns)  %s\n", median(diff), median(diff) <= 1000 ? "OK" : "OVER");
  std::printf("(checksum %g)\n", sink);
  return median(diff) <= 1000 ? 0 : 1;
}
