// In-process function tables (no shared library): the C++ wrapper's shims turn exceptions into
// errors, and TableInstance refuses out-of-contract values from any table.
#include "host/instance/table_instance.h"

#include <algohost/strategy.hpp>

#include <gtest/gtest.h>

namespace algohost {
namespace {

// Buys on every bar whose close is above the previous close; throws when close is negative-ish.
class Rising final : public sdk::Strategy {
 public:
  explicit Rising(const sdk::Params& p) : limit_(p.get_double("limit")) {
    if (limit_ < 0) throw std::runtime_error("limit must be >= 0");
    declare_diagnostics({"change"});
  }
  void on_bar(const ah_bar& b, sdk::Signal out) override final {
    if (b.close > limit_) throw std::runtime_error("close above limit");
    if (prev_ > 0 && b.close > prev_) out.buy(0.6).reason("rising");
    out.diag(0, prev_ > 0 ? b.close - prev_ : 0.0);
    prev_ = b.close;
  }
  std::string export_state() const override { return sdk::StateWriter().put("prev", prev_).str(); }
  void import_state(std::string_view s) override { prev_ = sdk::StateReader(s).get("prev"); }

 private:
  double limit_;
  double prev_ = 0;
};

Result<std::unique_ptr<TableInstance>> make(const std::string& params) {
  return TableInstance::create(sdk::api_for<Rising>("rising"), nullptr, "rising@test", params);
}

ah_slice one(const ah_bar& bar, const char* const* sym, const uint8_t* has) {
  return ah_slice{bar.ts_ms, 1, sym, &bar, has, nullptr};
}

TEST(TableInstance, CreateErrorsComeBackAsValues) {
  auto thrown = make(R"({"limit": -1})");
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), StatusCode::kPluginError);
  EXPECT_EQ(thrown.status().message(), "rising@test: create failed: limit must be >= 0");
  auto missing = make("{}");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("parameter 'limit' is missing"), std::string::npos);
  auto malformed = make("{");
  EXPECT_FALSE(malformed.ok());
}

TEST(TableInstance, SignalsDiagnosticsAndBatchEquivalence) {
  auto inst = make(R"({"limit": 1000})");
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  EXPECT_EQ((*inst)->diagnostics(), (std::vector<std::string>{"change"}));
  EXPECT_TRUE((*inst)->supports_batch());

  const double closes[] = {10, 11, 10.5, 12, 13};
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  std::vector<ah_signal> per_slice, out;
  for (int i = 0; i < 5; ++i) {
    ah_bar b{i * 1000, closes[i], closes[i], closes[i], closes[i], 1};
    ah_slice s = one(b, sym, has);
    ASSERT_TRUE((*inst)->on_slice(s, out).ok());
    ASSERT_EQ(out.size(), 1u);
    per_slice.push_back(out[0]);
  }
  EXPECT_EQ(per_slice[1].action, AH_BUY);
  EXPECT_EQ(per_slice[2].action, AH_HOLD);
  EXPECT_DOUBLE_EQ(per_slice[2].diag[0], -0.5);

  auto batch_inst = make(R"({"limit": 1000})");
  std::vector<int64_t> ts = {0, 1000, 2000, 3000, 4000};
  std::vector<double> c(closes, closes + 5), v(5, 1.0);
  ah_series ser{"X", 5, ts.data(), c.data(), c.data(), c.data(), c.data(), v.data(), nullptr};
  std::vector<ah_signal> batch(5);
  ASSERT_TRUE((*batch_inst)->on_batch(ser, batch.data()).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(batch[i].action, per_slice[i].action) << i;
    EXPECT_EQ(batch[i].ts_ms, per_slice[i].ts_ms) << i;
    EXPECT_EQ(batch[i].diag[0], per_slice[i].diag[0]) << i;
  }
}

TEST(TableInstance, SparseBatchGivesTheActionableSignalsAndTheFailingBar) {
  // StrategyInstance's default on_batch_sparse over chunks of on_batch: 9000 bars span three
  // chunks; a rise on every other bar buys; the close at bar 8500 exceeds the limit and fails.
  const size_t n = 9000;
  std::vector<int64_t> ts(n);
  std::vector<double> c(n), v(n, 1.0);
  for (size_t i = 0; i < n; ++i) {
    ts[i] = static_cast<int64_t>(i) * 1000;
    c[i] = i == 8500 ? 5000.0 : 100.0 + static_cast<double>(i % 2);
  }
  ah_series ser{"X", n, ts.data(), c.data(), c.data(), c.data(), c.data(), v.data(), nullptr};
  auto dense_inst = make(R"({"limit": 1000})");
  auto sparse_inst = make(R"({"limit": 1000})");
  std::vector<ah_signal> dense(n);
  uint64_t dense_done = 0, sparse_done = 0;
  ASSERT_FALSE((*dense_inst)->on_batch(ser, dense.data(), &dense_done).ok());
  std::vector<IndexedSignal> sparse;
  Status st = (*sparse_inst)->on_batch_sparse(ser, sparse, &sparse_done);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(sparse_done, 8500u);
  EXPECT_EQ(sparse_done, dense_done);
  std::vector<IndexedSignal> expected;
  for (uint64_t i = 0; i < dense_done; ++i)
    if (dense[i].action != AH_HOLD) expected.push_back({i, dense[i]});
  ASSERT_EQ(sparse.size(), expected.size());
  EXPECT_EQ(sparse.size(), 4250u);  // every odd bar before 8500
  for (size_t k = 0; k < sparse.size(); ++k) {
    EXPECT_EQ(sparse[k].index, expected[k].index) << k;
    EXPECT_EQ(sparse[k].signal.ts_ms, expected[k].signal.ts_ms) << k;
  }
}

TEST(TableInstance, ProcessingExceptionFailsTheInstanceOnly) {
  auto inst = make(R"({"limit": 50})");
  ASSERT_TRUE(inst.ok());
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  std::vector<ah_signal> out;
  ah_bar ok{0, 10, 10, 10, 10, 1}, boom{1, 99, 99, 99, 99, 1};
  auto s_ok = one(ok, sym, has), s_boom = one(boom, sym, has);
  ASSERT_TRUE((*inst)->on_slice(s_ok, out).ok());
  Status st = (*inst)->on_slice(s_boom, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "rising@test: on_slice failed: close above limit");
  EXPECT_TRUE((*inst)->failed());
  // Once failed, the plugin is not called again; the failure is returned instead.
  EXPECT_EQ((*inst)->on_slice(s_ok, out).message(), st.message());
  // Another instance of the same strategy is unaffected.
  auto other = make(R"({"limit": 50})");
  EXPECT_TRUE((*other)->on_slice(s_ok, out).ok());
}

TEST(TableInstance, StateCarriesAcrossInstances) {
  auto a = make(R"({"limit": 1000})");
  auto b = make(R"({"limit": 1000})");
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  std::vector<ah_signal> out;
  ah_bar first{0, 10, 10, 10, 10, 1}, second{1, 11, 11, 11, 11, 1};
  auto s1 = one(first, sym, has), s2 = one(second, sym, has);
  ASSERT_TRUE((*a)->on_slice(s1, out).ok());
  auto state = (*a)->export_state();
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE((*b)->import_state(*state).ok());
  ASSERT_TRUE((*b)->on_slice(s2, out).ok());
  EXPECT_EQ(out[0].action, AH_BUY);  // b knows the previous close from a's state
  EXPECT_FALSE((*b)->import_state("garbage").ok());
}

// No state calls overridden: the SDK's defaults say Unsupported.
class Stateless final : public sdk::Strategy {
 public:
  explicit Stateless(const sdk::Params&) {}
  void on_bar(const ah_bar&, sdk::Signal out) override final { out.buy(0.5); }
};

// Overrides only the versioned import: migrates "old=" from 1.x, refuses 0.x as Unsupported.
class Migrating final : public sdk::Strategy {
 public:
  explicit Migrating(const sdk::Params&) {}
  using Strategy::import_state;
  std::string export_state() const override { return sdk::StateWriter().put("value", value_).str(); }
  void import_state(std::string_view s, std::string_view from) override {
    if (from.substr(0, 2) == "0.") throw sdk::Unsupported("too old: " + std::string(from));
    value_ = sdk::StateReader(s).get(from.substr(0, 2) == "1." ? "old" : "value");
  }
  void on_bar(const ah_bar&, sdk::Signal out) override final { out.diag(0, value_); }

 private:
  double value_ = 0;
};

TEST(TableInstance, StateCallsNotOverriddenAreUnsupported) {
  auto inst = TableInstance::create(sdk::api_for<Stateless>("stateless"), nullptr, "stateless@test", "{}");
  ASSERT_TRUE(inst.ok());
  auto state = (*inst)->export_state();
  EXPECT_EQ(state.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(state.status().message(), "stateless@test: export_state is not supported: this strategy exports no state");
  EXPECT_EQ((*inst)->import_state("x=1").code(), StatusCode::kUnsupported);
  // The SDK's versioned import forwards to the one-argument one: Unsupported as well.
  EXPECT_EQ((*inst)->import_state_from("x=1", "1.0.0").code(), StatusCode::kUnsupported);
  EXPECT_FALSE((*inst)->failed());
}

TEST(TableInstance, VersionedImportMigratesAndSaysUnsupported) {
  const ah_strategy_api* api = sdk::api_for<Migrating>("migrating");
  EXPECT_GE(api->struct_size, static_cast<uint32_t>(AH_API_1_2_SIZE));
  EXPECT_EQ(api->api_minor, static_cast<uint32_t>(AH_API_VERSION_MINOR));
  auto inst = TableInstance::create(api, nullptr, "migrating@test", "{}");
  ASSERT_TRUE(inst.ok());
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  ah_bar bar{0, 1, 1, 1, 1, 1};
  std::vector<ah_signal> out;
  ASSERT_TRUE((*inst)->import_state_from("old=7\n", "1.4.2").ok());
  ASSERT_TRUE((*inst)->on_slice(one(bar, sym, has), out).ok());
  EXPECT_EQ(out[0].diag[0], 7.0);
  ASSERT_TRUE((*inst)->import_state_from("value=9\n", "2.0.0").ok());
  // Without a version (the one-argument entry), the SDK's default says Unsupported: the class
  // overrides only the versioned one... which the default one-argument import does not call.
  EXPECT_EQ((*inst)->import_state("value=9\n").code(), StatusCode::kUnsupported);
  Status old = (*inst)->import_state_from("value=1\n", "0.9.0");
  EXPECT_EQ(old.code(), StatusCode::kUnsupported);
  EXPECT_EQ(old.message(), "migrating@test: import_state_from is not supported: too old: 0.9.0");
  Status bad = (*inst)->import_state_from("garbage", "2.0.0");
  EXPECT_EQ(bad.code(), StatusCode::kPluginError);
  EXPECT_FALSE((*inst)->failed());
  ASSERT_TRUE((*inst)->on_slice(one(bar, sym, has), out).ok());
  EXPECT_EQ(out[0].diag[0], 9.0);  // the failed imports left the instance as it was
}

// A raw C table that returns whatever the test puts in `g_bad`.
ah_signal g_bad;
uint32_t g_count = 1;
int32_t raw_create(const char*, ah_instance** out, char*, size_t) {
  static int dummy;
  *out = reinterpret_cast<ah_instance*>(&dummy);
  return AH_OK;
}
void raw_destroy(ah_instance*) {}
const char* raw_describe(ah_instance*) { return "not json"; }
int32_t raw_on_slice(ah_instance*, const ah_slice*, ah_signal* out, uint32_t, uint32_t* n) {
  for (uint32_t i = 0; i < g_count && i < 4; ++i) out[i] = g_bad;
  *n = g_count;
  return AH_OK;
}
int32_t raw_on_batch(ah_instance*, const ah_series*, ah_signal*, uint64_t*) { return AH_UNSUPPORTED; }
int32_t raw_export(ah_instance*, const char**, size_t*) { return AH_ERROR; }
int32_t raw_import(ah_instance*, const char*, size_t) { return AH_ERROR; }
const char* raw_last_error(ah_instance*) { return ""; }
const ah_strategy_api kRaw = {1,          0,          sizeof(ah_strategy_api), "raw",      raw_create,
                              raw_destroy, raw_describe, raw_on_slice, raw_on_batch, raw_export,
                              raw_import, raw_last_error, nullptr};

std::string bad_signal_message(void (*mutate)(ah_signal&), uint32_t count = 1) {
  g_bad = ah_signal{};
  g_count = count;
  mutate(g_bad);
  auto inst = TableInstance::create(&kRaw, nullptr, "raw@test", "{}");
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  ah_bar b{0, 1, 1, 1, 1, 1};
  auto s = one(b, sym, has);
  std::vector<ah_signal> out;
  Status st = (*inst)->on_slice(s, out);
  EXPECT_TRUE(out.empty());
  return st.message();
}

TEST(TableInstance, RefusesOutOfContractSignals) {
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.action = 9; }).find("action 9"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.symbol_index = 3; }).find("symbol_index 3 of 1"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.confidence = 1.5; }).find("confidence"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.confidence = std::nan(""); }).find("confidence"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.position_size = -0.1; }).find("position_size"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.stop_loss = -1; }).find("stop_loss"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { s.n_diag = 9; }).find("n_diag"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal& s) { std::memset(s.reason, 'x', sizeof s.reason); }).find("NUL"), std::string::npos);
  EXPECT_NE(bad_signal_message([](ah_signal&) {}, 1000).find("1000 signals for a buffer of 8"), std::string::npos);
}

TEST(TableInstance, UnsupportedBatchAndMalformedDescribe) {
  auto inst = TableInstance::create(&kRaw, nullptr, "raw@test", "{}");
  ASSERT_TRUE(inst.ok());
  EXPECT_TRUE((*inst)->diagnostics().empty());  // "not json" from describe(): tolerated
  ah_series ser{"X", 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  EXPECT_EQ((*inst)->on_batch(ser, nullptr).code(), StatusCode::kUnsupported);
  EXPECT_FALSE((*inst)->supports_batch());
  EXPECT_FALSE((*inst)->failed());  // unsupported is not a failure
  EXPECT_FALSE((*inst)->export_state().ok());
}

}  // namespace
}  // namespace algohost
