// PluginService over the built-in plugins and broken neighbours: one bad plugin never stops the
// others, and signals() drives strategies over the bundled sample data.
#include "host/service/plugin_service.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::fixture_manifest;
using testing::install_fixture;
using testing::TempDir;
using testing::write_file;

PluginServiceOptions builtin_only() {
  PluginServiceOptions o;
  o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
  return o;
}

TEST(PluginService, TheBuiltInPluginsLoadNativeAndPython) {
  PluginService svc(builtin_only());
  std::map<std::string, std::string> status;
  for (const auto& row : svc.list(true))
    status[row.plugin->report.manifest->name] = row.load_status + (row.load_message.empty() ? "" : ": " + row.load_message);
  EXPECT_EQ(status, (std::map<std::string, std::string>{{"carry_trade", "loaded"},
                                                        {"macd", "loaded"},
                                                        {"mfi", "loaded"},
                                                        {"momentum", "loaded"},
                                                        {"pairs_trading", "loaded"},
                                                        {"regime_win_rate", "loaded"},  // an enhancer
                                                        {"rsi", "loaded"},
                                                        {"vol_gate", "loaded"},  // an enhancer
                                                        {"volatility_managed_momentum", "loaded"},
                                                        {"vwap", "loaded"}}));
}

TEST(PluginService, BadNeighboursAreReportedAndSkipped) {
  TempDir dir;
  write_file(dir / "broken" / "manifest.json", "{");
  install_fixture(dir.path(), FX_WRONG_MAJOR_PATH, fixture_manifest("wrongmajor", "1.0.0", "x"));
  auto missing = fixture_manifest("missinglib", "1.0.0", "x");
  write_file(dir / "missinglib" / "manifest.json", missing.dump());
  install_fixture(dir.path(), FX_C_THRESHOLD_PATH, fixture_manifest("cthreshold", "1.0.0", "x"));

  auto o = builtin_only();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  std::map<std::string, std::string> status;
  for (const auto& row : svc.list(true)) {
    const auto& m = row.plugin->report.manifest;
    status[m ? m->name : "invalid:" + row.plugin->report.file.parent_path().filename().string()] = row.load_status;
  }
  EXPECT_EQ(status["invalid:broken"], "invalid");
  EXPECT_EQ(status["wrongmajor"], "load_failed");
  EXPECT_EQ(status["missinglib"], "load_failed");
  EXPECT_EQ(status["cthreshold"], "loaded");
  EXPECT_EQ(status["rsi"], "loaded");
  EXPECT_EQ(status.size(), 14u);  // the four above, the eight built-in strategies and two enhancers
}

TEST(PluginService, FindPicksHighestVersionOrTheOneAsked) {
  TempDir dir;
  install_fixture(dir.path(), FX_C_THRESHOLD_PATH, fixture_manifest("ct", "1.2.0", "x"));
  install_fixture(dir.path(), FX_C_THRESHOLD_PATH, fixture_manifest("ct", "1.10.0", "x"));
  auto o = builtin_only();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  EXPECT_EQ((*svc.find("ct"))->version_text, "1.10.0");
  EXPECT_EQ((*svc.find("ct@1.2.0"))->version_text, "1.2.0");
  auto nover = svc.find("ct@9.9.9");
  ASSERT_FALSE(nover.ok());
  EXPECT_NE(nover.status().message().find("has no version 9.9.9 (found: 1.2.0, 1.10.0)"), std::string::npos)
      << nover.status().message();
  auto unknown = svc.find("nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("unknown strategy 'nope'"), std::string::npos);
}

// A plugin asked for by name whose manifest failed validation is named with its errors, found by
// the name it gives or by its folder; the known names of "unknown strategy" are strategies only.
TEST(PluginService, FindNamesAnInvalidManifestAndListsStrategiesOnly) {
  TempDir dir;
  auto bad = fixture_manifest("badthr", "1.0.0", "x");
  bad["parameters"]["threshold"]["max"] = "high";
  const auto bad_file = install_fixture(dir.path(), FX_C_THRESHOLD_PATH, bad);
  auto nameless = fixture_manifest("x", "1.0.0", "x");
  nameless.erase("name");
  write_file(dir / "nameless" / "1.0.0" / "manifest.json", nameless.dump());
  auto o = builtin_only();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);

  for (const char* spec : {"badthr", "badthr@1.0.0"}) {
    auto found = svc.find(spec);
    ASSERT_FALSE(found.ok()) << spec;
    EXPECT_EQ(found.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(found.status().message().rfind(std::string(spec) + ": found at " + bad_file.string() + " but invalid: ", 0), 0u)
        << found.status().message();
    EXPECT_NE(found.status().message().find("parameters.threshold.max: expected a number"), std::string::npos)
        << found.status().message();
  }
  auto by_folder = svc.find("nameless");
  ASSERT_FALSE(by_folder.ok());
  EXPECT_NE(by_folder.status().message().find("nameless: found at " + (dir / "nameless" / "1.0.0" / "manifest.json").string() +
                                             " but invalid: name: "),
            std::string::npos)
      << by_folder.status().message();
  // Another version than the invalid manifest's is simply not there.
  EXPECT_EQ(svc.find("badthr@2.0.0").status().code(), StatusCode::kNotFound);

  auto unknown = svc.find("nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  const std::string& msg = unknown.status().message();
  EXPECT_NE(msg.find("unknown strategy 'nope' (known: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("rsi"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("vol_gate"), std::string::npos) << "an enhancer among the strategies: " << msg;
  EXPECT_EQ(msg.find("regime_win_rate"), std::string::npos) << "an enhancer among the strategies: " << msg;
  const std::string enh = svc.find_enhancer("nope").status().message();
  EXPECT_NE(enh.find("mem (built-in), "), std::string::npos) << enh;
  EXPECT_NE(enh.find("vol_gate"), std::string::npos) << enh;
  EXPECT_EQ(enh.find("rsi"), std::string::npos) << enh;
}

TEST(PluginService, SignalsOverTheSampleDataOneInstancePerSymbol) {
  PluginService svc(builtin_only());
  auto run = svc.signals("rsi", ALGOHOST_SAMPLE_CSV, {{"period", "10"}}, {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  ASSERT_TRUE(run->failure.ok()) << run->failure.message();
  EXPECT_EQ(run->params["period"], 10);
  EXPECT_EQ(run->csv.rows_read, run->rows.size());
  std::map<std::string, int> per_symbol, actions;
  for (const auto& r : run->rows) {
    ++per_symbol[r.symbol];
    if (r.signal.action != AH_HOLD) ++actions[r.symbol];
  }
  ASSERT_EQ(per_symbol.size(), 2u);
  for (const auto& [sym, n] : actions) EXPECT_GT(n, 0) << sym;
  EXPECT_EQ(run->diagnostics.front(), "rsi");

  auto bad_param = svc.signals("rsi", ALGOHOST_SAMPLE_CSV, {{"period", "1"}}, {});
  EXPECT_EQ(bad_param.status().code(), StatusCode::kInvalidArgument);
  auto bad_data = svc.signals("rsi", "/no/such.csv", {}, {});
  EXPECT_EQ(bad_data.status().code(), StatusCode::kNotFound);
}

TEST(PluginService, AFailingStrategyKeepsTheRowsBeforeTheFailure) {
  TempDir dir;
  auto doc = fixture_manifest("faulty", "1.0.0", "x");
  doc["parameters"] = {{"fail_in", {{"type", "string"}, {"default", "bar"}}},
                       {"after", {{"type", "integer"}, {"default", 5}, {"min", 0}}}};
  install_fixture(dir.path(), FX_FAULTY_PATH, doc);
  auto o = builtin_only();
  o.plugin_dirs = {dir.path()};
  PluginService svc(o);
  auto run = svc.signals("faulty", ALGOHOST_SAMPLE_CSV, {}, {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_FALSE(run->failure.ok());
  EXPECT_NE(run->failure.message().find("on_bar exploded at bar 5"), std::string::npos);
  EXPECT_EQ(run->rows.size(), 5u);
}

}  // namespace
}  // namespace algohost
