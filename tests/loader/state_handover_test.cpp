// State handover (hot swap) of every built-in strategy, native and Python, loaded from disk through
// PluginService as the host loads them: a strategy run over slices [0, n), exported at slice k and
// imported (import_state_from, told its own version) into a fresh instance with the same parameters
// that continues over [k, n), gives bit for bit the signals of one uninterrupted instance. A state
// exported with other values of the parameters that shape it is refused with a message naming the
// parameter; other parameters may differ, and the importer then continues exactly as an instance
// created with its own parameters would have.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "host/data/synthetic.h"
#include "host/service/plugin_service.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

using Overrides = std::map<std::string, std::string>;

struct Case {
  std::string name;
  Overrides params;    // on top of the manifest's defaults (more signals in a short series)
  Overrides shaping;   // another value of a parameter that shapes the state: import refused
  std::string shaping_param;
  Overrides free;      // another value of a parameter that does not: import continues as a fresh
                       // instance with these parameters (empty: not checked)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::vector<Case>& cases() {
  static const std::vector<Case> k = {
      {"rsi", {}, {{"period", "10"}}, "period", {{"oversold", "35"}}},
      {"macd", {}, {{"slow", "30"}}, "slow", {}},
      {"momentum", {{"threshold", "0.01"}}, {{"lookback", "10"}}, "lookback", {{"threshold", "0.015"}}},
      {"mfi", {{"oversold", "30"}, {"overbought", "70"}}, {{"period", "10"}}, "period", {{"overbought", "65"}}},
      {"vwap", {{"band_pct", "0.005"}}, {{"window", "10"}}, "window", {{"band_pct", "0.004"}}},
      {"vwap", {{"mode", "session"}, {"band_pct", "0.003"}}, {{"mode", "rolling"}}, "mode", {{"band_pct", "0.004"}}},
      {"volatility_managed_momentum",
       {{"momentum_lookback", "60"}, {"skip_period", "5"}, {"volatility_lookback", "30"}, {"rebalance_period", "5"}},
       {{"volatility_lookback", "40"}},
       "volatility_lookback",
       {{"target_volatility", "0.2"}}},
      {"pairs_trading", {{"lookback", "30"}, {"entry_z", "1.2"}, {"exit_z", "0.3"}}, {{"lookback", "40"}}, "lookback",
       {{"entry_z", "1.5"}}},
      // The carry trade's state (slice count, targets signalled) is valid under any parameters.
      {"carry_trade", {{"rebalance_period", "3"}}, {}, "", {}},
  };
  return k;
}

// Three hourly symbols: enough for the multi-symbol strategies and for session VWAP. Their carry
// waves so that the carry trade's ranking changes every few dozen bars.
const MarketData& data() {
  static const MarketData md = [] {
    MarketData m = generate_synthetic(*SyntheticSpec::parse("symbols=3,bars=600,seed=5,timeframe=1h"));
    for (size_t j = 0; j < m.series.size(); ++j)
      for (size_t i = 0; i < m.series[j].size(); ++i)
        m.series[j].carry[i] = 0.02 * std::sin(static_cast<double>(i) / 23.0 + 2.1 * static_cast<double>(j));
    return m;
  }();
  return md;
}

PluginService& service() {
  static PluginService* svc = [] {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    return new PluginService(o);
  }();
  return *svc;
}

struct Instance {
  const Manifest* manifest = nullptr;
  std::unique_ptr<StrategyInstance> inst;
};

Instance make(const std::string& name, Overrides params, const Overrides& extra = {}) {
  auto m = service().find(name);
  if (!m.ok()) throw std::runtime_error(m.status().to_string());
  for (const auto& [k, v] : extra) params[k] = v;
  return {*m, testing::must(service().instantiate(**m, params), name)};
}

// The symbols a strategy is given: the first for a single-symbol strategy, all of them otherwise.
size_t symbol_count(const Manifest& m) { return m.symbols == 1 ? 1 : data().series.size(); }

// Drives slices [from, to) through on_slice; appends every signal.
void drive(StrategyInstance& inst, size_t n_symbols, size_t from, size_t to, std::vector<ah_signal>& out) {
  const auto& s = data().series;
  std::vector<const char*> names;
  for (size_t j = 0; j < n_symbols; ++j) names.push_back(s[j].symbol.c_str());
  std::vector<ah_bar> bars(n_symbols);
  std::vector<uint8_t> has(n_symbols, 1);
  std::vector<double> carry(n_symbols);
  std::vector<ah_signal> sigs;
  for (size_t i = from; i < to; ++i) {
    for (size_t j = 0; j < n_symbols; ++j) {
      bars[j] = s[j].bar(i);
      carry[j] = s[j].carry[i];
    }
    const ah_slice slice{bars[0].ts_ms, static_cast<uint32_t>(n_symbols), names.data(), bars.data(), has.data(),
                         carry.data()};
    Status st = inst.on_slice(slice, sigs);
    ASSERT_TRUE(st.ok()) << inst.label() << " at slice " << i << ": " << st.message();
    out.insert(out.end(), sigs.begin(), sigs.end());
  }
}

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

bool same(const ah_signal& a, const ah_signal& b) {
  bool eq = a.ts_ms == b.ts_ms && a.symbol_index == b.symbol_index && a.action == b.action &&
            bits(a.target_position) == bits(b.target_position) && bits(a.confidence) == bits(b.confidence) &&
            bits(a.position_size) == bits(b.position_size) && bits(a.stop_loss) == bits(b.stop_loss) &&
            bits(a.take_profit) == bits(b.take_profit) && std::strncmp(a.reason, b.reason, AH_REASON_LEN) == 0 &&
            a.n_diag == b.n_diag;
  for (uint32_t d = 0; eq && d < a.n_diag && d < AH_MAX_DIAGNOSTICS; ++d) eq = bits(a.diag[d]) == bits(b.diag[d]);
  return eq;
}

// Bit for bit: every field a signal carries.
void expect_identical(const std::vector<ah_signal>& got, const std::vector<ah_signal>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const ah_signal &a = got[i], &b = want[i];
    if (same(a, b)) continue;
    SCOPED_TRACE(what + ", signal " + std::to_string(i) + " at " + std::to_string(b.ts_ms));
    EXPECT_EQ(a.ts_ms, b.ts_ms);
    EXPECT_EQ(a.symbol_index, b.symbol_index);
    EXPECT_EQ(a.action, b.action);
    EXPECT_EQ(bits(a.target_position), bits(b.target_position));
    EXPECT_EQ(bits(a.confidence), bits(b.confidence));
    EXPECT_EQ(bits(a.position_size), bits(b.position_size));
    EXPECT_EQ(bits(a.stop_loss), bits(b.stop_loss));
    EXPECT_EQ(bits(a.take_profit), bits(b.take_profit));
    EXPECT_STREQ(a.reason, b.reason);
    ASSERT_EQ(a.n_diag, b.n_diag);
    for (uint32_t d = 0; d < a.n_diag; ++d) EXPECT_EQ(bits(a.diag[d]), bits(b.diag[d])) << "diag " << d;
  }
}

size_t actionable(const std::vector<ah_signal>& sigs) {
  size_t n = 0;
  for (const auto& s : sigs) n += s.action != AH_HOLD;
  return n;
}

// The signals of slices [from, n) within `all` (a single-symbol strategy gives one per slice; a
// multi-symbol one any number, so they are picked by timestamp).
std::vector<ah_signal> from_slice(const std::vector<ah_signal>& all, size_t from) {
  const int64_t ts = data().series[0].ts_ms[from];
  std::vector<ah_signal> out;
  for (const auto& s : all)
    if (s.ts_ms >= ts) out.push_back(s);
  return out;
}

class StateHandover : public ::testing::TestWithParam<Case> {};
class StateRefusal : public ::testing::TestWithParam<Case> {};    // cases with a shaping parameter
class FreeParameters : public ::testing::TestWithParam<Case> {};  // cases with a free parameter

TEST_P(StateHandover, ExportAtAnySliceAndContinueBitForBit) {
  const Case& c = GetParam();
  const size_t n = data().series[0].size();
  Instance whole = make(c.name, c.params);
  const size_t k_symbols = symbol_count(*whole.manifest);
  std::vector<ah_signal> reference;
  drive(*whole.inst, k_symbols, 0, n, reference);
  ASSERT_GE(actionable(reference), 4u) << c.name << ": too few signals to tell a continuation from a restart";

  for (size_t k : {size_t{0}, size_t{1}, size_t{17}, size_t{70}, n / 2, n - 20}) {
    SCOPED_TRACE(c.name + ": exported at slice " + std::to_string(k));
    Instance first = make(c.name, c.params);
    std::vector<ah_signal> head;
    drive(*first.inst, k_symbols, 0, k, head);
    auto state = first.inst->export_state();
    ASSERT_TRUE(state.ok()) << state.status().message();
    Instance second = make(c.name, c.params);
    Status imported = second.inst->import_state_from(*state, first.manifest->version_text);
    ASSERT_TRUE(imported.ok()) << imported.message();
    std::vector<ah_signal> tail;
    drive(*second.inst, k_symbols, k, n, tail);
    const auto want = from_slice(reference, k);
    expect_identical(tail, want, c.name + " from slice " + std::to_string(k));
    // The continuation is not trivially right: a fresh instance over [k, n) gives other signals.
    if (k >= 17 && actionable(want) > 0) {
      Instance fresh = make(c.name, c.params);
      std::vector<ah_signal> restarted;
      drive(*fresh.inst, k_symbols, k, n, restarted);
      bool differs = restarted.size() != want.size();
      for (size_t i = 0; !differs && i < want.size(); ++i) differs = !same(restarted[i], want[i]);
      EXPECT_TRUE(differs) << "a fresh instance gives the same signals: the check proves nothing";
    }
  }
}

TEST_P(StateRefusal, StateOfOtherShapingParametersIsRefused) {
  const Case& c = GetParam();
  Instance a = make(c.name, c.params);
  std::vector<ah_signal> sigs;
  drive(*a.inst, symbol_count(*a.manifest), 0, 100, sigs);
  auto state = a.inst->export_state();
  ASSERT_TRUE(state.ok()) << state.status().message();
  Instance b = make(c.name, c.params, c.shaping);
  Status st = b.inst->import_state_from(*state, a.manifest->version_text);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kPluginError);
  EXPECT_NE(st.message().find("state: exported with " + c.shaping_param + "="), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("this instance has " + c.shaping_param + "="), std::string::npos) << st.message();
  EXPECT_FALSE(b.inst->failed());  // a refused import leaves the instance usable (warm-up instead)
}

TEST_P(FreeParameters, OtherFreeParametersContinueAsAnInstanceWithThem) {
  const Case& c = GetParam();
  const size_t n = data().series[0].size(), k = n / 2;
  Instance whole = make(c.name, c.params, c.free);  // the new parameters from the start
  const size_t k_symbols = symbol_count(*whole.manifest);
  std::vector<ah_signal> reference;
  drive(*whole.inst, k_symbols, 0, n, reference);
  Instance first = make(c.name, c.params);  // the old parameters until slice k
  std::vector<ah_signal> head;
  drive(*first.inst, k_symbols, 0, k, head);
  auto state = first.inst->export_state();
  ASSERT_TRUE(state.ok()) << state.status().message();
  Instance second = make(c.name, c.params, c.free);
  ASSERT_TRUE(second.inst->import_state_from(*state, first.manifest->version_text).ok());
  std::vector<ah_signal> tail;
  drive(*second.inst, k_symbols, k, n, tail);
  const auto want = from_slice(reference, k);
  ASSERT_GE(actionable(want), 1u);
  expect_identical(tail, want, c.name + " with other free parameters");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name + (info.param.params.count("mode") ? "_" + info.param.params.at("mode") : "");
}

std::vector<Case> cases_with(Overrides Case::*field) {
  std::vector<Case> out;
  for (const auto& c : cases())
    if (!(c.*field).empty()) out.push_back(c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(BuiltIn, StateHandover, ::testing::ValuesIn(cases()), case_name);
// Not the carry trade: its state is valid under any parameters.
INSTANTIATE_TEST_SUITE_P(BuiltIn, StateRefusal, ::testing::ValuesIn(cases_with(&Case::shaping)), case_name);
// Not macd (every parameter shapes its state) nor the carry trade (see StateRefusal).
INSTANTIATE_TEST_SUITE_P(BuiltIn, FreeParameters, ::testing::ValuesIn(cases_with(&Case::free)), case_name);

}  // namespace
}  // namespace algohost
