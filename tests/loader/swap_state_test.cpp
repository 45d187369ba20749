// State handover across versions through the native loader (ABI 1.2 import_state_from): an API
// 1.1 plugin still loads and falls back to import_state, a plugin without state answers
// Unsupported without failing, and the swap_probe fixtures (found by discovery in their plugin
// directory, as the live host finds them) migrate 1.0.0's state into 2.0.0 and back.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/loader/native_loader.h"
#include "host/service/plugin_service.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::fixture_manifest;
using testing::install_fixture;
using testing::must;
using testing::TempDir;

// A fixture library under a manifest that declares `api` ("1.1", "1.2").
std::unique_ptr<StrategyInstance> c_fixture(const TempDir& dir, NativeLoader& loader, const char* library,
                                            const std::string& api = "1.0") {
  auto doc = fixture_manifest("fx", "1.0.0", library);
  doc["implementation"]["sdk_api_version"] = api;
  auto report = load_manifest(install_fixture(dir.path(), library, doc));
  if (!report.ok()) throw std::runtime_error(report.error_summary());
  return must(loader.instantiate(*report.manifest, *resolve_parameters(*report.manifest, {})), library);
}

// Closes as one-symbol slices from `ts0` on; the signals, one per bar.
std::vector<ah_signal> feed(StrategyInstance& inst, const std::vector<double>& closes, int64_t ts0 = 0) {
  const char* sym[1] = {"X"};
  const uint8_t has[1] = {1};
  std::vector<ah_signal> out, one;
  for (size_t i = 0; i < closes.size(); ++i) {
    const ah_bar b{ts0 + static_cast<int64_t>(i) * 60000, closes[i], closes[i], closes[i], closes[i], 1};
    const ah_slice s{b.ts_ms, 1, sym, &b, has, nullptr};
    Status st = inst.on_slice(s, one);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) break;
    out.push_back(one.empty() ? ah_signal{} : one[0]);
  }
  return out;
}

std::vector<int32_t> actions(const std::vector<ah_signal>& s) {
  std::vector<int32_t> a;
  for (const auto& x : s) a.push_back(x.action);
  return a;
}

TEST(SwapState, Api11PluginLoadsAndImportStateFromFallsBackToImportState) {
  TempDir dir;
  NativeLoader loader;
  // The 1.1 descriptor is shorter than 1.2's; past its struct_size lies a trap that fails if called.
  auto old = c_fixture(dir, loader, FX_API_1_1_PATH, "1.1");
  feed(*old, {90, 110});  // above the threshold of 100
  const std::string state = must(old->export_state());
  EXPECT_EQ(state, "above=1\n");
  TempDir dir2;
  auto next = c_fixture(dir2, loader, FX_API_1_1_PATH, "1.1");
  Status st = next->import_state_from(state, "1.0.0");
  ASSERT_TRUE(st.ok()) << st.message();
  // The imported "above" makes a fall below the threshold a cross down on the very first bar.
  auto sig = feed(*next, {95});
  EXPECT_EQ(sig[0].action, AH_SELL);
  // A bad state still comes back through import_state's error.
  Status bad = next->import_state_from("junk", "1.0.0");
  EXPECT_EQ(bad.code(), StatusCode::kPluginError);
  EXPECT_NE(bad.message().find("import_state failed: state: expected 'above=N'"), std::string::npos) << bad.message();
}

TEST(SwapState, NullImportStateFromFallsBackToo) {
  TempDir dir;
  NativeLoader loader;
  auto inst = c_fixture(dir, loader, FX_C_THRESHOLD_PATH, "1.2");  // a 1.2 descriptor, entry left null
  ASSERT_TRUE(inst->import_state_from("above=0\n", "0.9.0").ok());
  EXPECT_EQ(feed(*inst, {120})[0].action, AH_BUY);
}

TEST(SwapState, UnsupportedStateCallsAreUnsupportedAndDoNotFailTheInstance) {
  TempDir dir;
  NativeLoader loader;
  auto inst = c_fixture(dir, loader, FX_NO_STATE_PATH);
  auto exported = inst->export_state();
  ASSERT_FALSE(exported.ok());
  EXPECT_EQ(exported.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(exported.status().message(), "fx@1.0.0: export_state is not supported: c_threshold keeps no state");
  EXPECT_EQ(inst->import_state("above=1\n").code(), StatusCode::kUnsupported);
  EXPECT_EQ(inst->import_state_from("above=1\n", "1.0.0").code(), StatusCode::kUnsupported);
  EXPECT_FALSE(inst->failed());
  EXPECT_EQ(actions(feed(*inst, {90, 110})), (std::vector<int32_t>{AH_HOLD, AH_BUY}));  // still runs
}

// ---- swap_probe 1.0.0 / 2.0.0 / 3.0.0, from their plugin directory ----

PluginService& swap_plugins() {
  static PluginService* svc = [] {
    PluginServiceOptions o;
    o.plugin_dirs = {ALGOHOST_SWAP_PLUGIN_DIR};
    return new PluginService(o);
  }();
  return *svc;
}

std::unique_ptr<StrategyInstance> probe(const std::string& version, const std::map<std::string, std::string>& p = {}) {
  const Manifest* m = must(swap_plugins().find("swap_probe@" + version));
  return must(swap_plugins().instantiate(*m, p), "swap_probe@" + version);
}

const std::vector<double> kBars(40, 100.0);

TEST(SwapProbe, TheThreeVersionsAreDiscoveredAndLoad) {
  std::vector<std::string> versions;
  for (const auto& row : swap_plugins().list(true)) {
    EXPECT_EQ(row.load_status, "loaded") << row.load_message;
    versions.push_back(row.plugin->report.manifest->version_text);
  }
  std::sort(versions.begin(), versions.end());
  EXPECT_EQ(versions, (std::vector<std::string>{"1.0.0", "2.0.0", "3.0.0"}));
}

TEST(SwapProbe, SignalsFollowTheCounter) {
  auto v1 = probe("1.0.0");
  auto a = actions(feed(*v1, std::vector<double>(20, 100.0)));
  std::vector<int32_t> want(20, AH_HOLD);
  want[4] = AH_BUY;  // bar 5
  want[9] = AH_SELL;
  want[14] = AH_BUY;
  want[19] = AH_SELL;
  EXPECT_EQ(a, want);
}

// Runs `from` over the first k bars, hands its state to `to` told `from`'s version, and continues.
std::vector<int32_t> swapped_run(const std::string& from, const std::string& to, size_t k) {
  auto a = probe(from);
  std::vector<double> head(kBars.begin(), kBars.begin() + static_cast<long>(k));
  std::vector<double> tail(kBars.begin() + static_cast<long>(k), kBars.end());
  auto first = feed(*a, head);
  auto b = probe(to);
  Status st = b->import_state_from(must(a->export_state()), from);
  EXPECT_TRUE(st.ok()) << st.message();
  auto second = feed(*b, tail, static_cast<int64_t>(k) * 60000);
  first.insert(first.end(), second.begin(), second.end());
  return actions(first);
}

TEST(SwapProbe, V2MigratesV1StateAndV1ReadsV2sBack) {
  auto whole = actions(feed(*probe("1.0.0"), kBars));
  for (size_t k : {3u, 7u, 10u, 23u}) {
    EXPECT_EQ(swapped_run("1.0.0", "2.0.0", k), whole) << "upgrade at bar " << k;
    EXPECT_EQ(swapped_run("2.0.0", "1.0.0", k), whole) << "downgrade at bar " << k;
    EXPECT_EQ(swapped_run("2.0.0", "2.0.0", k), whole) << "same version at bar " << k;
  }
  // The layouts differ: v2 writes bars=, v1 count=.
  auto v2 = probe("2.0.0");
  feed(*v2, {1, 2, 3});
  EXPECT_EQ(must(v2->export_state()), "every=5\nbars=3\nversion=2\n");
}

TEST(SwapProbe, ImportWithoutTheVersionReadsOnlyItsOwnLayout) {
  auto v1 = probe("1.0.0");
  feed(*v1, {1, 2, 3});
  auto v2 = probe("2.0.0");
  Status st = v2->import_state(must(v1->export_state()));  // as a 1.1 host would: no version told
  EXPECT_EQ(st.code(), StatusCode::kPluginError);
  EXPECT_NE(st.message().find("field 'version' is missing"), std::string::npos) << st.message();
  EXPECT_FALSE(v2->failed());
}

TEST(SwapProbe, UnknownVersionIsUnsupportedAndOtherParametersAreRefused) {
  auto v2 = probe("2.0.0");
  Status st = v2->import_state_from("every=5\nbars=3\nversion=2\n", "9.1.0");
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("cannot import the state of version 9.1.0"), std::string::npos) << st.message();
  auto v1 = probe("1.0.0", {{"every", "7"}});
  feed(*v1, {1, 2});
  Status other = v2->import_state_from(must(v1->export_state()), "1.0.0");
  EXPECT_EQ(other.code(), StatusCode::kPluginError);
  EXPECT_NE(other.message().find("exported with every=7, this instance has every=5"), std::string::npos)
      << other.message();
  EXPECT_FALSE(v2->failed());
}

TEST(SwapProbe, V3ImportsButFailsOnItsFirstCall) {
  auto v2 = probe("2.0.0");
  feed(*v2, {1, 2, 3});
  auto v3 = probe("3.0.0");
  ASSERT_TRUE(v3->import_state_from(must(v2->export_state()), "2.0.0").ok());
  std::vector<ah_signal> out;
  const char* sym[1] = {"X"};
  const uint8_t has[1] = {1};
  const ah_bar b{0, 1, 1, 1, 1, 1};
  Status st = v3->on_slice({0, 1, sym, &b, has, nullptr}, out);
  EXPECT_EQ(st.code(), StatusCode::kPluginError);
  EXPECT_NE(st.message().find("swap_probe 3.0.0 fails on bar 1 by design"), std::string::npos) << st.message();
  EXPECT_TRUE(v3->failed());
  // In a batch too, at its first bar.
  auto v3b = probe("3.0.0");
  std::vector<int64_t> ts{0};
  std::vector<double> x{1};
  std::vector<ah_signal> sig(1);
  uint64_t done = 99;
  Status bs = v3b->on_batch({"X", 1, ts.data(), x.data(), x.data(), x.data(), x.data(), x.data(), nullptr}, sig.data(), &done);
  EXPECT_EQ(bs.code(), StatusCode::kPluginError);
  EXPECT_EQ(done, 0u);
  // Configurable: fail_on_bar = 3 fails on the third bar.
  auto late = probe("3.0.0", {{"fail_on_bar", "3"}});
  std::vector<ah_signal> sig3;
  const ah_bar bars[3] = {{0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {2, 1, 1, 1, 1, 1}};
  EXPECT_TRUE(late->on_slice({0, 1, sym, &bars[0], has, nullptr}, sig3).ok());
  EXPECT_TRUE(late->on_slice({1, 1, sym, &bars[1], has, nullptr}, sig3).ok());
  EXPECT_FALSE(late->on_slice({2, 1, sym, &bars[2], has, nullptr}, sig3).ok());
}

}  // namespace
}  // namespace algohost
