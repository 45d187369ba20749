// The pieces under WorkerInstance: the isolation setting, limits from a manifest, the worker's
// path, the arena encodings of slices and series, the check of signals read back, and how a
// worker's end is described.
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "host/isolation/isolation.h"
#include "host/isolation/worker_process.h"
#include "host/isolation/worker_protocol.h"

namespace algohost {
namespace {
using namespace worker;

TEST(IsolationSetting, ParsesAndNames) {
  EXPECT_EQ(parse_isolation("inproc"), Isolation::kInProcess);
  EXPECT_EQ(parse_isolation("process"), Isolation::kProcess);
  EXPECT_FALSE(parse_isolation("Process").has_value());
  EXPECT_FALSE(parse_isolation("").has_value());
  EXPECT_STREQ(isolation_name(Isolation::kProcess), "process");
  EXPECT_STREQ(isolation_name(Isolation::kInProcess), "inproc");
}

TEST(IsolationSetting, ManifestLimitsOverTheDefaults) {
  Manifest m;
  WorkerLimits d{1000, 2000, 3};
  WorkerLimits r = limits_for(m, d);
  EXPECT_EQ(r.call_timeout_ms, 1000);
  EXPECT_EQ(r.memory_limit_mb, 2000);
  EXPECT_EQ(r.cpu_limit_s, 3);
  m.call_timeout_ms = 5;
  m.cpu_limit_s = 0;
  r = limits_for(m, d);
  EXPECT_EQ(r.call_timeout_ms, 5);
  EXPECT_EQ(r.memory_limit_mb, 2000);
  EXPECT_EQ(r.cpu_limit_s, 0);
}

TEST(IsolationSetting, WorkerPath) {
  EXPECT_EQ(resolve_worker_path("/x/y"), "/x/y");
  ::setenv("ALGOHOST_WORKER", "/from/env", 1);
  EXPECT_EQ(resolve_worker_path(""), "/from/env");
  ::unsetenv("ALGOHOST_WORKER");
  // The test binary sits in <build>/bin beside algohost-worker.
  EXPECT_EQ(resolve_worker_path("").filename(), "algohost-worker");
}

TEST(WorkerProtocol, SliceRoundTripsThroughTheArena) {
  const char* symbols[] = {"AAA", "BBBB", ""};
  const ah_bar bars[] = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}, {13, 14, 15, 16, 17, 18}};
  const uint8_t has_bar[] = {1, 0, 1};
  const double carry[] = {0.5, -0.25, 0};
  for (const double* c : {static_cast<const double*>(nullptr), carry}) {
    const ah_slice in{42, 3, symbols, bars, has_bar, c};
    std::vector<char> buf(slice_bytes(in));
    encode_slice(in, buf.data());
    DecodedSlice out;
    ASSERT_TRUE(decode_slice(buf.data(), buf.size(), out).ok());
    EXPECT_EQ(out.slice.ts_ms, 42);
    ASSERT_EQ(out.slice.n_symbols, 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_STREQ(out.slice.symbols[i], symbols[i]);
      EXPECT_EQ(0, std::memcmp(&out.slice.bars[i], &bars[i], sizeof(ah_bar)));
      EXPECT_EQ(out.slice.has_bar[i], has_bar[i]);
      if (c) {
        EXPECT_EQ(out.slice.carry[i], carry[i]);
      }
    }
    EXPECT_EQ(out.slice.carry == nullptr, c == nullptr);
    // Cut short: refused, never read past the end.
    EXPECT_FALSE(decode_slice(buf.data(), buf.size() - 1, out).ok());
  }
}

TEST(WorkerProtocol, SeriesRoundTripsThroughTheArena) {
  const int64_t ts[] = {1, 2, 3};
  const double o[] = {1, 2, 3}, h[] = {4, 5, 6}, l[] = {7, 8, 9}, c[] = {10, 11, 12}, v[] = {13, 14, 15}, k[] = {16, 17, 18};
  const ah_series in{"SYM", 3, ts, o, h, l, c, v, k};
  std::vector<char> buf(series_bytes(in));
  encode_series(in, buf.data());
  ah_series out{};
  ASSERT_TRUE(decode_series(buf.data(), buf.size(), out).ok());
  EXPECT_STREQ(out.symbol, "SYM");
  ASSERT_EQ(out.n, 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out.ts_ms[i], ts[i]);
    EXPECT_EQ(out.open[i], o[i]);
    EXPECT_EQ(out.high[i], h[i]);
    EXPECT_EQ(out.low[i], l[i]);
    EXPECT_EQ(out.close[i], c[i]);
    EXPECT_EQ(out.volume[i], v[i]);
    EXPECT_EQ(out.carry[i], k[i]);
  }
  EXPECT_FALSE(decode_series(buf.data(), buf.size() - 1, out).ok());
}

TEST(WorkerProtocol, EnhancerCallsRoundTripWithTheirStrings) {
  ah_enhance_input in{};
  in.ts_ms = 1'700'000'000'000;
  in.symbol_index = 2;
  in.role = AH_ROLE_RESIZE;
  in.symbol = "BTC-USD";
  in.strategy = "rsi@1.0.0";
  in.bar = ah_bar{in.ts_ms, 1, 2, 0.5, 1.5, 10};
  in.context = ah_market_context{1, AH_REGIME_VOLATILE, 0.4, 1.2, -0.03};
  in.size = 0.25;
  ah_enhance_output pre{};
  pre.confidence = 0.7;
  pre.size = 0.25;
  std::vector<char> buf(enhance_bytes(in));
  encode_enhance(in, pre, buf.data());
  ah_enhance_input got{};
  ah_enhance_output got_out{};
  ASSERT_TRUE(decode_enhance(buf.data(), buf.size(), got, got_out).ok());
  EXPECT_STREQ(got.symbol, "BTC-USD");
  EXPECT_STREQ(got.strategy, "rsi@1.0.0");
  EXPECT_GE(got.symbol, buf.data());  // in place, in the arena
  EXPECT_EQ(got.ts_ms, in.ts_ms);
  EXPECT_EQ(got.role, AH_ROLE_RESIZE);
  EXPECT_EQ(got.context.volatility, 0.4);
  EXPECT_EQ(got.bar.close, 1.5);
  EXPECT_EQ(got_out.confidence, 0.7);
  EXPECT_EQ(0, std::memcmp(&got_out, &pre, sizeof pre));
  // A truncated request (or a length that runs past the arena) is refused, never read past.
  EXPECT_FALSE(decode_enhance(buf.data(), buf.size() - 1, got, got_out).ok());
  EXPECT_FALSE(decode_enhance(buf.data(), sizeof(ah_enhance_output) + 8, got, got_out).ok());

  ah_trade_outcome t{};
  t.symbol = "EURUSD";
  t.exit_reason = nullptr;  // a null string travels as ""
  t.pnl = -3.5;
  std::vector<char> tb(outcome_bytes(t));
  encode_outcome(t, tb.data());
  ah_trade_outcome back{};
  ASSERT_TRUE(decode_outcome(tb.data(), tb.size(), back).ok());
  EXPECT_STREQ(back.symbol, "EURUSD");
  EXPECT_STREQ(back.exit_reason, "");
  EXPECT_EQ(back.pnl, -3.5);
  EXPECT_FALSE(decode_outcome(tb.data(), tb.size() - 1, back).ok());
}

TEST(WorkerProtocol, SignalsReadBackAreChecked) {
  ah_signal s{};
  s.action = AH_BUY;
  s.confidence = 0.5;
  std::memset(s.reason, 'x', sizeof s.reason);  // not terminated: fixed in place
  EXPECT_TRUE(worker_signal_ok(s, 1));
  EXPECT_EQ(std::strlen(s.reason), sizeof s.reason - 1);
  ah_signal bad = s;
  bad.symbol_index = 1;
  EXPECT_FALSE(worker_signal_ok(bad, 1));
  EXPECT_NE(describe_bad_worker_signal(bad, 1).find("symbol index 1 of 1"), std::string::npos);
  bad = s;
  bad.action = 9;
  EXPECT_FALSE(worker_signal_ok(bad, 1));
  bad = s;
  bad.n_diag = 5;
  EXPECT_FALSE(worker_signal_ok(bad, 1));
  bad = s;
  bad.take_profit = std::nan("");
  EXPECT_FALSE(worker_signal_ok(bad, 1));
  bad = s;
  bad.stop_loss = INFINITY;
  EXPECT_FALSE(worker_signal_ok(bad, 1));
  EXPECT_NE(describe_bad_worker_signal(bad, 1).find("not finite"), std::string::npos);
  bad = s;
  bad.stop_loss = bad.take_profit = 1e308;  // large but finite: fine
  EXPECT_TRUE(worker_signal_ok(bad, 1));
}

TEST(WorkerProcess, DescribesHowAProcessEnded) {
  EXPECT_EQ(describe_wait_status(3 << 8), "exited with code 3");
  EXPECT_EQ(describe_wait_status(0), "exited with code 0");
  EXPECT_EQ(describe_wait_status(SIGSEGV), "killed by signal 11 (SIGSEGV)");
  EXPECT_EQ(describe_wait_status(SIGKILL), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(describe_wait_status(SIGABRT | 0x80), "killed by signal 6 (SIGABRT), core dumped");
}

TEST(WorkerProcess, AMissingExecutableIsAnError) {
  int fds[2] = {-1, -1};
  ASSERT_EQ(::pipe(fds), 0);
  auto pid = spawn_worker_process("/nonexistent/algohost-worker", {}, fds[1]);
  ::close(fds[0]);
  ::close(fds[1]);
  if (pid.ok()) {  // a libc that reports exec failures as an exit of the child
    const auto status = reap_worker(*pid, std::chrono::milliseconds(2000));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(describe_wait_status(*status), "exited with code 127");
  } else {
    EXPECT_NE(pid.status().message().find("/nonexistent/algohost-worker"), std::string::npos) << pid.status().message();
  }
}

}  // namespace
}  // namespace algohost
