// PythonInstance: signals converted and checked, batch and slice drives agreeing, failures
// skipped and counted up to the consecutive limit, vectorized strategies over read-only views,
// state for hot swap, and Python strategies in the engine next to failing ones.
#include "host/python/python_instance.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>

#include "host/data/bar_series.h"
#include "host/engine/engine.h"
#include "tests/loader/python_test_support.h"

namespace algohost {
namespace {

using testing::install_python_fixture;
using testing::python_manifest;
using testing::python_options;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  PythonLoader loader;
  int serial = 0;
  explicit Fixture(uint32_t max_failures = 5) : loader(python_options(max_failures)) {}

  std::unique_ptr<StrategyInstance> make(const std::string& file, const std::string& cls,
                                         const std::map<std::string, std::string>& params = {}, long long symbols = 1,
                                         long long min_data_points = 0) {
    std::string name = cls;
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto doc = python_manifest(name + "_" + std::to_string(serial++), "1.0.0", file, cls);
    doc["requirements"] = {{"symbols", symbols}, {"min_data_points", min_data_points}};
    Manifest m = install_python_fixture(dir.path(), file, doc);
    auto inst = loader.instantiate(m, *resolve_parameters(m, params));
    if (!inst.ok()) throw std::runtime_error(inst.status().message());
    return std::move(inst).value();
  }
};

BarSeries series_of(const std::vector<double>& closes, const std::string& symbol = "X") {
  BarSeries s;
  s.symbol = symbol;
  for (size_t i = 0; i < closes.size(); ++i)
    s.push({static_cast<int64_t>(i) * 86'400'000, closes[i], closes[i] + 1, closes[i] - 1, closes[i], 100});
  return s;
}

// Signals from driving bar by bar (one-symbol slices); stops at the first failure.
Status drive_slices(StrategyInstance& inst, const BarSeries& s, std::vector<ah_signal>& out) {
  const char* sym[1] = {s.symbol.c_str()};
  const uint8_t has[1] = {1};
  std::vector<ah_signal> one;
  for (size_t i = 0; i < s.size(); ++i) {
    const ah_bar b = s.bar(i);
    const double carry = s.carry.empty() ? 0.0 : s.carry[i];
    const ah_slice slice{b.ts_ms, 1, sym, &b, has, s.carry.empty() ? nullptr : &carry};
    Status st = inst.on_slice(slice, one);
    if (!st.ok()) return st;
    ah_signal sig{};
    sig.ts_ms = b.ts_ms;
    if (!one.empty()) sig = one[0];
    out.push_back(sig);
  }
  return Status::Ok();
}

void expect_same(const std::vector<ah_signal>& a, const std::vector<ah_signal>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].action, b[i].action) << i;
    EXPECT_EQ(a[i].confidence, b[i].confidence) << i;
    EXPECT_EQ(a[i].stop_loss, b[i].stop_loss) << i;
    EXPECT_EQ(a[i].ts_ms, b[i].ts_ms) << i;
    EXPECT_EQ(std::memcmp(a[i].diag, b[i].diag, sizeof a[i].diag), 0) << i;
  }
}

const std::vector<double> kCloses = {95, 99, 101, 100, 104, 98, 97, 103, 110, 90, 100, 101, 99, 105, 106, 94};

TEST(PythonInstance, SignalsAreConvertedAndBatchEqualsSlices) {
  Fixture fx;
  auto a = fx.make("good.py", "Threshold");
  auto b = fx.make("good.py", "Threshold");
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> by_slice, by_batch(s.size());
  ASSERT_TRUE(drive_slices(*a, s, by_slice).ok());
  uint64_t done = 0;
  ASSERT_TRUE(b->on_batch(s.view(0, s.size()), by_batch.data(), &done).ok());
  EXPECT_EQ(done, s.size());
  expect_same(by_slice, by_batch);
  // close 95 < 100: sell 0.25 "below"; 101 > 100: buy 0.75 with a stop 10% under; 100: hold.
  EXPECT_EQ(by_batch[0].action, AH_SELL);
  EXPECT_DOUBLE_EQ(by_batch[0].confidence, 0.25);
  EXPECT_STREQ(by_batch[0].reason, "below");
  EXPECT_EQ(by_batch[2].action, AH_BUY);
  EXPECT_DOUBLE_EQ(by_batch[2].stop_loss, 101 * 0.9);
  EXPECT_EQ(by_batch[2].n_diag, 2u);
  EXPECT_DOUBLE_EQ(by_batch[2].diag[1], 3.0);  // the third bar
  EXPECT_EQ(by_batch[3].action, AH_HOLD);
  EXPECT_EQ(a->call_errors(), 0u);
}

TEST(PythonInstance, StateCarriesIntoAnotherInstance) {
  Fixture fx;
  auto a = fx.make("good.py", "Threshold");
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> out(s.size());
  ASSERT_TRUE(a->on_batch(s.view(0, 5), out.data()).ok());
  auto state = a->export_state();
  ASSERT_TRUE(state.ok()) << state.status().message();
  EXPECT_EQ(*state, "{\"count\": 5}");
  auto b = fx.make("good.py", "Threshold");
  ASSERT_TRUE(b->import_state(*state).ok());
  ASSERT_TRUE(b->on_batch(s.view(5, 1), out.data()).ok());
  EXPECT_DOUBLE_EQ(out[0].diag[1], 6.0);
}

// The count diagnostic of one more bar: what the instance's state holds, plus one.
double next_count(StrategyInstance& inst) {
  const BarSeries s = series_of({100});
  std::vector<ah_signal> out(1);
  EXPECT_TRUE(inst.on_batch(s.view(0, 1), out.data()).ok());
  return out[0].diag[0];
}

TEST(PythonInstance, ImportStateFromPassesTheVersionWhenTheMethodTakesIt) {
  Fixture fx;
  auto v1 = fx.make("state.py", "CountsV1");
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> out(s.size());
  ASSERT_TRUE(v1->on_batch(s.view(0, 5), out.data()).ok());
  const std::string v1_state = *v1->export_state();
  EXPECT_EQ(v1_state, "{\"count\": 5}");

  // import_state(self, data, from_version=None): told "1.0.0", it migrates 1.x's layout.
  auto v2 = fx.make("state.py", "CountsV2");
  Status st = v2->import_state_from(v1_state, "1.0.0");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(next_count(*v2), 6.0);
  EXPECT_EQ(*v2->export_state(), "{\"bars\": 6, \"layout\": 2}");
  // Without the version it reads its own layout only: 1.x's state is then a KeyError.
  auto v2b = fx.make("state.py", "CountsV2");
  Status own = v2b->import_state(v1_state);
  EXPECT_EQ(own.code(), StatusCode::kPluginError);
  EXPECT_NE(own.message().find("KeyError"), std::string::npos) << own.message();
  // NotImplementedError: Unsupported, and the instance goes on.
  Status nine = v2b->import_state_from(v1_state, "9.0.0");
  EXPECT_EQ(nine.code(), StatusCode::kUnsupported);
  EXPECT_NE(nine.message().find("cannot import the state of version 9.0.0"), std::string::npos) << nine.message();
  EXPECT_FALSE(v2b->failed());
  EXPECT_EQ(v2b->call_errors(), 0u);  // state calls are not counted against the failure limit

  // import_state(self, data): called without the version.
  auto v1b = fx.make("state.py", "CountsV1");
  ASSERT_TRUE(v1b->import_state_from(v1_state, "1.0.0").ok());
  EXPECT_EQ(next_count(*v1b), 6.0);
  // import_state(self, data, **kwargs): told the version (it negates the count when "1.0.0").
  auto any = fx.make("state.py", "CountsAnyArgs");
  ASSERT_TRUE(any->import_state_from(v1_state, "1.0.0").ok());
  EXPECT_EQ(next_count(*any), -4.0);
  ASSERT_TRUE(any->import_state(v1_state).ok());
  EXPECT_EQ(next_count(*any), 6.0);
}

TEST(PythonInstance, StateCallsNotDefinedAreUnsupported) {
  Fixture fx;
  auto noop = fx.make("good.py", "Noop");
  EXPECT_EQ(noop->export_state().status().code(), StatusCode::kUnsupported);
  EXPECT_NE(noop->export_state().status().message().find("export_state is not supported: the strategy does not define it"),
            std::string::npos);
  EXPECT_EQ(noop->import_state("{}").code(), StatusCode::kUnsupported);
  EXPECT_EQ(noop->import_state_from("{}", "1.0.0").code(), StatusCode::kUnsupported);
  auto half = fx.make("state.py", "ExportsOnly");
  EXPECT_TRUE(half->export_state().ok());
  EXPECT_EQ(half->import_state_from("{\"count\": 1}", "1.0.0").code(), StatusCode::kUnsupported);
  // A vectorized strategy's state is its lookback window: the host warms it up instead.
  auto vec = fx.make("good.py", "Crossing", {}, 1, 5);
  Status v = vec->export_state().status();
  EXPECT_EQ(v.code(), StatusCode::kUnsupported);
  EXPECT_NE(v.message().find("vectorized"), std::string::npos) << v.message();
  EXPECT_FALSE(noop->failed() || half->failed() || vec->failed());
}

TEST(PythonInstance, ExceptionsAreSkippedUpToTheConsecutiveLimit) {
  Fixture fx(3);
  auto inst = fx.make("failing.py", "RaisesAlways");
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> out;
  Status st = drive_slices(*inst, s, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(out.size(), 2u);  // two skipped (holds), the third failure stops it
  EXPECT_EQ(out[0].action, AH_HOLD);
  EXPECT_EQ(inst->call_errors(), 3u);
  EXPECT_TRUE(inst->failed());
  const std::string& msg = st.message();
  EXPECT_NE(msg.find("stopped after 3 consecutive failed calls (limit 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("failing.py:13: ZeroDivisionError: always"), std::string::npos) << msg;
  std::vector<ah_signal> more;
  EXPECT_FALSE(inst->on_slice({0, 0, nullptr, nullptr, nullptr, nullptr}, more).ok());  // never called again
}

TEST(PythonInstance, ScatteredFailuresAreCountedButDoNotStop) {
  Fixture fx(2);
  auto inst = fx.make("failing.py", "RaisesEveryThird");
  const BarSeries s = series_of(std::vector<double>(99, 100.0));
  std::vector<ah_signal> out(s.size());
  uint64_t done = 0;
  ASSERT_TRUE(inst->on_batch(s.view(0, s.size()), out.data(), &done).ok());
  EXPECT_EQ(done, 99u);
  EXPECT_EQ(inst->call_errors(), 33u);
  EXPECT_EQ(out[0].action, AH_BUY);
  EXPECT_EQ(out[2].action, AH_HOLD);  // the failed call's signal is skipped
  EXPECT_FALSE(inst->failed());
}

TEST(PythonInstance, BatchStopsAtTheSameBarAsSlices) {
  Fixture fx(5);
  const BarSeries s = series_of(kCloses);
  auto a = fx.make("failing.py", "RaisesFrom", {{"from_bar", "4"}});
  auto b = fx.make("failing.py", "RaisesFrom", {{"from_bar", "4"}});
  std::vector<ah_signal> by_slice, by_batch(s.size());
  ASSERT_FALSE(drive_slices(*a, s, by_slice).ok());
  uint64_t done = 0;
  ASSERT_FALSE(b->on_batch(s.view(0, s.size()), by_batch.data(), &done).ok());
  // Calls 4..8 fail: the fifth in a row, at bar index 7, stops both.
  EXPECT_EQ(by_slice.size(), 7u);
  EXPECT_EQ(done, 7u);
  by_batch.resize(done);
  expect_same(by_slice, by_batch);
}

TEST(PythonInstance, WrongReturnValuesAreClearErrors) {
  Fixture fx(1);
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> out;
  auto wrong = fx.make("failing.py", "WrongType");
  Status st = drive_slices(*wrong, s, out);
  EXPECT_NE(st.message().find("on_bar returned int; expected an algohost.Signal"), std::string::npos) << st.message();
  auto bad = fx.make("failing.py", "BadValue");
  st = drive_slices(*bad, s, out);
  EXPECT_NE(st.message().find("Signal.confidence 7.000000 is outside 0..1"), std::string::npos) << st.message();
}

TEST(PythonInstance, MultiSymbolSlicesBySymbolNameAndIndex) {
  Fixture fx(1);
  auto spread = fx.make("good.py", "Spread", {}, 2);
  EXPECT_FALSE(spread->supports_batch());
  const char* sym[2] = {"AAA", "BBB"};
  const uint8_t has[2] = {1, 1};
  const ah_bar bars[2] = {{0, 10, 10, 10, 10, 1}, {0, 5, 5, 5, 5, 1}};
  std::vector<ah_signal> out;
  ASSERT_TRUE(spread->on_slice({0, 2, sym, bars, has, nullptr}, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].symbol_index, 1u);  // "BBB" is the cheaper, named by its symbol
  EXPECT_DOUBLE_EQ(out[0].target_position, 0.5);
  EXPECT_EQ(out[1].symbol_index, 0u);
  EXPECT_DOUBLE_EQ(out[1].target_position, -0.5);

  auto bad = fx.make("failing.py", "BadSymbol", {}, 2);
  Status st = bad->on_slice({0, 2, sym, bars, has, nullptr}, out);
  EXPECT_NE(st.message().find("Signal.symbol 'NOPE' is not one of the slice's 2 symbols"), std::string::npos)
      << st.message();
}

TEST(PythonInstance, CarryReachesPythonThroughTheSlice) {
  Fixture fx;
  auto echo = fx.make("good.py", "CarryEcho", {}, 0);
  const char* sym[2] = {"AAA", "BBB"};
  const uint8_t has[2] = {1, 1};
  const ah_bar bars[2] = {{0, 10, 10, 10, 10, 1}, {0, 5, 5, 5, 5, 1}};
  const double carry[2] = {0.05, -0.02};
  std::vector<ah_signal> out;
  ASSERT_TRUE(echo->on_slice({0, 2, sym, bars, has, carry}, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].diag[0], 0.05);
  EXPECT_DOUBLE_EQ(out[1].diag[0], -0.02);
  ASSERT_TRUE(echo->on_slice({0, 2, sym, bars, has, nullptr}, out).ok());
  ASSERT_EQ(out.size(), 2u);  // no carry data: slice.carry is None, nothing returned, a hold for each
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out[i].action, AH_HOLD);
    EXPECT_EQ(out[i].symbol_index, i);
    EXPECT_EQ(out[i].n_diag, 0u);
  }
}

// As for native strategies, on_slice gives a signal for every symbol with a bar: a hold where the
// strategy returned None, left the symbol out of its list, or failed a call that was skipped.
TEST(PythonInstance, EverySymbolWithABarGetsASignalHoldsIncluded) {
  Fixture fx;
  const char* sym[2] = {"AAA", "BBB"};
  const ah_bar bars[2] = {{7, 10, 10, 10, 10, 1}, {7, 5, 5, 5, 5, 1}};
  std::vector<ah_signal> out;

  auto noop = fx.make("good.py", "Noop");  // on_bar returns None: the per-bar path
  const uint8_t one[1] = {1};
  ASSERT_TRUE(noop->on_slice({7, 1, sym, bars, one, nullptr}, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].action, AH_HOLD);
  EXPECT_EQ(out[0].ts_ms, 7);
  EXPECT_EQ(out[0].symbol_index, 0u);

  auto spread = fx.make("good.py", "Spread", {}, 2);  // returns None unless both symbols have a bar
  const uint8_t first_only[2] = {1, 0};
  ASSERT_TRUE(spread->on_slice({7, 2, sym, bars, first_only, nullptr}, out).ok());
  ASSERT_EQ(out.size(), 1u);  // no bar for BBB: no signal for it
  EXPECT_EQ(out[0].action, AH_HOLD);
  EXPECT_EQ(out[0].symbol_index, 0u);

  auto flaky = fx.make("failing.py", "RaisesEveryThird");
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> rows;
  for (size_t i = 0; i < s.size(); ++i) {
    const ah_bar b = s.bar(i);
    const char* x[1] = {"X"};
    ASSERT_TRUE(flaky->on_slice({b.ts_ms, 1, x, &b, one, nullptr}, out).ok());
    ASSERT_EQ(out.size(), 1u) << "bar " << i;
    EXPECT_EQ(out[0].ts_ms, b.ts_ms);
    rows.push_back(out[0]);
  }
  EXPECT_GT(flaky->call_errors(), 0u);
  EXPECT_EQ(rows.size(), s.size());
}

TEST(PythonInstance, SingleSymbolStrategiesSeeTheirSymbolsCarryInBothDrives) {
  Fixture fx;
  MarketData md;
  for (const char* sym : {"AAA", "BBB"}) {
    md.series.push_back(series_of(kCloses, sym));
    md.series.back().carry.assign(kCloses.size(), sym[0] == 'A' ? 0.03 : -0.01);
  }
  Manifest m = install_python_fixture(fx.dir.path(), "good.py", python_manifest("carry_side", "1.0.0", "good.py", "CarrySide"));
  std::vector<std::vector<std::string>> sides;
  for (bool batch : {true, false}) {
    std::vector<StrategySetup> setups(1);
    setups[0].manifest = &m;
    setups[0].label = m.id();
    setups[0].broker.allow_short = true;
    for (int s = 0; s < 2; ++s)
      setups[0].instances.push_back(testing::must(fx.loader.instantiate(m, *resolve_parameters(m, {}))));
    EngineOptions eo;
    eo.use_batch = batch;
    EngineResult r = run_engine(md, setups, eo);
    ASSERT_TRUE(r.outcomes[0].failure.ok()) << r.outcomes[0].failure.message();
    std::vector<std::string> got;
    for (const auto& t : r.outcomes[0].account->closed()) got.push_back(std::to_string(t.symbol) + (t.quantity > 0 ? "L" : "S"));
    sides.push_back(got);
  }
  EXPECT_EQ(sides[0], (std::vector<std::string>{"0L", "1S"}));  // AAA long (carry > 0), BBB short
  EXPECT_EQ(sides[0], sides[1]);                                 // batch and per-slice drives agree
}

TEST(PythonInstance, VectorizedWholeChunkedAndBarByBarAgree) {
  Fixture fx;
  std::vector<double> closes;
  for (int i = 0; i < 300; ++i) closes.push_back(100 + 10 * std::sin(i / 7.0) + (i % 5));
  const BarSeries s = series_of(closes);
  auto whole = fx.make("good.py", "Crossing", {{"window", "5"}});
  auto parts = fx.make("good.py", "Crossing", {{"window", "5"}});
  auto bars = fx.make("good.py", "Crossing", {{"window", "5"}});
  EXPECT_TRUE(whole->prefers_sparse_batch());
  std::vector<ah_signal> a(s.size()), b(s.size()), c;
  ASSERT_TRUE(whole->on_batch(s.view(0, s.size()), a.data()).ok());
  ASSERT_TRUE(parts->on_batch(s.view(0, 101), b.data()).ok());
  ASSERT_TRUE(parts->on_batch(s.view(101, 3), b.data() + 101).ok());
  ASSERT_TRUE(parts->on_batch(s.view(104, s.size() - 104), b.data() + 104).ok());
  ASSERT_TRUE(drive_slices(*bars, s, c).ok());
  expect_same(a, b);
  expect_same(a, c);
  // The sparse drive gives exactly the actionable ones, with their bar indexes.
  auto sparse = fx.make("good.py", "Crossing", {{"window", "5"}});
  std::vector<IndexedSignal> actionable;
  uint64_t done = 0;
  ASSERT_TRUE(sparse->on_batch_sparse(s.view(0, s.size()), actionable, &done).ok());
  EXPECT_EQ(done, s.size());
  std::vector<ah_signal> from_sparse(s.size());
  for (size_t i = 0; i < s.size(); ++i) from_sparse[i].ts_ms = s.ts_ms[i];
  for (const auto& x : actionable) from_sparse[x.index] = x.signal;
  expect_same(a, from_sparse);
  int trades = 0;
  for (const auto& sig : a) trades += sig.action != AH_HOLD;
  EXPECT_GT(trades, 10);
  EXPECT_DOUBLE_EQ(a[std::find_if(a.begin(), a.end(), [](auto& x) { return x.action; }) - a.begin()].confidence, 0.6);
}

TEST(PythonInstance, VectorizedInputsAreReadOnlyViewsThatMustNotBeKept) {
  Fixture fx(1);
  const BarSeries s = series_of(kCloses);
  std::vector<ah_signal> out(s.size());
  auto writer = fx.make("good.py", "WritesInput");
  Status st = writer->on_batch(s.view(0, s.size()), out.data());
  EXPECT_NE(st.message().find("read-only"), std::string::npos) << st.message();
  EXPECT_EQ(s.close[0], kCloses[0]);

  auto keeper = fx.make("good.py", "KeepsInput");
  st = keeper->on_batch(s.view(0, s.size()), out.data());
  EXPECT_NE(st.message().find("kept a reference to the series' arrays"), std::string::npos) << st.message();

  auto wrong = fx.make("good.py", "WrongLength");
  st = wrong->on_batch(s.view(0, s.size()), out.data());
  EXPECT_NE(st.message().find("action of length 17; expected one value per bar (16)"), std::string::npos)
      << st.message();
}

TEST(PythonInstance, InTheEngineAFailingPythonStrategyStopsAloneAndBatchEqualsSlices) {
  Fixture fx(2);
  MarketData md;
  md.series.push_back(series_of(kCloses, "AAA"));
  std::vector<double> other(kCloses.rbegin(), kCloses.rend());
  md.series.push_back(series_of(other, "BBB"));
  auto doc = python_manifest("threshold", "1.0.0", "good.py", "Threshold");
  Manifest good = install_python_fixture(fx.dir.path(), "good.py", doc);
  doc = python_manifest("raises_always", "1.0.0", "failing.py", "RaisesAlways");
  Manifest bad = install_python_fixture(fx.dir.path(), "failing.py", doc);

  auto run = [&](bool batch) {
    std::vector<StrategySetup> setups(2);
    for (int k = 0; k < 2; ++k) {
      const Manifest& m = k == 0 ? good : bad;
      setups[k].manifest = &m;
      setups[k].label = m.id();
      setups[k].broker.allow_short = true;
      for (int s = 0; s < 2; ++s)
        setups[k].instances.push_back(testing::must(fx.loader.instantiate(m, *resolve_parameters(m, {}))));
    }
    EngineOptions eo;
    eo.use_batch = batch;
    return run_engine(md, setups, eo);
  };
  EngineResult by_batch = run(true), by_slice = run(false);
  for (const EngineResult* r : {&by_batch, &by_slice}) {
    EXPECT_TRUE(r->outcomes[0].failure.ok()) << r->outcomes[0].failure.message();
    EXPECT_FALSE(r->outcomes[1].failure.ok());
    EXPECT_NE(r->outcomes[1].failure.message().find("ZeroDivisionError"), std::string::npos);
    EXPECT_GT(r->outcomes[0].account->closed().size(), 0u);
  }
  ASSERT_EQ(by_batch.outcomes[0].account->closed().size(), by_slice.outcomes[0].account->closed().size());
  EXPECT_DOUBLE_EQ(by_batch.outcomes[0].account->equity(), by_slice.outcomes[0].account->equity());
}

}  // namespace
}  // namespace algohost
