// PythonLoader: checks before any plugin code runs, load errors naming file and line, unique
// module names so that two versions live side by side, and the one interpreter of the process.
#include "host/python/python_loader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "host/loader/sha256.h"
#include "host/python/python_runtime.h"
#include "tests/loader/python_test_support.h"

namespace algohost {
namespace {

using testing::install_python_fixture;
using testing::python_manifest;
using testing::python_options;
using testing::TempDir;
using testing::write_file;

std::string load_error(PythonLoader& loader, const Manifest& m) {
  auto inst = loader.instantiate(m, *resolve_parameters(m, {}));
  return inst.ok() ? std::string("(loaded)") : inst.status().message();
}

TEST(PythonLoader, LoadsAClassAndNumpyAndPandasImportInside) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "good.py", python_manifest("thr", "1.0.0", "good.py", "Threshold"));
  auto inst = loader.instantiate(m, *resolve_parameters(m, {}));
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  EXPECT_EQ((*inst)->label(), "thr@1.0.0");
  EXPECT_EQ((*inst)->diagnostics(), (std::vector<std::string>{"level", "count"}));
  EXPECT_TRUE((*inst)->supports_batch());
  EXPECT_TRUE(python::PythonRuntime::started());
  // good.py imports numpy and pandas at module level: Debian's, through the embedded interpreter.
  python::GilLock gil;
  EXPECT_NE(PyImport_AddModule("numpy"), nullptr);
  EXPECT_NE(PyImport_AddModule("pandas"), nullptr);
}

TEST(PythonLoader, SyntaxErrorNamesFileAndLine) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "syntax_error.py", python_manifest("syn", "1.0.0", "strategy.py", "Broken"));
  const std::string msg = load_error(loader, m);
  EXPECT_NE(msg.find("strategy.py:4: SyntaxError"), std::string::npos) << msg;
  EXPECT_NE(msg.find(m.file.string()), std::string::npos) << msg;
}

TEST(PythonLoader, FailedImportNamesFileLineAndModule) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "import_error.py", python_manifest("imp", "1.0.0", "strategy.py", "X"));
  const std::string msg = load_error(loader, m);
  EXPECT_NE(msg.find("strategy.py:3: ModuleNotFoundError"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not_a_module_anywhere_xyz"), std::string::npos) << msg;
}

TEST(PythonLoader, MissingClassAndNonStrategyClassAreRefused) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest missing = install_python_fixture(dir.path(), "good.py", python_manifest("nocls", "1.0.0", "good.py", "Nope"));
  EXPECT_NE(load_error(loader, missing).find("defines no 'Nope'"), std::string::npos) << load_error(loader, missing);
  Manifest plain = install_python_fixture(dir.path(), "failing.py", python_manifest("plain", "1.0.0", "failing.py", "NotAStrategy"));
  EXPECT_NE(load_error(loader, plain).find("is not a subclass of algohost.Strategy"), std::string::npos);
}

TEST(PythonLoader, ConstructorErrorNamesTheLine) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "failing.py", python_manifest("init", "1.0.0", "failing.py", "RaisesInInit"));
  const std::string msg = load_error(loader, m);
  EXPECT_NE(msg.find("failing.py:8: RuntimeError: refusing to be created"), std::string::npos) << msg;
}

TEST(PythonLoader, ApiVersionAndChecksumAreCheckedBeforeImport) {
  TempDir dir;
  PythonLoader loader(python_options());
  // The module has a syntax error: a refusal that names the version or checksum shows the check
  // ran before the file was imported.
  auto doc = python_manifest("api", "1.0.0", "strategy.py", "Broken");
  doc["implementation"]["sdk_api_version"] = "2.0";
  Manifest major = install_python_fixture(dir.path(), "syntax_error.py", doc);
  std::string msg = load_error(loader, major);
  EXPECT_NE(msg.find("plugin Python SDK API 2.0 is incompatible with host Python SDK API 1.1"), std::string::npos) << msg;

  doc = python_manifest("api", "1.1.0", "strategy.py", "Broken");
  doc["implementation"]["sdk_api_version"] = "1.7";
  msg = load_error(loader, install_python_fixture(dir.path(), "syntax_error.py", doc));
  EXPECT_NE(msg.find("is newer than host Python SDK API 1.1"), std::string::npos) << msg;

  doc = python_manifest("sha", "1.0.0", "strategy.py", "Broken");
  doc["implementation"]["sha256"] = std::string(64, 'a');
  msg = load_error(loader, install_python_fixture(dir.path(), "syntax_error.py", doc));
  EXPECT_NE(msg.find("sha256 mismatch"), std::string::npos) << msg;

  doc = python_manifest("nofile", "1.0.0", "absent.py", "X");
  write_file(dir / "nofile" / "1.0.0" / "manifest.json", doc.dump());
  Manifest absent = *load_manifest(dir / "nofile" / "1.0.0" / "manifest.json").manifest;
  msg = load_error(loader, absent);
  EXPECT_NE(msg.find("implementation.module"), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
}

TEST(PythonLoader, AMatchingChecksumLoads) {
  TempDir dir;
  PythonLoader loader(python_options());
  auto doc = python_manifest("shaok", "1.0.0", "good.py", "Noop");
  Manifest m = install_python_fixture(dir.path(), "good.py", doc);
  doc["implementation"]["sha256"] = *sha256_file(m.artifact);
  m = install_python_fixture(dir.path(), "good.py", doc);
  EXPECT_EQ(load_error(loader, m), "(loaded)");
}

TEST(PythonLoader, TwoVersionsLiveSideBySideWithTheirOwnHelpers) {
  TempDir dir;
  PythonLoader loader(python_options());
  const std::string text = testing::read_text(std::filesystem::path(ALGOHOST_PY_FIXTURES) / "versioned.py");
  auto with = [&](const std::string& value) {
    std::string t = text;
    for (size_t at; (at = t.find("VERSION_VALUE")) != std::string::npos;) t.replace(at, 13, value);
    return t;
  };
  Manifest v1 = install_python_fixture(dir.path(), "", python_manifest("ver", "1.0.0", "strategy.py", "Versioned"), with("1.0"));
  Manifest v2 = install_python_fixture(dir.path(), "", python_manifest("ver", "2.0.0", "strategy.py", "Versioned"), with("2.0"));
  write_file(dir / "ver" / "1.0.0" / "helper.py", "VALUE = 10.0\n");
  write_file(dir / "ver" / "2.0.0" / "helper.py", "VALUE = 20.0\n");
  auto a = loader.instantiate(v1, *resolve_parameters(v1, {}));
  auto b = loader.instantiate(v2, *resolve_parameters(v2, {}));
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  const char* sym[1] = {"X"};
  const uint8_t has[1] = {1};
  const ah_bar bar{1000, 1, 1, 1, 1, 1};
  const ah_slice slice{1000, 1, sym, &bar, has, nullptr};
  std::vector<ah_signal> out_a, out_b;
  ASSERT_TRUE((*a)->on_slice(slice, out_a).ok());
  ASSERT_TRUE((*b)->on_slice(slice, out_b).ok());
  ASSERT_EQ(out_a.size(), 1u);
  ASSERT_EQ(out_b.size(), 1u);
  EXPECT_EQ(out_a[0].diag[0], 1.0);
  EXPECT_EQ(out_a[0].diag[1], 10.0);
  EXPECT_EQ(out_b[0].diag[0], 2.0);
  EXPECT_EQ(out_b[0].diag[1], 20.0);
}

TEST(PythonLoader, AModuleChangedAfterImportIsRefused) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "good.py", python_manifest("chg", "1.0.0", "good.py", "Noop"));
  ASSERT_EQ(load_error(loader, m), "(loaded)");
  std::ofstream(m.artifact, std::ios::app) << "\n# changed\n";
  const std::string msg = load_error(loader, m);
  EXPECT_NE(msg.find("changed after it was imported"), std::string::npos) << msg;
}

TEST(PythonLoader, TheGilIsFreeBetweenCalls) {
  TempDir dir;
  PythonLoader loader(python_options());
  Manifest m = install_python_fixture(dir.path(), "good.py", python_manifest("gil", "1.0.0", "good.py", "Noop"));
  auto inst = loader.instantiate(m, *resolve_parameters(m, {}));
  ASSERT_TRUE(inst.ok()) << inst.status().message();
  // Another thread runs Python while this one holds no GIL; it would wait forever otherwise.
  auto other = std::async(std::launch::async, [] {
    python::GilLock gil;
    return PyRun_SimpleString("x = sum(range(1000))") == 0;
  });
  ASSERT_EQ(other.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(other.get());
}

}  // namespace
}  // namespace algohost
