// Helpers of the isolation tests: a PluginService over the built-in plugins and the swap and
// fault fixtures, worker options, synthetic data, and field-by-field comparisons of signals and
// trades.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/data/synthetic.h"
#include "host/data/timestamp.h"
#include "host/engine/engine.h"
#include "host/isolation/isolation.h"
#include "host/isolation/worker_instance.h"
#include "host/service/plugin_service.h"

namespace algohost::isotest {

inline PluginServiceOptions service_options() {
  PluginServiceOptions o;
  o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
  o.plugin_dirs = {ALGOHOST_SWAP_PLUGIN_DIR, ALGOHOST_FAULT_PLUGIN_DIR};
  o.python_sdk_dir = ALGOHOST_PYTHON_SDK_DIR;
  return o;
}

inline IsolationOptions in_worker(WorkerLimits limits = {}) {
  IsolationOptions o;
  o.mode = Isolation::kProcess;
  o.limits = limits;
  o.worker = ALGOHOST_WORKER_PATH;
  return o;
}

inline MarketData synthetic(int symbols, int64_t bars, uint64_t seed = 7) {
  SyntheticSpec spec;
  spec.symbols = symbols;
  spec.bars = bars;
  spec.seed = seed;
  return generate_synthetic(spec);
}

// One bar of a series as a one-symbol slice (the engine's single-symbol drive).
struct OneSlice {
  ah_bar bar{};
  uint8_t has_bar = 1;
  double carry = 0;
  const char* symbol = nullptr;
  ah_slice slice{};
  OneSlice(const BarSeries& s, size_t i) {
    bar = s.bar(i);
    symbol = s.symbol.c_str();
    if (!s.carry.empty()) carry = s.carry[i];
    slice = ah_slice{bar.ts_ms, 1, &symbol, &bar, &has_bar, s.carry.empty() ? nullptr : &carry};
  }
};

inline void expect_same_signal(const ah_signal& a, const ah_signal& b, const std::string& where) {
  EXPECT_EQ(a.ts_ms, b.ts_ms) << where;
  EXPECT_EQ(a.symbol_index, b.symbol_index) << where;
  EXPECT_EQ(a.action, b.action) << where;
  EXPECT_EQ(a.target_position, b.target_position) << where;
  EXPECT_EQ(a.confidence, b.confidence) << where;
  EXPECT_EQ(a.position_size, b.position_size) << where;
  EXPECT_EQ(a.stop_loss, b.stop_loss) << where;
  EXPECT_EQ(a.take_profit, b.take_profit) << where;
  EXPECT_STREQ(a.reason, b.reason) << where;
  EXPECT_EQ(a.n_diag, b.n_diag) << where;
  for (uint32_t k = 0; k < a.n_diag && k < AH_MAX_DIAGNOSTICS; ++k)
    EXPECT_EQ(0, std::memcmp(&a.diag[k], &b.diag[k], sizeof(double))) << where << " diag " << k;
}

inline void expect_same_trade(const ClosedTrade& a, const ClosedTrade& b, const std::string& where) {
  EXPECT_EQ(a.symbol, b.symbol) << where;
  EXPECT_EQ(a.entry_ms, b.entry_ms) << where;
  EXPECT_EQ(a.exit_ms, b.exit_ms) << where;
  EXPECT_EQ(a.quantity, b.quantity) << where;
  EXPECT_EQ(a.entry_price, b.entry_price) << where;
  EXPECT_EQ(a.exit_price, b.exit_price) << where;
  EXPECT_EQ(a.pnl, b.pnl) << where;
  EXPECT_EQ(a.pnl_pct, b.pnl_pct) << where;
  EXPECT_EQ(a.mae, b.mae) << where;
  EXPECT_EQ(a.mfe, b.mfe) << where;
  EXPECT_EQ(a.stop_loss, b.stop_loss) << where;
  EXPECT_EQ(a.take_profit, b.take_profit) << where;
  EXPECT_EQ(a.commission, b.commission) << where;
  EXPECT_EQ(a.slippage_cost, b.slippage_cost) << where;
  EXPECT_EQ(a.action, b.action) << where;
  EXPECT_EQ(a.confidence, b.confidence) << where;
  EXPECT_EQ(a.exit_reason, b.exit_reason) << where;
}

// True when `pid` is neither a live process nor an unreaped child of this one.
inline bool process_gone(int pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  const bool not_our_child = r < 0 && errno == ECHILD;
  const bool dead = ::kill(pid, 0) != 0 && errno == ESRCH;
  return not_our_child && dead;
}

}  // namespace algohost::isotest
