// The native enhancer loader against real shared libraries built by the test tree, several broken
// on purpose, and the stage over them: every failure comes back as a Status naming the file (or is
// counted by the stage), and the host goes on.
#include "host/loader/native_enhancer.h"

#include <gtest/gtest.h>

#include "host/loader/sha256.h"
#include "host/mem/plugin_enhancer_stage.h"
#include "host/service/plugin_service.h"
#include "tests/support/enhancer_test_support.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::entry_input;
using testing::install_fixture;
using testing::prefilled;
using testing::TempDir;

// A manifest for an enhancer fixture library, to be tweaked per test.
OrderedJson enhancer_manifest(const std::string& name, const std::string& version) {
  return {
      {"kind", "enhancer"},
      {"name", name},
      {"display_name", "Fixture " + name},
      {"version", version},
      {"implementation", {{"language", "cpp"}, {"library", "x"}, {"sdk_api_version", "1.0"}}},
      {"parameters",
       {{"max_volatility", {{"type", "float"}, {"default", 0.3}, {"min", 0.0}, {"max", 10.0}}},
        {"fail_in", {{"type", "string"}, {"default", "none"}}},
        {"after", {{"type", "integer"}, {"default", 0}, {"min", 0}, {"max", 1000}}}}},
  };
}

Manifest install(const TempDir& dir, const char* library, void (*tweak)(OrderedJson&) = nullptr,
                 const std::string& version = "1.0.0") {
  auto doc = enhancer_manifest("fxe", version);
  if (tweak) tweak(doc);
  auto report = load_manifest(install_fixture(dir.path(), library, doc));
  EXPECT_TRUE(report.ok()) << report.error_summary();
  return *report.manifest;
}

Result<std::unique_ptr<EnhancerInstance>> instantiate(NativeEnhancerLoader& loader, const Manifest& m,
                                                      const std::map<std::string, std::string>& overrides = {}) {
  return loader.instantiate(m, *resolve_parameters(m, overrides));
}

TEST(NativeEnhancer, PlainCEnhancerLoadsJudgesLearnsAndKeepsState) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_C_PATH));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ((*e)->label(), "fxe@1.0.0");

  auto calm = entry_input(0.1);
  auto out = prefilled(calm);
  ASSERT_TRUE((*e)->enhance(calm, out).ok());
  EXPECT_DOUBLE_EQ(out.size, 0.25);
  EXPECT_NEAR(out.confidence, 0.5, 1e-12);
  EXPECT_EQ(out.veto, 0);
  EXPECT_STREQ(out.reasoning, "halved (learned 0)");

  auto wild = entry_input(0.9);
  out = prefilled(wild);
  ASSERT_TRUE((*e)->enhance(wild, out).ok());
  EXPECT_EQ(out.veto, 1);
  EXPECT_STREQ(out.reasoning, "too volatile (0.90)");

  ah_trade_outcome t{};
  ASSERT_TRUE((*e)->learn(t).ok());
  ASSERT_TRUE((*e)->learn(t).ok());
  EXPECT_EQ(*(*e)->export_state(), "learned=2");
  ASSERT_TRUE((*e)->import_state("learned=7").ok());
  out = prefilled(calm);
  ASSERT_TRUE((*e)->enhance(calm, out).ok());
  EXPECT_STREQ(out.reasoning, "halved (learned 7)");
  Status bad = (*e)->import_state("junk");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "fxe@1.0.0: import_state failed: state: expected 'learned=N'");
}

TEST(NativeEnhancer, RefusesAnotherMajorNamingBothVersionsAndTheFile) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_WRONG_MAJOR_PATH));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  const std::string& msg = e.status().message();
  EXPECT_NE(msg.find("plugin enhancer API 2.0 is incompatible with host enhancer API 1.0 (major versions differ)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("libfx_enh_wrong_major.so"), std::string::npos) << msg;
}

TEST(NativeEnhancer, DeclaredVersionIsRefusedBeforeOpening) {
  TempDir dir;
  NativeEnhancerLoader loader;
  // A library without the entry point: had it been opened first, the error would name the symbol.
  auto e = instantiate(loader, install(dir, FX_ENH_NO_ENTRY_PATH, [](OrderedJson& d) {
    d["implementation"]["sdk_api_version"] = "1.4";
  }));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("(implementation.sdk_api_version): plugin enhancer API 1.4 is newer than host "
                                      "enhancer API 1.0"),
            std::string::npos)
      << e.status().message();
}

TEST(NativeEnhancer, Sha256IsCheckedBeforeOpening) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto digest = sha256_file(FX_ENH_C_PATH);
  ASSERT_TRUE(digest.ok());
  Manifest good = install(dir, FX_ENH_C_PATH);
  good.sha256 = *digest;
  EXPECT_TRUE(instantiate(loader, good).ok());

  TempDir other;  // a library without the entry point: the hash is refused before it is opened
  auto e = instantiate(loader, install(other, FX_ENH_NO_ENTRY_PATH, [](OrderedJson& d) {
    d["implementation"]["sha256"] = std::string(64, 'b');
  }));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(e.status().message().find("sha256 mismatch"), std::string::npos) << e.status().message();
  auto actual = sha256_file(FX_ENH_NO_ENTRY_PATH);
  ASSERT_TRUE(actual.ok());
  EXPECT_NE(e.status().message().find(*actual), std::string::npos)
      << "the message names the file's actual digest: " << e.status().message();
}

TEST(NativeEnhancer, MissingEntrySymbolAndMissingFunctionAreNamed) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_NO_ENTRY_PATH));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("missing entry symbol 'algohost_enhancer_entry'"), std::string::npos)
      << e.status().message();
  // A strategy library is not an enhancer: it has no enhancer entry either.
  TempDir strat;
  e = instantiate(loader, install(strat, FX_C_THRESHOLD_PATH));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("missing entry symbol 'algohost_enhancer_entry'"), std::string::npos);
  TempDir nolearn;
  e = instantiate(loader, install(nolearn, FX_ENH_NULL_LEARN_PATH));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("descriptor has no 'learn' function"), std::string::npos) << e.status().message();
}

TEST(NativeEnhancer, MissingLibraryAndWrongKindAreRefused) {
  TempDir dir;
  NativeEnhancerLoader loader;
  Manifest m = install(dir, FX_ENH_C_PATH);
  std::filesystem::remove(m.artifact);
  auto e = instantiate(loader, m);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  EXPECT_NE(e.status().message().find("implementation.library"), std::string::npos);
  TempDir other;
  e = instantiate(loader, install(other, FX_ENH_C_PATH, [](OrderedJson& d) { d["kind"] = "strategy"; }));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("kind is 'strategy', not 'enhancer'"), std::string::npos);
}

TEST(NativeEnhancer, CreateThatThrowsIsAnError) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_FAULTY_PATH), {{"fail_in", "create"}});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kPluginError);
  EXPECT_EQ(e.status().message(), "fxe@1.0.0: create failed: faulty enhancer: refusing to be created");
}

// The stage over a loaded library: a flat account and a buy every call, as the engine would give.
struct StageRig {
  PaperAccount account{BrokerConfig{}, 1};
  ah_bar bar{1'000, 100, 101, 99, 100, 1000};
  ContextReading ctx;
  StageRig() {
    ctx.ready = true;
    ctx.volatility = 0.1;
    ctx.regime = "trending";
  }
  ah_signal call(mem::PluginEnhancerStage& stage, SignalNote* note_out = nullptr) {
    ah_signal s{};
    s.ts_ms = bar.ts_ms;
    s.action = AH_BUY;
    s.confidence = 0.6;
    s.position_size = 0.5;
    SignalNote note;
    stage.enhance(StageInput{nullptr, 0, &bar, &ctx, &account}, s, note);
    if (note_out) *note_out = note;
    return s;
  }
};

mem::PluginEnhancerConfig stage_config(uint32_t max_failures) {
  mem::PluginEnhancerConfig c;
  c.strategy = "s@1.0.0";
  c.symbols = {"X"};
  c.max_consecutive_failures = max_failures;
  return c;
}

TEST(NativeEnhancer, ThrowingEnhancerIsCountedAndDisabledAfterTheLimitNeverCrashing) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_FAULTY_PATH), {{"fail_in", "enhance"}, {"after", "2"}});
  ASSERT_TRUE(e.ok()) << e.status().message();
  mem::PluginEnhancerStage stage(std::move(*e), stage_config(3));
  StageRig rig;
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(rig.call(stage).position_size, 0.25);  // behaves twice
  for (int i = 0; i < 10; ++i) {
    SignalNote note;
    const ah_signal s = rig.call(stage, &note);
    EXPECT_EQ(s.action, AH_BUY);  // unchanged, never vetoed by a failure
    EXPECT_DOUBLE_EQ(s.position_size, 0.5);
    EXPECT_DOUBLE_EQ(s.confidence, 0.6);
    EXPECT_FALSE(note.enhanced);
  }
  EXPECT_TRUE(stage.disabled());
  EXPECT_EQ(stage.counters().failures, 3);  // disabled at the third: no call after it
  EXPECT_EQ(stage.counters().calls, 5);
  EXPECT_NE(stage.disabled_reason().find("enhancer fxe@1.0.0 was disabled for the rest of the run after 3 consecutive "
                                         "failed calls; last error: fxe@1.0.0: enhance failed: faulty enhancer: "
                                         "enhance exploded at call 2"),
            std::string::npos)
      << stage.disabled_reason();
}

TEST(NativeEnhancer, OutputOutOfContractIsAFailureAndLeavesTheSignal) {
  TempDir dir;
  NativeEnhancerLoader loader;
  auto e = instantiate(loader, install(dir, FX_ENH_BAD_OUTPUT_PATH));
  ASSERT_TRUE(e.ok()) << e.status().message();
  mem::PluginEnhancerStage stage(std::move(*e), stage_config(5));
  StageRig rig;
  const ah_signal s = rig.call(stage);
  EXPECT_DOUBLE_EQ(s.confidence, 0.6);
  EXPECT_DOUBLE_EQ(s.position_size, 0.5);
  EXPECT_EQ(stage.counters().failures, 1);
  EXPECT_EQ(stage.last_error(), "fxe@1.0.0: enhance returned confidence 7.000000 outside [0, 1]");
  EXPECT_FALSE(stage.disabled());
}

TEST(NativeEnhancer, PluginServiceFindsListsAndLoadsTheBuiltInEnhancers) {
  PluginServiceOptions o;
  o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
  o.python_sdk_dir = ALGOHOST_PYTHON_SDK_DIR;
  PluginService plugins(o);
  auto vg = plugins.find_enhancer("vol_gate");
  ASSERT_TRUE(vg.ok()) << vg.status().message();
  EXPECT_EQ((*vg)->kind, "enhancer");
  EXPECT_TRUE(plugins.instantiate_enhancer(**vg, {{"max_volatility", "0.3"}}).ok());
  EXPECT_FALSE(plugins.instantiate(**vg, {}).ok());  // not a strategy

  auto unknown = plugins.find_enhancer("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("unknown enhancer 'nope' (known: mem (built-in)"), std::string::npos)
      << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("vol_gate"), std::string::npos);
  EXPECT_EQ(unknown.status().message().find("rsi"), std::string::npos);
  auto strategy = plugins.find_enhancer("rsi");
  ASSERT_FALSE(strategy.ok());
  EXPECT_EQ(strategy.status().message(), "'rsi' is a strategy, not an enhancer");

  bool listed = false;
  for (const auto& row : plugins.list(true))
    if (row.plugin->report.ok() && row.plugin->report.manifest->name == "vol_gate") {
      listed = true;
      EXPECT_EQ(row.load_status, "loaded") << row.load_message;
    }
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace algohost
