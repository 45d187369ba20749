// Shared helpers for the built-in strategy tests: deterministic bar series, a per-bar driver,
// exact signal comparison, and the two contract checks every strategy must pass (state
// export/import continuity and batch == per-bar through the in-process C function table).
#ifndef ALGOHOST_TESTS_PLUGINS_TEST_UTIL_HPP_
#define ALGOHOST_TESTS_PLUGINS_TEST_UTIL_HPP_

#include <algohost/strategy.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace algohost::test {

inline sdk::Params params(const std::string& json) { return sdk::Params::parse(json); }

constexpr int64_t kDayMs = 86400000;
constexpr int64_t kT0 = 19675 * kDayMs;  // 2023-11-15T00:00:00Z, a UTC midnight

// xorshift64*: a fixed, portable pseudo-random sequence (std distributions vary by library).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {  // Box-Muller
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t s_;
};

// A geometric random walk of OHLCV bars, `step_ms` apart from `t0`.
inline std::vector<ah_bar> random_bars(size_t n, uint64_t seed, double vol = 0.02,
                                       int64_t step_ms = kDayMs, int64_t t0 = kT0) {
  Rng rng(seed);
  std::vector<ah_bar> bars;
  bars.reserve(n);
  double price = 100.0;
  for (size_t i = 0; i < n; ++i) {
    const double open = price;
    price *= std::exp(vol * rng.normal());
    const double close = price;
    const double hi = std::max(open, close) * (1.0 + 0.01 * rng.uniform());
    const double lo = std::min(open, close) * (1.0 - 0.01 * rng.uniform());
    const double volume = 1000.0 + 9000.0 * rng.uniform();
    bars.push_back(ah_bar{t0 + static_cast<int64_t>(i) * step_ms, open, hi, lo, close, volume});
  }
  return bars;
}

// Daily bars whose open/high/low/close all equal the given closes, volume 1000.
inline std::vector<ah_bar> bars_from_closes(const std::vector<double>& closes) {
  std::vector<ah_bar> bars;
  for (size_t i = 0; i < closes.size(); ++i)
    bars.push_back(ah_bar{kT0 + static_cast<int64_t>(i) * kDayMs, closes[i], closes[i], closes[i],
                          closes[i], 1000.0});
  return bars;
}

inline std::vector<double> closes_of(const std::vector<ah_bar>& bars) {
  std::vector<double> c;
  for (const auto& b : bars) c.push_back(b.close);
  return c;
}

inline ah_signal blank_signal(int64_t ts) {
  ah_signal s;
  std::memset(&s, 0, sizeof s);
  s.ts_ms = ts;
  return s;
}

// Feeds bars[from, to) through on_bar, one signal per bar (as the batch shim prepares them).
template <class S>
std::vector<ah_signal> run(S& strategy, const std::vector<ah_bar>& bars, size_t from = 0,
                           size_t to = SIZE_MAX) {
  if (to > bars.size()) to = bars.size();
  std::vector<ah_signal> out;
  for (size_t i = from; i < to; ++i) {
    out.push_back(blank_signal(bars[i].ts_ms));
    strategy.on_bar(bars[i], sdk::Signal(out.back()));
  }
  return out;
}

inline std::string reason(const ah_signal& s) { return std::string(s.reason); }

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Every field equal, doubles bit for bit.
inline ::testing::AssertionResult same_signal(const ah_signal& a, const ah_signal& b) {
  bool ok = a.ts_ms == b.ts_ms && a.symbol_index == b.symbol_index && a.action == b.action &&
            same_bits(a.target_position, b.target_position) &&
            same_bits(a.confidence, b.confidence) && same_bits(a.position_size, b.position_size) &&
            same_bits(a.stop_loss, b.stop_loss) && same_bits(a.take_profit, b.take_profit) &&
            std::strncmp(a.reason, b.reason, AH_REASON_LEN) == 0 && a.n_diag == b.n_diag;
  for (uint32_t i = 0; ok && i < a.n_diag && i < AH_MAX_DIAGNOSTICS; ++i)
    ok = same_bits(a.diag[i], b.diag[i]);
  if (ok) return ::testing::AssertionSuccess();
  auto show = [](const ah_signal& s) {
    std::string t = "{ts=" + std::to_string(s.ts_ms) + " action=" + std::to_string(s.action) +
                    " conf=" + std::to_string(s.confidence) + " reason='" + reason(s) +
                    "' n_diag=" + std::to_string(s.n_diag);
    for (uint32_t i = 0; i < s.n_diag && i < AH_MAX_DIAGNOSTICS; ++i)
      t += " d" + std::to_string(i) + "=" + std::to_string(s.diag[i]);
    return t + "}";
  };
  return ::testing::AssertionFailure() << show(a) << " != " << show(b);
}

inline void expect_same_signals(const std::vector<ah_signal>& a, const std::vector<ah_signal>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_signal(a[i], b[i])) << "at signal " << i;
}

inline size_t count_action(const std::vector<ah_signal>& sigs, int32_t action) {
  size_t n = 0;
  for (const auto& s : sigs) n += s.action == action ? 1 : 0;
  return n;
}

// Runs the whole series on one instance; then, for each split point k, runs bars[0, k) on a
// second instance, exports its state, imports it into a fresh third instance and runs bars[k, n)
// there. The third instance's signals must equal the first's for bars[k, n), bit for bit.
template <class S>
void check_state_continuity(const std::string& params_json, const std::vector<ah_bar>& bars,
                            const std::vector<size_t>& splits) {
  S whole(params(params_json));
  const auto expected = run(whole, bars);
  for (size_t k : splits) {
    SCOPED_TRACE("split at bar " + std::to_string(k));
    S first(params(params_json));
    run(first, bars, 0, k);
    const std::string state = first.export_state();
    S second(params(params_json));
    second.import_state(state);
    const auto got = run(second, bars, k);
    const std::vector<ah_signal> want(expected.begin() + static_cast<std::ptrdiff_t>(k),
                                      expected.end());
    expect_same_signals(got, want);
    // Exporting again from the restored instance's starting point gives the same bytes.
    S third(params(params_json));
    third.import_state(state);
    EXPECT_EQ(third.export_state(), state);
  }
}

// The in-process C table for S, driven the way a host drives a loaded plugin.
class ApiInstance {
 public:
  ApiInstance(const ah_strategy_api* api, const std::string& params_json) : api_(api) {
    char err[256] = {0};
    const int32_t rc = api_->create(params_json.c_str(), &inst_, err, sizeof err);
    if (rc != AH_OK || !inst_) throw std::runtime_error(std::string("create failed: ") + err);
  }
  ~ApiInstance() { api_->destroy(inst_); }
  ApiInstance(const ApiInstance&) = delete;
  ApiInstance& operator=(const ApiInstance&) = delete;

  ah_instance* get() const { return inst_; }

  // bars[from, to) through on_batch in one call.
  std::vector<ah_signal> batch(const std::vector<ah_bar>& bars, size_t from, size_t to) {
    std::vector<int64_t> ts;
    std::vector<double> o, h, l, c, v;
    for (size_t i = from; i < to; ++i) {
      ts.push_back(bars[i].ts_ms);
      o.push_back(bars[i].open);
      h.push_back(bars[i].high);
      l.push_back(bars[i].low);
      c.push_back(bars[i].close);
      v.push_back(bars[i].volume);
    }
    const ah_series s{"TEST", static_cast<uint64_t>(to - from), ts.data(), o.data(), h.data(),
                      l.data(), c.data(), v.data(), nullptr};
    std::vector<ah_signal> out(to - from);
    uint64_t done = 0;
    EXPECT_EQ(api_->on_batch(inst_, &s, out.data(), &done), AH_OK) << api_->last_error(inst_);
    EXPECT_EQ(done, s.n);
    return out;
  }

  // One bar as a single-symbol slice.
  ah_signal slice(const ah_bar& bar) {
    const char* symbols[1] = {"TEST"};
    const uint8_t has_bar[1] = {1};
    const ah_slice sl{bar.ts_ms, 1, symbols, &bar, has_bar, nullptr};
    ah_signal out[2];
    std::memset(out, 0xAB, sizeof out);  // garbage: the shim must clear what it hands out
    uint32_t n = 99;
    EXPECT_EQ(api_->on_slice(inst_, &sl, out, 2, &n), AH_OK) << api_->last_error(inst_);
    EXPECT_EQ(n, 1u);
    return out[0];
  }

 private:
  const ah_strategy_api* api_;
  ah_instance* inst_ = nullptr;
};

// Batch (in uneven chunks) == slice by slice == direct on_bar, through api_for<S>(name); also
// checks describe() names the diagnostics and state export/import through the table.
template <class S>
void check_api_equivalence(const char* name, const std::string& params_json,
                           const std::vector<ah_bar>& bars,
                           const std::vector<std::string>& diagnostics) {
  const ah_strategy_api* api = sdk::api_for<S>(name);
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->api_major, static_cast<uint32_t>(AH_API_VERSION_MAJOR));
  EXPECT_GE(api->struct_size, static_cast<uint32_t>(AH_API_1_0_SIZE));

  S direct(params(params_json));
  const auto expected = run(direct, bars);

  // Batch in chunks of 1, 7, 50, then the rest.
  ApiInstance b(api, params_json);
  std::vector<ah_signal> batched;
  size_t pos = 0;
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{50}, bars.size()}) {
    const size_t end = std::min(bars.size(), pos + chunk);
    auto part = b.batch(bars, pos, end);
    batched.insert(batched.end(), part.begin(), part.end());
    pos = end;
  }
  expect_same_signals(batched, expected);

  ApiInstance s(api, params_json);
  std::vector<ah_signal> sliced;
  for (const auto& bar : bars) sliced.push_back(s.slice(bar));
  expect_same_signals(sliced, expected);

  // describe() names the diagnostic slots.
  const std::string desc = api->describe(b.get());
  std::string want = "{\"diagnostics\":[";
  for (size_t i = 0; i < diagnostics.size(); ++i)
    want += (i ? ",\"" : "\"") + diagnostics[i] + "\"";
  want += "]";
  EXPECT_EQ(desc.rfind(want, 0), 0u) << desc;

  // State through the table: export half-way, import into a fresh instance, continue.
  const size_t half = bars.size() / 2;
  ApiInstance first(api, params_json);
  first.batch(bars, 0, half);
  const char* data = nullptr;
  size_t len = 0;
  ASSERT_EQ(api->export_state(first.get(), &data, &len), AH_OK);
  const std::string state(data, len);
  ApiInstance second(api, params_json);
  ASSERT_EQ(api->import_state(second.get(), state.data(), state.size()), AH_OK)
      << api->last_error(second.get());
  const auto rest = second.batch(bars, half, bars.size());
  expect_same_signals(rest, std::vector<ah_signal>(expected.begin() + static_cast<std::ptrdiff_t>(half),
                                                   expected.end()));

  // A malformed state is refused with an error, not a crash.
  ApiInstance third(api, params_json);
  const std::string bad = "garbage without equals sign";
  EXPECT_EQ(api->import_state(third.get(), bad.data(), bad.size()), AH_ERROR);
  EXPECT_STRNE(api->last_error(third.get()), "");
}

// create() through the table refuses the parameters, and its error text names `mention`.
inline void expect_create_error(const ah_strategy_api* api, const std::string& params_json,
                                const std::string& mention) {
  ah_instance* inst = nullptr;
  char err[256] = {0};
  EXPECT_EQ(api->create(params_json.c_str(), &inst, err, sizeof err), AH_ERROR) << params_json;
  EXPECT_EQ(inst, nullptr);
  EXPECT_NE(std::string(err).find(mention), std::string::npos)
      << "error '" << err << "' does not mention '" << mention << "'";
  if (inst) api->destroy(inst);
}

}  // namespace algohost::test

#endif  // ALGOHOST_TESTS_PLUGINS_TEST_UTIL_HPP_
