// Enhancer plugins in a worker process (host/isolation/worker_enhancer.h): the same outputs, the
// same learned state and the same errors as in process, for the C fixture (fx_enh_c) and Python
// fixtures (tests/fixtures/python/enhancers.py); a worker that crashes, exits or hangs fails its
// enhancer alone with an error naming the enhancer, the cause, the call and the signal's bar, every
// later call fails at once, the test process lives on and no worker is left behind.
#include <signal.h>

#include <chrono>
#include <cstring>

#include <gtest/gtest.h>

#include "host/isolation/worker_enhancer.h"
#include "tests/isolation/isolation_test_support.h"
#include "tests/loader/python_test_support.h"
#include "tests/support/enhancer_test_support.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {
using namespace isotest;
using testing::entry_input;
using testing::must;
using testing::prefilled;
using testing::TempDir;

// The C fixture installed with a manifest of its own.
Manifest c_enhancer(const TempDir& dir) {
  nlohmann::ordered_json doc = {
      {"kind", "enhancer"},
      {"name", "fxe"},
      {"display_name", "Fixture fxe"},
      {"version", "1.0.0"},
      {"implementation", {{"language", "cpp"}, {"library", "x"}, {"sdk_api_version", "1.0"}}},
      {"parameters", {{"max_volatility", {{"type", "float"}, {"default", 0.3}, {"min", 0.0}, {"max", 10.0}}}}},
  };
  auto report = load_manifest(testing::install_fixture(dir.path(), FX_ENH_C_PATH, doc));
  if (!report.ok()) throw std::runtime_error(report.error_summary());
  return *report.manifest;
}

Manifest python_enhancer(const TempDir& dir, const std::string& name, const std::string& cls) {
  nlohmann::ordered_json doc = {
      {"kind", "enhancer"},
      {"name", name},
      {"display_name", "Python enhancer " + name},
      {"version", "1.0.0"},
      {"implementation", {{"language", "python"}, {"module", "enhancers.py"}, {"class_name", cls}, {"sdk_api_version", "1.1"}}},
      {"parameters", {{"max_volatility", {{"type", "float"}, {"default", 0.3}, {"min", 0.0}, {"max", 10.0}}}}},
  };
  return testing::install_python_fixture(dir.path(), "enhancers.py", doc);
}

// A varied sequence of signals to judge: entries calm and wild, resizes and exits, several
// symbols and strategies (the strings the worker must get), unready markets, odd sizes.
std::vector<ah_enhance_input> inputs() {
  static const char* symbols[] = {"EURUSD", "BTC-USD", "a symbol with spaces", ""};
  static const char* strategies[] = {"rsi@1.0.0", "macd@2.1.0"};
  std::vector<ah_enhance_input> out;
  for (int i = 0; i < 24; ++i) {
    ah_enhance_input in = entry_input(0.05 * i);
    in.ts_ms += i * 3'600'000LL;
    in.symbol_index = static_cast<uint32_t>(i % 4);
    in.symbol = symbols[i % 4];
    in.strategy = strategies[i % 2];
    in.role = i % 3 == 0 ? AH_ROLE_ENTRY : i % 3 == 1 ? AH_ROLE_RESIZE : AH_ROLE_EXIT;
    in.context.ready = i % 5 != 0;
    in.context.regime = i % 4;
    in.bar.close = 1.0 + 0.01 * i;
    in.size = 0.1 + 0.03 * i;
    in.confidence = 0.3 + 0.02 * i;
    in.position = in.role == AH_ROLE_ENTRY ? 0 : 100.0 + i;
    out.push_back(in);
  }
  return out;
}

ah_trade_outcome trade(int i) {
  static const char* reasons[] = {"signal", "stop_loss", "take_profit", "end_of_data"};
  ah_trade_outcome t{};
  t.symbol_index = static_cast<uint32_t>(i % 3);
  t.symbol = i % 2 ? "EURUSD" : "BTC-USD";
  t.side = i % 2 ? 1 : -1;
  t.entry_ts_ms = 1'577'836'800'000 + i * 86'400'000LL;
  t.exit_ts_ms = t.entry_ts_ms + 7'200'000;
  t.entry_price = 100 + i;
  t.exit_price = 101 + 0.5 * i;
  t.quantity = 3 + i;
  t.pnl = (t.exit_price - t.entry_price) * t.quantity * t.side;
  t.trade_return = t.pnl / (t.entry_price * t.quantity);
  t.won = t.pnl > 0;
  t.confidence = 0.55;
  t.entry_context = ah_market_context{1, AH_REGIME_TRENDING, 0.2 + i, 1.5, -0.01 * i};
  t.exit_reason = reasons[i % 4];
  return t;
}

void expect_same_output(const ah_enhance_output& a, const ah_enhance_output& b, const std::string& where) {
  EXPECT_EQ(a.confidence, b.confidence) << where;
  EXPECT_EQ(a.size, b.size) << where;
  EXPECT_EQ(a.veto, b.veto) << where;
  EXPECT_STREQ(a.reasoning, b.reasoning) << where;
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a)) << where << ": the outputs differ byte for byte";
}

// Runs the same enhance/learn sequence through both instances, comparing every result and, at the
// end, the exported state; then imports a state into both and compares again.
void expect_equivalent(EnhancerInstance& inproc, EnhancerInstance& worker, const std::string& good_state,
                       const std::string& bad_state) {
  EXPECT_EQ(inproc.label(), worker.label());
  const auto seq = inputs();
  for (size_t i = 0; i < seq.size(); ++i) {
    const std::string where = "signal " + std::to_string(i);
    ah_enhance_output a = prefilled(seq[i]), b = prefilled(seq[i]);
    const Status sa = inproc.enhance(seq[i], a), sb = worker.enhance(seq[i], b);
    EXPECT_EQ(sa.to_string(), sb.to_string()) << where;
    expect_same_output(a, b, where);
    if (i % 4 == 3) {
      const Status la = inproc.learn(trade(static_cast<int>(i))), lb = worker.learn(trade(static_cast<int>(i)));
      EXPECT_EQ(la.to_string(), lb.to_string()) << where;
    }
  }
  const auto ea = inproc.export_state(), eb = worker.export_state();
  ASSERT_TRUE(ea.ok() && eb.ok()) << ea.status().to_string() << " / " << eb.status().to_string();
  EXPECT_EQ(*ea, *eb);
  EXPECT_FALSE(ea->empty());
  EXPECT_EQ(inproc.import_state(bad_state).to_string(), worker.import_state(bad_state).to_string());
  EXPECT_TRUE(worker.import_state(good_state).ok());  // a refused import leaves it usable
  ASSERT_TRUE(inproc.import_state(good_state).ok());
  ah_enhance_output a = prefilled(seq[1]), b = prefilled(seq[1]);
  ASSERT_TRUE(inproc.enhance(seq[1], a).ok());
  ASSERT_TRUE(worker.enhance(seq[1], b).ok());
  expect_same_output(a, b, "after import");
  EXPECT_EQ(*inproc.export_state(), *worker.export_state());
}

TEST(IsolatedEnhancer, CEnhancerInAWorkerEqualsInProcess) {
  TempDir dir;
  PluginService svc(service_options());
  const Manifest m = c_enhancer(dir);
  const IsolationOptions iso = in_worker();
  auto inproc = must(svc.instantiate_enhancer(m, {{"max_volatility", "0.4"}}));
  auto worker = must(svc.instantiate_enhancer(m, {{"max_volatility", "0.4"}}, &iso));
  ASSERT_EQ(worker_pid(*inproc), -1);
  const int pid = worker_pid(*worker);
  ASSERT_GT(pid, 0);
  expect_equivalent(*inproc, *worker, "learned=41", "junk");
  worker.reset();
  EXPECT_TRUE(process_gone(pid)) << pid;
}

TEST(IsolatedEnhancer, PythonEnhancersInAWorkerEqualInProcess) {
  TempDir dir;
  PluginService svc(service_options());
  const IsolationOptions iso = in_worker();
  // Halver's reasoning names the symbol, strategy, role, regime and close it was given;
  // OutcomeRecorder's state every field of every trade it learned (symbol and exit_reason too).
  for (const auto& [name, cls, good] : {std::tuple{"halver", "Halver", R"({"learned": 3})"},
                                        std::tuple{"recorder", "OutcomeRecorder", ""}}) {
    SCOPED_TRACE(cls);
    const Manifest m = python_enhancer(dir, name, cls);
    auto inproc = must(svc.instantiate_enhancer(m, {}));
    auto worker = must(svc.instantiate_enhancer(m, {}, &iso));
    const int pid = worker_pid(*worker);
    ASSERT_GT(pid, 0);
    if (std::string(good).empty()) {  // OutcomeRecorder imports nothing: compare what it learned
      const auto seq = inputs();
      for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(inproc->learn(trade(i)).ok());
        ASSERT_TRUE(worker->learn(trade(i)).ok());
      }
      const std::string state = *worker->export_state();
      EXPECT_EQ(*inproc->export_state(), state);
      EXPECT_NE(state.find("take_profit"), std::string::npos) << state;
      EXPECT_NE(state.find("BTC-USD"), std::string::npos) << state;
    } else {
      expect_equivalent(*inproc, *worker, good, "not json");
    }
    worker.reset();
    EXPECT_TRUE(process_gone(pid)) << pid;
  }
}

TEST(IsolatedEnhancer, LoadAndCallErrorsAreWordedAsInProcess) {
  TempDir dir;
  PluginService svc(service_options());
  const IsolationOptions iso = in_worker();
  const Manifest& m = *must(svc.find_enhancer("faulty_enhancer"));
  // A constructor that throws: the same error, from the worker.
  auto a = svc.instantiate_enhancer(m, {{"fail_in", "create"}});
  auto b = svc.instantiate_enhancer(m, {{"fail_in", "create"}}, &iso);
  ASSERT_FALSE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(a.status().to_string(), b.status().to_string());
  EXPECT_NE(b.status().message().find("refusing to be created"), std::string::npos) << b.status().message();
  // A call that throws: the same error, and the worker stays usable.
  auto inproc = must(svc.instantiate_enhancer(m, {{"fail_in", "enhance"}, {"after", "1"}}));
  auto worker = must(svc.instantiate_enhancer(m, {{"fail_in", "enhance"}, {"after", "1"}}, &iso));
  const ah_enhance_input in = entry_input(0.1);
  for (int i = 0; i < 3; ++i) {
    ah_enhance_output x = prefilled(in), y = prefilled(in);
    EXPECT_EQ(inproc->enhance(in, x).to_string(), worker->enhance(in, y).to_string()) << i;
  }
  EXPECT_TRUE(worker->learn(trade(0)).ok());
  // A C plugin whose output breaks the contract: the worker hands it back as it is (the stage checks it).
  const Manifest bad = [&] {
    nlohmann::ordered_json doc = {{"kind", "enhancer"}, {"name", "badout"}, {"display_name", "x"}, {"version", "1.0.0"},
                                  {"implementation", {{"language", "cpp"}, {"library", "x"}, {"sdk_api_version", "1.0"}}},
                                  {"parameters", {{"max_volatility", {{"type", "float"}, {"default", 0.3}}}}}};
    return *load_manifest(testing::install_fixture(dir.path(), FX_ENH_BAD_OUTPUT_PATH, doc)).manifest;
  }();
  auto bad_in = must(svc.instantiate_enhancer(bad, {}));
  auto bad_w = must(svc.instantiate_enhancer(bad, {}, &iso));
  ah_enhance_output x = prefilled(in), y = prefilled(in);
  ASSERT_TRUE(bad_in->enhance(in, x).ok());
  ASSERT_TRUE(bad_w->enhance(in, y).ok());
  EXPECT_EQ(y.confidence, 7);
  expect_same_output(x, y, "bad output");
}

struct EnhancerFault {
  const char* fail_in;
  int64_t timeout_ms;  // 0: the manifest's
  const char* cause;
};

void PrintTo(const EnhancerFault& f, std::ostream* os) { *os << f.fail_in; }

class EnhancerFaults : public ::testing::TestWithParam<EnhancerFault> {};

TEST_P(EnhancerFaults, FailTheEnhancerAloneNamingTheCauseTheCallAndTheBar) {
  const EnhancerFault& f = GetParam();
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find_enhancer("faulty_enhancer"));
  IsolationOptions iso = in_worker(limits_for(m, WorkerLimits{}));
  if (f.timeout_ms) iso.limits.call_timeout_ms = f.timeout_ms;
  const auto stats_before = worker_stats();
  auto inst = must(svc.instantiate_enhancer(m, {{"fail_in", f.fail_in}, {"after", "3"}}, &iso));
  auto healthy = must(svc.instantiate_enhancer(m, {}, &iso));
  const int pid = worker_pid(*inst);
  ASSERT_GT(pid, 0);
  const auto seq = inputs();
  for (size_t i = 0; i < 3; ++i) {
    ah_enhance_output out = prefilled(seq[i]);
    ASSERT_TRUE(inst->enhance(seq[i], out).ok()) << i;
    EXPECT_EQ(out.size, seq[i].size * 0.5);
  }
  ah_enhance_output out = prefilled(seq[3]);
  const Status st = inst->enhance(seq[3], out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kPluginError);
  const std::string& msg = st.message();
  EXPECT_EQ(msg.rfind("faulty_enhancer@1.0.0: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(f.cause), std::string::npos) << msg << "\nexpected: " << f.cause;
  EXPECT_NE(msg.find("enhance"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at bar " + format_timestamp_ms(seq[3].ts_ms)), std::string::npos) << msg;
  EXPECT_NE(msg.find("worker " + std::to_string(pid)), std::string::npos) << msg;
  EXPECT_TRUE(process_gone(pid)) << pid;  // reaped as soon as it was found dead (or killed)

  // Dead for good: every later call fails at once with the same error, no worker is respawned.
  const auto t0 = std::chrono::steady_clock::now();
  out = prefilled(seq[4]);
  EXPECT_EQ(inst->enhance(seq[4], out).to_string(), st.to_string());
  EXPECT_EQ(inst->learn(trade(1)).to_string(), st.to_string());
  EXPECT_EQ(inst->export_state().status().to_string(), st.to_string());
  EXPECT_EQ(inst->import_state("x").to_string(), st.to_string());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  EXPECT_EQ(worker_stats().started, stats_before.started + 2);

  // The neighbour in its own worker still answers.
  out = prefilled(seq[0]);
  EXPECT_TRUE(healthy->enhance(seq[0], out).ok());
  const int healthy_pid = worker_pid(*healthy);
  inst.reset();
  healthy.reset();
  EXPECT_TRUE(process_gone(healthy_pid)) << healthy_pid;
}

INSTANTIATE_TEST_SUITE_P(
    Cpp, EnhancerFaults,
    ::testing::Values(EnhancerFault{"segv", 0, "killed by signal 11 (SIGSEGV) in enhance"},
                      EnhancerFault{"abort", 0, "killed by signal 6 (SIGABRT) in enhance"},
                      EnhancerFault{"exit", 0, "exited with code 3 in enhance"},
                      EnhancerFault{"hang", 300, "enhance exceeded the time limit of 300 ms"}),
    [](const auto& info) { return std::string(info.param.fail_in); });

// A worker killed from outside while the enhancer learns: learn fails naming the signal and the
// trade's exit time.
TEST(IsolatedEnhancer, AWorkerKilledFromOutsideFailsLearnNamingTheTrade) {
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find_enhancer("faulty_enhancer"));
  const IsolationOptions iso = in_worker();
  auto inst = must(svc.instantiate_enhancer(m, {}, &iso));
  ASSERT_TRUE(inst->learn(trade(0)).ok());
  const int pid = worker_pid(*inst);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const ah_trade_outcome t = trade(2);
  const Status st = inst->learn(t);
  EXPECT_NE(st.message().find("faulty_enhancer@1.0.0: worker " + std::to_string(pid) +
                              " killed by signal 9 (SIGKILL) in learn of the trade closed at " +
                              format_timestamp_ms(t.exit_ts_ms)),
            std::string::npos)
      << st.message();
  EXPECT_TRUE(process_gone(pid));
}

}  // namespace
}  // namespace algohost
