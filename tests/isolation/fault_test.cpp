// A plugin that crashes, hangs, exits or allocates without end in a worker fails that instance
// alone, with an error naming the plugin, the cause and the last bar it was given; the test
// process lives on, and no worker is left behind (neither running nor a zombie).
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/isolation/isolation_test_support.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {
using namespace isotest;
using testing::must;

enum class Drive { kSlices, kBatch };

struct FaultCase {
  const char* plugin;
  const char* fail_in;
  Drive drive;
  int64_t timeout_ms;  // 0: the manifest's
  std::vector<std::string> expected;  // besides the label and the bar's timestamp
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.plugin << ":" << c.fail_in; }

class Faults : public ::testing::TestWithParam<FaultCase> {};

constexpr size_t kAfter = 50;  // the fixtures fail on the bar with this index (slices)
constexpr size_t kAfterInBatch = 700;  // ... in a batch of 1200: in the worker's second slice of 512

TEST_P(Faults, FailTheInstanceAloneNamingTheCause) {
  const FaultCase& c = GetParam();
#if defined(__SANITIZE_ADDRESS__)
  if (std::string(c.fail_in) == "alloc") GTEST_SKIP() << "no RLIMIT_AS under AddressSanitizer (the worker skips it)";
#endif
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find(c.plugin));
  IsolationOptions iso = in_worker(limits_for(m, WorkerLimits{}));
  if (c.timeout_ms) iso.limits.call_timeout_ms = c.timeout_ms;
  const MarketData md = synthetic(1, 1200);
  const BarSeries& s = md.series[0];
  const size_t after = c.drive == Drive::kBatch ? kAfterInBatch : kAfter;
  auto inst = must(svc.instantiate(m, {{"fail_in", c.fail_in}, {"after", std::to_string(after)}}, &iso));
  const int pid = worker_pid(*inst);
  ASSERT_GT(pid, 0);
  // A healthy neighbour in a worker of its own keeps working.
  auto healthy = must(svc.instantiate(m, {}, &iso));

  Status st;
  std::string last_bar;
  if (c.drive == Drive::kSlices) {
    std::vector<SignalRow> rows;
    st = PluginService::drive(*inst, md, rows);  // the `signals` command's loop: "at <ts>: ..."
    // The failing bar; a Python plugin tolerates a few failed calls in a row before it fails.
    last_bar = format_timestamp_ms(s.ts_ms[kAfter]);
    if (m.language == "python" && (std::string(c.fail_in) == "bar" || std::string(c.fail_in) == "alloc"))
      last_bar = format_timestamp_ms(s.ts_ms[kAfter + 4]);  // the 5th failure in a row stops it
  } else {
    std::vector<ah_signal> out(s.size());
    uint64_t done = 0;
    st = inst->on_batch(s.view(0, s.size()), out.data(), &done);
    last_bar = format_timestamp_ms(s.ts_ms[s.size() - 1]);
  }
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(inst->failed());
  const std::string& msg = inst->failure().message();
  const std::string full = st.message();
  EXPECT_NE(full.find(m.id()), std::string::npos) << full;
  EXPECT_NE(full.find(last_bar), std::string::npos) << full << "\nexpected the bar " << last_bar;
  // A death or a time limit is named by the worker instance itself (not only by drive()'s context);
  // a plugin's own error is worded as in process, which names no bar.
  const bool plugin_error = std::string(c.fail_in) == "alloc" || std::string(c.fail_in) == "bar";
  if (!plugin_error) {
    EXPECT_NE(msg.find(last_bar), std::string::npos) << msg << "\nexpected the bar " << last_bar;
  }
  for (const auto& e : c.expected) EXPECT_NE(msg.find(e), std::string::npos) << msg << "\nexpected: " << e;

  // Failed for good: the next call returns the same failure at once.
  std::vector<ah_signal> out;
  OneSlice one(s, 0);
  EXPECT_EQ(inst->on_slice(one.slice, out).message(), msg);
  // The neighbour still answers.
  EXPECT_TRUE(healthy->on_slice(one.slice, out).ok());
  inst.reset();
  EXPECT_TRUE(process_gone(pid)) << pid;
}

INSTANTIATE_TEST_SUITE_P(
    Cpp, Faults,
    ::testing::Values(FaultCase{"faulty", "segv", Drive::kBatch, 0, {"killed by signal 11 (SIGSEGV)", "in on_batch", "(a batch of 1200)"}},
                      FaultCase{"faulty", "segv", Drive::kSlices, 0, {"killed by signal 11 (SIGSEGV)", "in on_slice"}},
                      FaultCase{"faulty", "abort", Drive::kSlices, 0, {"killed by signal 6 (SIGABRT)", "in on_slice"}},
                      FaultCase{"faulty", "hang", Drive::kSlices, 300, {"on_slice exceeded the time limit of 300 ms", "killed"}},
                      FaultCase{"faulty", "hang", Drive::kBatch, 300, {"on_batch exceeded the time limit of 300 ms"}},
                      FaultCase{"faulty", "alloc", Drive::kSlices, 0, {"bad_alloc"}},
                      FaultCase{"faulty", "exit", Drive::kBatch, 0, {"exited with code 3", "in on_batch"}}),
    [](const auto& info) { return std::string(info.param.fail_in) + (info.param.drive == Drive::kBatch ? "_batch" : "_slices"); });

INSTANTIATE_TEST_SUITE_P(
    Python, Faults,
    ::testing::Values(FaultCase{"py_faulty", "exit", Drive::kSlices, 0, {"exited with code 3", "in on_slice"}},
                      FaultCase{"py_faulty", "segv", Drive::kSlices, 0, {"killed by signal 11 (SIGSEGV)"}},
                      FaultCase{"py_faulty", "hang", Drive::kSlices, 500, {"on_slice exceeded the time limit of 500 ms"}},
                      FaultCase{"py_faulty", "alloc", Drive::kSlices, 0, {"MemoryError"}},
                      FaultCase{"py_faulty", "bar", Drive::kSlices, 0, {"on_bar exploded"}}),
    [](const auto& info) { return std::string(info.param.fail_in); });

// A worker killed from outside: the next call fails with the signal, naming the last bar given.
TEST(IsolationFaults, AWorkerKilledFromOutside) {
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find("rsi"));
  const IsolationOptions iso = in_worker();
  auto inst = must(svc.instantiate(m, {}, &iso));
  const MarketData md = synthetic(1, 20);
  std::vector<ah_signal> out;
  for (size_t i = 0; i < 10; ++i) ASSERT_TRUE(inst->on_slice(OneSlice(md.series[0], i).slice, out).ok());
  const int pid = worker_pid(*inst);
  const auto before = worker_stats();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  Status st = inst->on_slice(OneSlice(md.series[0], 10).slice, out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rsi@1.0.0: worker " + std::to_string(pid) + " killed by signal 9 (SIGKILL) in on_slice at bar " +
                              format_timestamp_ms(md.series[0].ts_ms[10])),
            std::string::npos)
      << st.message();
  EXPECT_EQ(worker_stats().died, before.died + 1);
  EXPECT_TRUE(process_gone(pid));
}

// RLIMIT_CPU: a worker that burns its CPU time is ended by the kernel (SIGXCPU), with no call
// time limit at all.
TEST(IsolationFaults, TheCpuLimitEndsAWorkerThatSpins) {
  PluginService svc(service_options());
  const Manifest& m = *must(svc.find("faulty"));
  IsolationOptions iso = in_worker();
  iso.limits.call_timeout_ms = 0;
  iso.limits.cpu_limit_s = 1;
  auto inst = must(svc.instantiate(m, {{"fail_in", "hang"}, {"after", "0"}}, &iso));
  const MarketData md = synthetic(1, 2);
  std::vector<ah_signal> out;
  Status st = inst->on_slice(OneSlice(md.series[0], 0).slice, out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("killed by signal 24 (SIGXCPU) in on_slice"), std::string::npos) << st.message();
}

// A worker executable that is not there: the spawn fails with an error, nothing else.
TEST(IsolationFaults, AMissingWorkerExecutable) {
  PluginService svc(service_options());
  IsolationOptions iso = in_worker();
  iso.worker = "/nonexistent/algohost-worker";
  auto inst = svc.instantiate(*must(svc.find("rsi")), {}, &iso);
  ASSERT_FALSE(inst.ok());
  EXPECT_TRUE(inst.status().message().find("/nonexistent/algohost-worker") != std::string::npos ||
              inst.status().message().find("exited with code 127") != std::string::npos)
      << inst.status().message();
}

// A truncated library crashes the loader, if anything, in the worker: spawning fails with a clear
// error and this process lives on.
TEST(IsolationFaults, ATruncatedLibraryFailsAtSpawn) {
  testing::TempDir dir;
  const std::filesystem::path lib = dir / "rsi" / "1.0.0" / "libalgohost_rsi.so";
  std::filesystem::create_directories(lib.parent_path());
  {
    std::ifstream in(ALGOHOST_RSI_LIBRARY, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), head.size());
    std::ofstream(lib, std::ios::binary).write(head.data(), in.gcount());
  }
  auto doc = nlohmann::ordered_json::parse(std::ifstream(std::filesystem::path(ALGOHOST_BUILTIN_PLUGIN_DIR) / "rsi" / "1.0.0" / "manifest.json"));
  doc["implementation"]["library"] = lib.filename().string();
  doc["implementation"].erase("sha256");
  testing::write_file(lib.parent_path() / "manifest.json", doc.dump(2));
  PluginServiceOptions o = service_options();
  o.builtin_dirs.clear();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  const Manifest& m = *must(svc.find("rsi"));
  const IsolationOptions iso = in_worker();
  auto inst = svc.instantiate(m, {}, &iso);
  ASSERT_FALSE(inst.ok());
  // The ELF check before dlopen catches this one, in the worker as in process: the same error.
  EXPECT_NE(inst.status().message().find("libalgohost_rsi.so: truncated library"), std::string::npos) << inst.status().message();
  auto in_process = svc.instantiate(m, {});
  ASSERT_FALSE(in_process.ok());
  EXPECT_EQ(inst.status().message(), in_process.status().message());
}

// A library that crashes the loader itself (its constructor raises SIGSEGV; in process this would
// end the test): the worker dies while loading, and spawning fails naming the plugin and signal.
TEST(IsolationFaults, ALibraryThatCrashesWhileLoadingFailsAtSpawn) {
  testing::TempDir dir;
  testing::install_fixture(dir.path(), FX_CTOR_SEGV_PATH, testing::fixture_manifest("ctorsegv", "1.0.0", "x"));
  PluginServiceOptions o = service_options();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  const Manifest& m = *must(svc.find("ctorsegv"));
  const IsolationOptions iso = in_worker();
  const auto before = worker_stats();
  auto inst = svc.instantiate(m, {}, &iso);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().code(), StatusCode::kPluginError);
  EXPECT_NE(inst.status().message().find("ctorsegv@1.0.0: worker "), std::string::npos) << inst.status().message();
  EXPECT_NE(inst.status().message().find("killed by signal 11 (SIGSEGV) in create before any bar"), std::string::npos)
      << inst.status().message();
  EXPECT_EQ(worker_stats().started, before.started + 1);
  EXPECT_EQ(worker_stats().died, before.died + 1);
}

// Destroying instances — healthy, crashed, timed out — leaves no worker running and no zombie.
TEST(IsolationFaults, DestroyedInstancesLeaveNoWorkerBehind) {
  PluginService svc(service_options());
  const Manifest& faulty = *must(svc.find("faulty"));
  const Manifest& rsi = *must(svc.find("rsi"));
  IsolationOptions iso = in_worker();
  iso.limits.call_timeout_ms = 200;
  const MarketData md = synthetic(1, 10);
  std::vector<int> pids;
  std::vector<std::unique_ptr<StrategyInstance>> insts;
  insts.push_back(must(svc.instantiate(rsi, {}, &iso)));
  insts.push_back(must(svc.instantiate(faulty, {{"fail_in", "segv"}, {"after", "0"}}, &iso)));
  insts.push_back(must(svc.instantiate(faulty, {{"fail_in", "hang"}, {"after", "0"}}, &iso)));
  insts.push_back(must(svc.instantiate(faulty, {}, &iso)));
  std::vector<ah_signal> out;
  for (auto& i : insts) {
    pids.push_back(worker_pid(*i));
    (void)i->on_slice(OneSlice(md.series[0], 0).slice, out);
  }
  EXPECT_FALSE(insts[0]->failed());
  EXPECT_TRUE(insts[1]->failed());
  EXPECT_TRUE(insts[2]->failed());
  insts.clear();
  for (int pid : pids) EXPECT_TRUE(process_gone(pid)) << pid;
}

}  // namespace
}  // namespace algohost
