// Python enhancers through PythonLoader: a good one judges and learns through the SDK types; load
// errors and call errors name the file and line; the manifest's kind, class and API version are
// checked before any plugin code runs.
#include <gtest/gtest.h>

#include "host/python/python_loader.h"
#include "tests/loader/python_test_support.h"
#include "tests/support/enhancer_test_support.h"

namespace algohost {
namespace {

using testing::entry_input;
using testing::install_python_fixture;
using testing::prefilled;
using testing::python_options;
using testing::TempDir;

nlohmann::ordered_json enhancer_manifest(const std::string& name, const std::string& module, const std::string& cls) {
  return {
      {"kind", "enhancer"},
      {"name", name},
      {"display_name", "Python enhancer " + name},
      {"version", "1.0.0"},
      {"implementation", {{"language", "python"}, {"module", module}, {"class_name", cls}, {"sdk_api_version", "1.1"}}},
      {"parameters", {{"max_volatility", {{"type", "float"}, {"default", 0.3}, {"min", 0.0}, {"max", 10.0}}}}},
  };
}

Result<std::unique_ptr<EnhancerInstance>> load(PythonLoader& loader, const Manifest& m) {
  return loader.instantiate_enhancer(m, *resolve_parameters(m, {}));
}

std::string load_error(PythonLoader& loader, const Manifest& m) {
  auto e = load(loader, m);
  return e.ok() ? std::string("(loaded)") : e.status().message();
}

TEST(PythonEnhancer, JudgesLearnsAndKeepsStateThroughTheSdkTypes) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "enhancers.py", enhancer_manifest("halver", "enhancers.py", "Halver"));
  auto e = load(loader, m);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ((*e)->label(), "halver@1.0.0");

  auto calm = entry_input(0.1);
  auto out = prefilled(calm);
  ASSERT_TRUE((*e)->enhance(calm, out).ok());
  EXPECT_NEAR(out.confidence, 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(out.size, 0.25);
  EXPECT_EQ(out.veto, 0);
  EXPECT_STREQ(out.reasoning, "rsi@1.0.0 entry mean_reverting 1.15 halved");

  auto wild = entry_input(0.9);
  out = prefilled(wild);
  ASSERT_TRUE((*e)->enhance(wild, out).ok());
  EXPECT_EQ(out.veto, 1);
  EXPECT_DOUBLE_EQ(out.size, 0.5);  // None fields keep the pre-filled values
  EXPECT_STREQ(out.reasoning, "EURUSD too volatile");

  ah_trade_outcome t{};
  t.symbol = "EURUSD";
  t.side = -1;
  t.won = 1;
  t.exit_reason = "stop_loss";
  t.entry_context.ready = 1;
  t.entry_context.regime = AH_REGIME_TRENDING;
  ASSERT_TRUE((*e)->learn(t).ok());
  EXPECT_EQ(*(*e)->export_state(), "{\"learned\": 1}");
  ASSERT_TRUE((*e)->import_state("{\"learned\": 4}").ok());
  EXPECT_EQ(*(*e)->export_state(), "{\"learned\": 4}");
}

// Every field of a trade outcome reaches the Python TradeOutcome in its place.
TEST(PythonEnhancer, AnOutcomeReachesPythonFieldByField) {
  TempDir dir;
  PythonLoader loader(python_options());
  auto e = load(loader, install_python_fixture(dir.path(), "enhancers.py",
                                               enhancer_manifest("recorder", "enhancers.py", "OutcomeRecorder")));
  ASSERT_TRUE(e.ok()) << e.status().message();
  ah_trade_outcome t{};
  t.symbol = "EURUSD";
  t.symbol_index = 2;
  t.side = -1;
  t.entry_ts_ms = 1000;
  t.exit_ts_ms = 2000;
  t.entry_price = 1.25;
  t.exit_price = 1.5;
  t.quantity = 4;
  t.pnl = -1;
  t.trade_return = -0.2;
  t.won = 0;
  t.confidence = 0.75;
  t.entry_context = {1, AH_REGIME_MEAN_REVERTING, 0.25, 1.5, 0.125};
  t.exit_reason = "take_profit";
  ASSERT_TRUE((*e)->learn(t).ok());
  EXPECT_EQ(*(*e)->export_state(),
            "{\"learned\": [[\"EURUSD\", 2, -1, 1000, 2000, 1.25, 1.5, 4.0, -1.0, -0.2, false, 0.75, "
            "[true, 0.25, 1.5, \"mean_reverting\", 0.125], \"take_profit\"]]}");
}

TEST(PythonEnhancer, CallErrorsNameFileAndLine) {
  TempDir dir;
  PythonLoader loader(python_options());
  auto e = load(loader, install_python_fixture(dir.path(), "enhancers.py",
                                               enhancer_manifest("raiser", "enhancers.py", "RaisesInEnhance")));
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto in = entry_input(0.1);
  auto out = prefilled(in);
  Status st = (*e)->enhance(in, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kPluginError);
  EXPECT_NE(st.message().find("raiser@1.0.0: enhance failed: "), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("enhancers.py:41: ValueError: cannot judge EURUSD"), std::string::npos) << st.message();
  ah_trade_outcome t{};
  st = (*e)->learn(t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("enhancers.py:44: KeyError"), std::string::npos) << st.message();
}

TEST(PythonEnhancer, WrongReturnValuesAreErrors) {
  TempDir dir;
  PythonLoader loader(python_options());
  auto wrong = load(loader, install_python_fixture(dir.path(), "enhancers.py",
                                                   enhancer_manifest("wrong", "enhancers.py", "ReturnsWrongType")));
  ASSERT_TRUE(wrong.ok()) << wrong.status().message();
  auto in = entry_input(0.1);
  auto out = prefilled(in);
  Status st = (*wrong)->enhance(in, out);
  EXPECT_EQ(st.message(), "wrong@1.0.0: enhance failed: enhance returned int, not an algohost.EnhanceResult or None");
  auto bad = load(loader, install_python_fixture(dir.path(), "enhancers.py",
                                                 enhancer_manifest("badconf", "enhancers.py", "BadConfidence")));
  ASSERT_TRUE(bad.ok()) << bad.status().message();
  st = (*bad)->enhance(in, out);
  EXPECT_EQ(st.message(), "badconf@1.0.0: enhance failed: EnhanceResult.confidence is str, not a number");
}

TEST(PythonEnhancer, LoadErrorsNameFileAndLine) {
  TempDir dir;
  PythonLoader loader(python_options());
  std::string msg = load_error(loader, install_python_fixture(dir.path(), "syntax_error.py",
                                                              enhancer_manifest("syn", "enhancer.py", "Broken")));
  EXPECT_NE(msg.find("enhancer.py:4: SyntaxError"), std::string::npos) << msg;
  msg = load_error(loader, install_python_fixture(dir.path(), "enhancers.py",
                                                  enhancer_manifest("init", "enhancers.py", "RaisesInInit")));
  EXPECT_NE(msg.find("init@1.0.0: creating the enhancer failed: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("enhancers.py:36: RuntimeError: enhancer refusing to be created"), std::string::npos) << msg;
  msg = load_error(loader, install_python_fixture(dir.path(), "enhancers.py",
                                                  enhancer_manifest("strat", "enhancers.py", "AStrategy")));
  EXPECT_NE(msg.find("implementation.class_name: 'AStrategy'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("is not a subclass of algohost.Enhancer"), std::string::npos) << msg;
  msg = load_error(loader, install_python_fixture(dir.path(), "enhancers.py",
                                                  enhancer_manifest("nocls", "enhancers.py", "Nope")));
  EXPECT_NE(msg.find("defines no 'Nope'"), std::string::npos) << msg;
}

TEST(PythonEnhancer, KindAndApiVersionAreCheckedBeforeImport) {
  TempDir dir;
  PythonLoader loader(python_options());
  // The module has a syntax error: a refusal that is not a SyntaxError shows the check ran first.
  auto doc = enhancer_manifest("old", "enhancer.py", "Broken");
  doc["implementation"]["sdk_api_version"] = "1.0";
  std::string msg = load_error(loader, install_python_fixture(dir.path(), "syntax_error.py", doc));
  EXPECT_NE(msg.find("implementation.sdk_api_version: an enhancer needs Python SDK API 1.1 or newer"), std::string::npos)
      << msg;
  doc = enhancer_manifest("new", "enhancer.py", "Broken");
  doc["implementation"]["sdk_api_version"] = "1.9";
  msg = load_error(loader, install_python_fixture(dir.path(), "syntax_error.py", doc));
  EXPECT_NE(msg.find("is newer than host Python SDK API 1.1"), std::string::npos) << msg;
  // A strategy manifest is not loaded as an enhancer, nor an enhancer as a strategy.
  doc = enhancer_manifest("kind", "enhancers.py", "Halver");
  doc["kind"] = "strategy";
  Manifest strategy = install_python_fixture(dir.path(), "enhancers.py", doc);
  EXPECT_NE(load_error(loader, strategy).find("kind is 'strategy', not 'enhancer'"), std::string::npos);
  Manifest enhancer = install_python_fixture(dir.path(), "enhancers.py", enhancer_manifest("k2", "enhancers.py", "Halver"));
  auto as_strategy = loader.instantiate(enhancer, *resolve_parameters(enhancer, {}));
  ASSERT_FALSE(as_strategy.ok());
  EXPECT_NE(as_strategy.status().message().find("kind is 'enhancer', not 'strategy'"), std::string::npos);
}

}  // namespace
}  // namespace algohost
