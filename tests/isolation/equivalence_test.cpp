// A plugin in a worker gives what it gives in the host's process: every built-in strategy (native
// and Python) on the same synthetic data, through on_batch, on_slice and run_engine; state handed
// over (swap_probe); and the same load and create errors.
#include <gtest/gtest.h>

#include "host/data/slice_aligner.h"
#include "tests/isolation/isolation_test_support.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {
using namespace isotest;
using testing::must;

using Instance = std::unique_ptr<StrategyInstance>;

Instance make(PluginService& svc, const Manifest& m, const IsolationOptions* iso,
              const std::map<std::string, std::string>& overrides = {}) {
  return must(svc.instantiate(m, overrides, iso), m.id() + (iso ? " in a worker" : " in process"));
}

// on_batch over the whole series: the same signals, field by field.
void compare_batch(PluginService& svc, const Manifest& m, const BarSeries& s) {
  const IsolationOptions iso = in_worker();
  Instance a = make(svc, m, nullptr), b = make(svc, m, &iso);
  ASSERT_NE(worker_pid(*b), -1);
  ASSERT_EQ(a->supports_batch(), b->supports_batch());
  ASSERT_EQ(a->diagnostics(), b->diagnostics());
  ASSERT_EQ(a->label(), b->label());
  if (!a->supports_batch()) return;
  if (a->prefers_sparse_batch()) {
    ASSERT_TRUE(b->prefers_sparse_batch());
    std::vector<IndexedSignal> xa, xb;
    uint64_t da = 0, db = 0;
    Status sa = a->on_batch_sparse(s.view(0, s.size()), xa, &da), sb = b->on_batch_sparse(s.view(0, s.size()), xb, &db);
    ASSERT_EQ(sa.message(), sb.message());
    ASSERT_EQ(da, db);
    ASSERT_EQ(xa.size(), xb.size());
    for (size_t i = 0; i < xa.size(); ++i) {
      EXPECT_EQ(xa[i].index, xb[i].index);
      expect_same_signal(xa[i].signal, xb[i].signal, m.id() + " sparse " + std::to_string(i));
    }
    EXPECT_EQ(a->call_errors(), b->call_errors());
    return;
  }
  // Two calls: the second continues from the state the first left. The first is longer than
  // worker::kBatchSlice (512), so the worker runs it in slices.
  const size_t first = std::min<size_t>(s.size(), 600);
  for (auto [from, n] : {std::pair<size_t, size_t>{0, first}, {first, s.size() - first}}) {
    std::vector<ah_signal> xa(n), xb(n);
    uint64_t da = 0, db = 0;
    Status sa = a->on_batch(s.view(from, n), xa.data(), &da), sb = b->on_batch(s.view(from, n), xb.data(), &db);
    ASSERT_EQ(sa.message(), sb.message());
    ASSERT_EQ(da, db);
    for (size_t i = 0; i < da; ++i) expect_same_signal(xa[i], xb[i], m.id() + " " + s.symbol + " bar " + std::to_string(from + i));
  }
  EXPECT_EQ(a->call_errors(), b->call_errors());
}

// on_slice over the data's time-aligned slices: the same signals, field by field.
void compare_slices(PluginService& svc, const Manifest& m, const MarketData& md) {
  const IsolationOptions iso = in_worker();
  Instance a = make(svc, m, nullptr), b = make(svc, m, &iso);
  std::vector<const BarSeries*> all;
  for (const auto& s : md.series) all.push_back(&s);
  SliceAligner aligner(all);
  std::vector<ah_signal> xa, xb;
  size_t slices = 0, signals = 0;
  while (aligner.next()) {
    Status sa = a->on_slice(aligner.slice(), xa), sb = b->on_slice(aligner.slice(), xb);
    ASSERT_EQ(sa.message(), sb.message());
    ASSERT_EQ(xa.size(), xb.size()) << "slice " << slices;
    for (size_t i = 0; i < xa.size(); ++i) expect_same_signal(xa[i], xb[i], m.id() + " slice " + std::to_string(slices));
    ++slices;
    signals += xa.size();
  }
  EXPECT_GT(slices, 0u);
  EXPECT_EQ(a->call_errors(), b->call_errors());
}

// run_engine with the strategy in process, then in workers: the same trades, field by field.
void compare_engine(PluginService& svc, const Manifest& m, const MarketData& md) {
  const IsolationOptions iso = in_worker();
  auto run = [&](const IsolationOptions* isolation) {
    std::vector<StrategySetup> setups(1);
    setups[0].manifest = &m;
    setups[0].label = m.id();
    setups[0].broker.allow_short = m.short_selling;
    const size_t n = m.symbols == 1 ? md.series.size() : 1;
    for (size_t i = 0; i < n; ++i) setups[0].instances.push_back(make(svc, m, isolation));
    EngineOptions opt;
    opt.chunk = 1000;  // several batch calls per series, each run by the worker in slices of 512
    return run_engine(md, setups, opt);
  };
  EngineResult a = run(nullptr), b = run(&iso);
  ASSERT_EQ(a.outcomes.size(), 1u);
  ASSERT_EQ(b.outcomes.size(), 1u);
  EXPECT_EQ(a.outcomes[0].failure.message(), b.outcomes[0].failure.message());
  EXPECT_EQ(a.outcomes[0].signals, b.outcomes[0].signals);
  const auto& ta = a.outcomes[0].account->closed();
  const auto& tb = b.outcomes[0].account->closed();
  ASSERT_EQ(ta.size(), tb.size()) << m.id();
  for (size_t i = 0; i < ta.size(); ++i) expect_same_trade(ta[i], tb[i], m.id() + " trade " + std::to_string(i));
}

TEST(IsolationEquivalence, EveryBuiltinStrategyInProcessAndInAWorker) {
  PluginServiceOptions o = service_options();
  o.plugin_dirs.clear();  // the built-in ones alone
  PluginService svc(o);
  const MarketData md = synthetic(3, 700);
  // Through run_engine, three chunks of 1000 bars: the batch calls are made ahead of the walk on
  // its second thread (SignalPrefetcher), in process and in a worker alike.
  const MarketData long_md = synthetic(3, 2600);
  std::vector<std::string> seen;
  for (const auto& p : svc.discovery().plugins) {
    if (!p.report.ok() || p.shadowed_by || p.report.manifest->kind != "strategy") continue;
    const Manifest& m = *p.report.manifest;
    SCOPED_TRACE(m.id());
    seen.push_back(m.name + ":" + m.language);
    if (m.symbols == 1) {
      for (const auto& s : md.series) compare_batch(svc, m, s);
      compare_slices(svc, m, MarketData{{md.series[0]}});
    } else {
      compare_slices(svc, m, md);
    }
    compare_engine(svc, m, long_md);
  }
  // The native strategies and at least one Python one were compared.
  EXPECT_GE(seen.size(), 6u) << ::testing::PrintToString(seen);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "rsi:cpp"), seen.end());
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const std::string& s) { return s.ends_with(":python"); }));
}

TEST(IsolationEquivalence, HealthyFaultFixturesTradeTheSameBothWays) {
  PluginService svc(service_options());
  const MarketData md = synthetic(2, 1400);
  for (const char* name : {"faulty", "py_faulty"}) {
    const Manifest& m = *must(svc.find(name));
    SCOPED_TRACE(name);
    compare_batch(svc, m, md.series[0]);
    compare_slices(svc, m, MarketData{{md.series[0]}});
    compare_engine(svc, m, md);
  }
}

// Export from one version, import into the next (import_state_from), then run on: the same states
// and signals as in process; a refused import is refused the same way and fails nothing.
TEST(IsolationEquivalence, StateHandoverThroughAWorker) {
  PluginService svc(service_options());
  const Manifest& v1 = *must(svc.find("swap_probe@1.0.0"));
  const Manifest& v2 = *must(svc.find("swap_probe@2.0.0"));
  const MarketData md = synthetic(1, 300);
  const BarSeries& s = md.series[0];
  const IsolationOptions iso = in_worker();
  std::vector<ah_signal> xa, xb;
  auto feed = [&](StrategyInstance& a, StrategyInstance& b, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      OneSlice one(s, i);
      ASSERT_TRUE(a.on_slice(one.slice, xa).ok());
      ASSERT_TRUE(b.on_slice(one.slice, xb).ok());
      ASSERT_EQ(xa.size(), xb.size());
      for (size_t k = 0; k < xa.size(); ++k) expect_same_signal(xa[k], xb[k], "bar " + std::to_string(i));
    }
  };
  Instance a1 = make(svc, v1, nullptr), b1 = make(svc, v1, &iso);
  feed(*a1, *b1, 0, 123);
  const std::string state_a = must(a1->export_state()), state_b = must(b1->export_state());
  EXPECT_EQ(state_a, state_b);
  EXPECT_FALSE(state_a.empty());

  Instance a2 = make(svc, v2, nullptr), b2 = make(svc, v2, &iso);
  Status ia = a2->import_state_from(state_a, "1.0.0"), ib = b2->import_state_from(state_b, "1.0.0");
  EXPECT_EQ(ia.code(), ib.code());
  EXPECT_EQ(ia.message(), ib.message());
  feed(*a2, *b2, 123, 300);
  EXPECT_EQ(must(a2->export_state()), must(b2->export_state()));

  // A state it refuses: the same error, and the instance goes on.
  Status ra = a2->import_state("garbage"), rb = b2->import_state("garbage");
  EXPECT_FALSE(rb.ok());
  EXPECT_EQ(ra.code(), rb.code());
  EXPECT_EQ(ra.message(), rb.message());
  EXPECT_FALSE(b2->failed());
  // A large state crosses too (the arena grows): import_state of 1 MiB, refused the same way.
  const std::string big(1 << 20, 'x');
  ra = a2->import_state(big);
  rb = b2->import_state(big);
  EXPECT_EQ(ra.message(), rb.message());
  EXPECT_FALSE(b2->failed());
}

// A plugin error in the middle of a long batch (in the worker's second slice of 512 bars): the
// same error, the same `done`, the same signals before it.
TEST(IsolationEquivalence, APluginErrorMidBatch) {
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find("faulty"));
  const IsolationOptions iso = in_worker();
  const std::map<std::string, std::string> overrides = {{"fail_in", "bar"}, {"after", "700"}};
  Instance a = make(svc, m, nullptr, overrides), b = make(svc, m, &iso, overrides);
  const MarketData md = synthetic(1, 1200);
  const BarSeries& s = md.series[0];
  std::vector<ah_signal> xa(s.size()), xb(s.size());
  uint64_t da = 0, db = 0;
  Status sa = a->on_batch(s.view(0, s.size()), xa.data(), &da), sb = b->on_batch(s.view(0, s.size()), xb.data(), &db);
  EXPECT_FALSE(sb.ok());
  EXPECT_EQ(sa.code(), sb.code());
  EXPECT_EQ(sa.message(), sb.message());
  EXPECT_EQ(da, 700u);
  EXPECT_EQ(da, db);
  for (size_t i = 0; i < da; ++i) expect_same_signal(xa[i], xb[i], "bar " + std::to_string(i));
  EXPECT_TRUE(b->failed());
  EXPECT_EQ(a->failure().message(), b->failure().message());
}

// A state bigger than the arena crosses both ways: the worker grows the arena for its reply (export),
// the host for its request (import). A Python strategy whose state is a 3 MB document.
TEST(IsolationEquivalence, AStateBiggerThanTheArena) {
  testing::TempDir dir;
  testing::write_file(dir / "bigstate" / "1.0.0" / "bigstate.py", R"(
from algohost import Signal, Strategy
import json

class BigState(Strategy):
    def __init__(self, params):
        super().__init__(params)
        self.seen = []

    def on_bar(self, bar):
        self.seen.append(bar.close)
        return Signal.buy(0.5) if len(self.seen) % 2 else Signal.sell(0.5)

    def export_state(self):
        return {"seen": self.seen, "pad": "x" * 3_000_000}

    def import_state(self, data):
        self.seen = json.loads(data)["seen"]
)");
  testing::write_file(dir / "bigstate" / "1.0.0" / "manifest.json", R"({
    "name": "bigstate", "display_name": "Big state", "version": "1.0.0",
    "implementation": {"language": "python", "module": "bigstate.py", "class_name": "BigState", "sdk_api_version": "1.0"}
  })");
  PluginServiceOptions o = service_options();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  const Manifest& m = *must(svc.find("bigstate"));
  const IsolationOptions iso = in_worker();
  Instance a = make(svc, m, nullptr), b = make(svc, m, &iso);
  const MarketData md = synthetic(1, 50);
  std::vector<ah_signal> out;
  for (size_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(a->on_slice(OneSlice(md.series[0], i).slice, out).ok());
    ASSERT_TRUE(b->on_slice(OneSlice(md.series[0], i).slice, out).ok());
  }
  const std::string sa = must(a->export_state()), sb = must(b->export_state());
  EXPECT_GT(sb.size(), 3'000'000u);
  EXPECT_EQ(sa, sb);
  Instance a2 = make(svc, m, nullptr), b2 = make(svc, m, &iso);
  EXPECT_TRUE(a2->import_state(sa).ok());
  EXPECT_TRUE(b2->import_state(sb).ok());
  EXPECT_EQ(must(a2->export_state()), must(b2->export_state()));
}

// A plugin that fails to load or to create fails the same way in a worker, word for word.
TEST(IsolationEquivalence, TheSameLoadAndCreateErrors) {
  testing::TempDir dir;
  testing::install_fixture(dir.path(), FX_WRONG_MAJOR_PATH, testing::fixture_manifest("wrongmajor", "1.0.0", "x"));
  testing::install_fixture(dir.path(), FX_NO_ENTRY_PATH, testing::fixture_manifest("noentry", "1.0.0", "x"));
  PluginServiceOptions o = service_options();
  o.plugin_dirs.push_back(dir.path());
  PluginService svc(o);
  const IsolationOptions iso = in_worker();
  struct Case {
    const char* spec;
    std::map<std::string, std::string> overrides;
  };
  const Case cases[] = {{"wrongmajor", {}},
                        {"noentry", {}},
                        {"faulty", {{"fail_in", "create"}}},
                        {"py_faulty", {{"after", "-1"}}},  // refused before any worker starts
                        {"rsi", {{"period", "abc"}}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    const Manifest& m = *must(svc.find(c.spec));
    auto a = svc.instantiate(m, c.overrides);
    auto b = svc.instantiate(m, c.overrides, &iso);
    ASSERT_FALSE(a.ok());
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(a.status().code(), b.status().code());
    EXPECT_EQ(a.status().message(), b.status().message());
  }
}

}  // namespace
}  // namespace algohost
