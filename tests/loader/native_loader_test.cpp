// The native loader against real shared libraries built by the test tree, several broken on
// purpose. Every failure must come back as a Status naming the file and leave the host running.
#include "host/loader/native_loader.h"

#include <gtest/gtest.h>

#include "host/loader/sha256.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::fixture_manifest;
using testing::install_fixture;
using testing::TempDir;

Manifest manifest_for(const TempDir& dir, const char* library, const std::string& version = "1.0.0",
                      void (*tweak)(OrderedJson&) = nullptr) {
  auto doc = fixture_manifest("fx", version, library);
  if (tweak) tweak(doc);
  auto path = install_fixture(dir.path(), library, doc);
  auto report = load_manifest(path);
  EXPECT_TRUE(report.ok()) << report.error_summary();
  return *report.manifest;
}

OrderedJson defaults(const Manifest& m) { return *resolve_parameters(m, {}); }

std::vector<ah_signal> run_batch(StrategyInstance& inst, const std::vector<double>& closes) {
  std::vector<int64_t> ts(closes.size());
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = static_cast<int64_t>(i) * 60000;
  std::vector<double> vol(closes.size(), 1.0);
  ah_series s{"X", closes.size(), ts.data(), closes.data(), closes.data(), closes.data(), closes.data(), vol.data(), nullptr};
  std::vector<ah_signal> out(closes.size());
  Status st = inst.on_batch(s, out.data());
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

TEST(NativeLoader, PlainCPluginLoadsAndSignals) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_C_THRESHOLD_PATH);
  auto inst = loader.instantiate(m, defaults(m));
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  EXPECT_EQ((*inst)->label(), "fx@1.0.0");
  EXPECT_EQ((*inst)->diagnostics(), (std::vector<std::string>{"distance"}));
  auto sig = run_batch(**inst, {90, 110, 120, 80});
  EXPECT_EQ(sig[0].action, AH_HOLD);
  EXPECT_EQ(sig[1].action, AH_BUY);
  EXPECT_NEAR(sig[1].confidence, 0.1, 1e-12);  // (110 - 100) / 100
  EXPECT_STREQ(sig[1].reason, "cross_up");
  EXPECT_EQ(sig[3].action, AH_SELL);
  EXPECT_NEAR(sig[3].diag[0], -0.2, 1e-12);
}

TEST(NativeLoader, RefusesAnotherApiMajorNamingBothVersionsAndTheFile) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_WRONG_MAJOR_PATH);
  auto lib = loader.load(m);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kFailedPrecondition);
  const std::string& msg = lib.status().message();
  const std::string minor = std::to_string(AH_API_VERSION_MINOR);
  EXPECT_NE(msg.find("plugin API 2." + minor + " is incompatible with host API 1." + minor), std::string::npos) << msg;
  EXPECT_NE(msg.find("libfx_wrong_major.so"), std::string::npos) << msg;
}

TEST(NativeLoader, RefusesANewerMinor) {
  TempDir dir;
  NativeLoader loader;
  auto lib = loader.load(manifest_for(dir, FX_NEWER_MINOR_PATH));
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("plugin API 1.99 is newer than host API 1." + std::to_string(AH_API_VERSION_MINOR)),
            std::string::npos)
      << lib.status().message();
}

TEST(NativeLoader, RefusesADeclaredMajorBeforeOpening) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_C_THRESHOLD_PATH, "1.0.0",
                            [](OrderedJson& d) { d["implementation"]["sdk_api_version"] = "3.1"; });
  auto lib = loader.load(m);
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("(implementation.sdk_api_version): plugin API 3.1"), std::string::npos)
      << lib.status().message();
}

TEST(NativeLoader, MissingEntrySymbolIsNamed) {
  TempDir dir;
  NativeLoader loader;
  auto lib = loader.load(manifest_for(dir, FX_NO_ENTRY_PATH));
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("missing entry symbol 'algohost_strategy_entry'"), std::string::npos);
}

TEST(NativeLoader, DescriptorWithAMissingFunctionIsRefused) {
  TempDir dir;
  NativeLoader loader;
  auto lib = loader.load(manifest_for(dir, FX_NULL_BATCH_PATH));
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("descriptor has no 'on_batch' function"), std::string::npos);
}

TEST(NativeLoader, UnresolvedSymbolFailsAtLoadNotLater) {
  TempDir dir;
  NativeLoader loader;
  auto lib = loader.load(manifest_for(dir, FX_UNRESOLVED_PATH));
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("algohost_fixture_symbol_that_does_not_exist"), std::string::npos)
      << lib.status().message();
}

TEST(NativeLoader, MissingLibraryIsNotFound) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_C_THRESHOLD_PATH);
  std::filesystem::remove(m.artifact);
  auto lib = loader.load(m);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kNotFound);
  EXPECT_NE(lib.status().message().find("implementation.library"), std::string::npos);
  EXPECT_NE(lib.status().message().find("does not exist"), std::string::npos);
}

TEST(NativeLoader, Sha256IsCheckedBeforeOpening) {
  TempDir dir;
  NativeLoader loader;
  auto digest = sha256_file(FX_C_THRESHOLD_PATH);
  ASSERT_TRUE(digest.ok());
  std::string good = *digest;
  Manifest ok_m = manifest_for(dir, FX_C_THRESHOLD_PATH, "1.0.0", nullptr);
  ok_m.sha256 = good;
  EXPECT_TRUE(loader.load(ok_m).ok());

  TempDir other;
  Manifest bad_m = manifest_for(other, FX_C_THRESHOLD_PATH, "2.0.0", [](OrderedJson& d) {
    d["implementation"]["sha256"] = std::string(64, 'a');
  });
  auto lib = loader.load(bad_m);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(lib.status().message().find("sha256 mismatch"), std::string::npos);
  EXPECT_NE(lib.status().message().find(good), std::string::npos);
}

TEST(NativeLoader, CreateThatThrowsIsAnError) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_FAULTY_PATH);
  auto inst = loader.instantiate(m, OrderedJson{{"fail_in", "create"}, {"after", 0}});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().code(), StatusCode::kPluginError);
  EXPECT_EQ(inst.status().message(), "fx@1.0.0: create failed: faulty: refusing to be created");
  auto missing = loader.instantiate(m, OrderedJson::object());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("parameter 'fail_in' is missing"), std::string::npos);
}

TEST(NativeLoader, ProcessingThatThrowsFailsTheInstanceAndTheHostGoesOn) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_FAULTY_PATH);
  auto bad = loader.instantiate(m, OrderedJson{{"fail_in", "bar"}, {"after", 2}});
  auto good = loader.instantiate(m, OrderedJson{{"fail_in", "none"}, {"after", 0}});
  ASSERT_TRUE(bad.ok() && good.ok());
  std::vector<double> closes = {1, 2, 3, 4, 5, 6};
  std::vector<int64_t> ts = {1, 2, 3, 4, 5, 6};
  ah_series s{"X", 6, ts.data(), closes.data(), closes.data(), closes.data(), closes.data(), closes.data(), nullptr};
  std::vector<ah_signal> out(6);
  uint64_t done = 99;
  Status st = (*bad)->on_batch(s, out.data(), &done);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(done, 2u);  // bars 0 and 1 were processed; bar 2 threw
  EXPECT_EQ(st.message(), "fx@1.0.0: on_batch failed: faulty: on_bar exploded at bar 2");
  EXPECT_TRUE((*bad)->failed());
  EXPECT_TRUE((*good)->on_batch(s, out.data()).ok());
  EXPECT_EQ(out[2].action, AH_BUY);
}

TEST(NativeLoader, OutOfContractSignalFailsTheInstance) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_BAD_SIGNAL_PATH);
  auto inst = loader.instantiate(m, defaults(m));
  ASSERT_TRUE(inst.ok());
  const char* sym[] = {"X"};
  const uint8_t has[] = {1};
  ah_bar b{0, 1, 1, 1, 1, 1};
  ah_slice slice{0, 1, sym, &b, has, nullptr};
  std::vector<ah_signal> out;
  Status st = (*inst)->on_slice(slice, out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("returned a bad signal: action 7"), std::string::npos);
}

TEST(NativeLoader, OnePathOpensOnceAndTwoVersionsLiveSideBySide) {
  TempDir dir;
  NativeLoader loader;
  Manifest v1 = manifest_for(dir, FX_C_THRESHOLD_PATH, "1.0.0");
  Manifest v2 = manifest_for(dir, FX_C_THRESHOLD_PATH, "1.1.0");  // same code, its own path
  auto a = loader.load(v1), a_again = loader.load(v1), b = loader.load(v2);
  ASSERT_TRUE(a.ok() && a_again.ok() && b.ok());
  EXPECT_EQ(a->get(), a_again->get());
  EXPECT_NE(a->get(), b->get());
  EXPECT_NE(NativeLoader::api(**a), NativeLoader::api(**b));  // two separate mappings

  auto ia = loader.instantiate(v1, defaults(v1));
  auto ib = loader.instantiate(v2, OrderedJson{{"threshold", 50.0}});
  ASSERT_TRUE(ia.ok() && ib.ok());
  auto sa = run_batch(**ia, {90, 110});
  auto sb = run_batch(**ib, {40, 60});
  EXPECT_EQ(sa[1].action, AH_BUY);
  EXPECT_EQ(sb[1].action, AH_BUY);
}

TEST(NativeLoader, AChangedFileAtALoadedPathIsNotReopened) {
  TempDir dir;
  NativeLoader loader;
  Manifest m = manifest_for(dir, FX_C_THRESHOLD_PATH);
  ASSERT_TRUE(loader.load(m).ok());
  std::filesystem::last_write_time(m.artifact, std::filesystem::file_time_type::clock::now() + std::chrono::hours(1));
  auto again = loader.load(m);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("changed after it was loaded"), std::string::npos);
}

TEST(NativeLoader, InstanceKeepsItsLibraryAliveAfterTheLoaderIsGone) {
  TempDir dir;
  Manifest m = manifest_for(dir, FX_C_THRESHOLD_PATH);
  std::unique_ptr<StrategyInstance> inst;
  {
    NativeLoader loader;
    auto r = loader.instantiate(m, defaults(m));
    ASSERT_TRUE(r.ok());
    inst = std::move(*r);
  }
  auto sig = run_batch(*inst, {90, 110});  // code still mapped: would crash otherwise
  EXPECT_EQ(sig[1].action, AH_BUY);
}

}  // namespace
}  // namespace algohost
