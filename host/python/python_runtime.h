// PythonRuntime — the one embedded CPython interpreter of the process (pybind11).
//
// Started by the first call to start(), i.e. when the first Python plugin is loaded, and kept
// for the life of the process: it is never finalized and restarted (CPython does not support
// that reliably, and modules such as numpy cannot be re-imported after it). The interpreter is
// Debian's libpython the host was built against; it ignores PYTHON* environment variables (a
// user's pyenv must not leak into it) and takes extra import paths from ALGOHOST_PYTHONPATH.
// sys.path gets the algohost Python SDK's folder; each plugin's folder is added when loaded.
//
// The GIL: start() returns with the GIL released. Code that touches Python objects holds a
// GilLock for exactly the duration of the Python work, so native strategies and the recorder
// running on other threads are never held up by it. Any thread may take a GilLock.
//
// The SDK objects below are owned by the runtime (never released: they live as long as the
// interpreter); use them only while holding the GIL.
#pragma once

#include <Python.h>

#include <filesystem>
#include <string>

#include "host/python/python_loader.h"  // kPythonApiMajor, kPythonApiMinor
#include "registry/common/status.h"

namespace algohost::python {

// Holds the GIL for its lifetime (PyGILState_Ensure/Release; re-entrant on one thread).
class GilLock {
 public:
  GilLock() : state_(PyGILState_Ensure()) {}
  ~GilLock() { PyGILState_Release(state_); }
  GilLock(const GilLock&) = delete;
  GilLock& operator=(const GilLock&) = delete;

 private:
  PyGILState_STATE state_;
};

struct SdkObjects {
  PyObject* bar_type = nullptr;            // algohost.Bar (a named tuple)
  PyObject* slice_type = nullptr;          // algohost.Slice
  PyObject* series_type = nullptr;         // algohost.Series
  PyObject* batch_signals_type = nullptr;  // algohost.BatchSignals
  PyObject* signal_type = nullptr;         // algohost.Signal
  PyObject* strategy_type = nullptr;       // algohost.Strategy
  PyObject* enhancer_type = nullptr;       // algohost.Enhancer
  PyObject* market_context_type = nullptr; // algohost.MarketContext (a named tuple)
  PyObject* enhance_context_type = nullptr;  // algohost.EnhanceContext (a named tuple)
  PyObject* trade_outcome_type = nullptr;  // algohost.TradeOutcome (a named tuple)
  PyObject* enhance_result_type = nullptr; // algohost.EnhanceResult
  PyObject* params_type = nullptr;         // algohost.Params
  PyObject* load_module = nullptr;         // algohost._host.load_module
  PyObject* describe_exception = nullptr;  // algohost._host.describe_exception
  PyObject* state_calls = nullptr;         // algohost._host.state_calls
  PyObject* json_dumps = nullptr;          // json.dumps
};

class PythonRuntime {
 public:
  // Starts the interpreter once, with the SDK at `sdk_dir` (later calls ignore their argument
  // and return the same runtime, or the same start failure). Thread-safe. Errors: NotFound when
  // the SDK is missing, Internal when the interpreter or the SDK cannot start.
  static Result<PythonRuntime*> start(const std::filesystem::path& sdk_dir);

  // True once an interpreter runs in this process.
  static bool started();

  const SdkObjects& sdk() const { return sdk_; }
  const std::filesystem::path& sdk_dir() const { return sdk_dir_; }

  // The pending Python exception (cleared) as "file:line: Type: message", with the full
  // traceback in *traceback when given. Lines inside `prefer_dir` are preferred when naming
  // the place. Needs the GIL.
  std::string take_error(const std::filesystem::path& prefer_dir = {}, std::string* traceback = nullptr) const;

 private:
  PythonRuntime() = default;
  Status init(const std::filesystem::path& sdk_dir);

  SdkObjects sdk_;
  std::filesystem::path sdk_dir_;
};

}  // namespace algohost::python
