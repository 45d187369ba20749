#include "host/python/python_runtime.h"

#include <pybind11/embed.h>

#include <cstdlib>
#include <mutex>
#include <sstream>

namespace algohost::python {
namespace fs = std::filesystem;
namespace py = pybind11;

namespace {

std::mutex g_mu;
PythonRuntime* g_runtime = nullptr;  // never deleted: lives as long as the interpreter
Status g_start_failure;
bool g_started = false;

// A new reference to module.attr, or nullptr with a Python error set.
PyObject* attr_of(const char* module, const char* attr) {
  PyObject* m = PyImport_ImportModule(module);
  if (!m) return nullptr;
  PyObject* a = PyObject_GetAttrString(m, attr);
  Py_DECREF(m);
  return a;
}

// Text of the pending exception without the SDK's helpers (used while starting).
std::string raw_error() {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  std::string out = "unknown Python error";
  if (value) {
    PyObject* s = PyObject_Str(value);
    const char* name = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "Exception";
    if (s) {
      const char* c = PyUnicode_AsUTF8(s);
      out = std::string(name) + ": " + (c ? c : "");
      Py_DECREF(s);
    }
  }
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  PyErr_Clear();
  return out;
}

}  // namespace

bool PythonRuntime::started() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_started;
}

Result<PythonRuntime*> PythonRuntime::start(const fs::path& sdk_dir) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_runtime) return g_runtime;
  if (!g_start_failure.ok()) return g_start_failure;
  std::error_code ec;
  if (sdk_dir.empty() || !fs::is_regular_file(sdk_dir / "algohost" / "__init__.py", ec)) {
    // Not started: a later call with a correct folder may still start it.
    return Status::NotFound("the algohost Python SDK is not at '" + sdk_dir.string() +
                            "' (expected algohost/__init__.py there; the host looks in <exe>/../lib/algohost/python)");
  }
  auto* rt = new PythonRuntime();
  Status st = rt->init(sdk_dir);
  if (!st.ok()) {
    g_start_failure = st;  // an interpreter that failed half-way cannot be started again
    return st;
  }
  g_runtime = rt;
  return rt;
}

Status PythonRuntime::init(const fs::path& sdk_dir) {
  sdk_dir_ = sdk_dir;
  if (!Py_IsInitialized()) {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;  // SIGINT and SIGTERM belong to the host
    config.use_environment = 0;          // no PYTHONHOME/PYTHONPATH from a user's other Python
    config.write_bytecode = 0;           // plugin folders may be read-only
    config.parse_argv = 0;
    // The interpreter we were built against, so that prefix and stdlib are found from it rather
    // than from whichever python3 comes first on the PATH.
    PyStatus ps = PyConfig_SetBytesString(&config, &config.program_name, ALGOHOST_PYTHON_EXECUTABLE);
    if (PyStatus_Exception(ps)) {
      PyConfig_Clear(&config);
      return Status::Internal("cannot configure the embedded Python interpreter");
    }
    try {
      py::initialize_interpreter(&config, 0, nullptr, false);
    } catch (const std::exception& e) {
      g_started = false;
      return Status::Internal(std::string("cannot start the embedded Python interpreter: ") + e.what());
    }
  }
  g_started = true;
  // From here the GIL is held until the end of init.
  Status result = Status::Ok();
  {
    PyObject* sys_path = PySys_GetObject("path");  // borrowed
    auto add = [&](const std::string& dir) {
      PyObject* s = PyUnicode_FromString(dir.c_str());
      if (s && PySequence_Contains(sys_path, s) == 0) PyList_Insert(sys_path, 0, s);
      Py_XDECREF(s);
    };
    if (const char* extra = std::getenv("ALGOHOST_PYTHONPATH")) {
      std::stringstream ss(extra);
      std::string item;
      std::vector<std::string> items;
      while (std::getline(ss, item, ':'))
        if (!item.empty()) items.push_back(item);
      for (auto it = items.rbegin(); it != items.rend(); ++it) add(*it);
    }
    add(sdk_dir.string());

    struct Want {
      const char* module;
      const char* attr;
      PyObject** slot;
    };
    const Want wants[] = {
        {"algohost", "Bar", &sdk_.bar_type},
        {"algohost", "Slice", &sdk_.slice_type},
        {"algohost", "Series", &sdk_.series_type},
        {"algohost", "BatchSignals", &sdk_.batch_signals_type},
        {"algohost", "Signal", &sdk_.signal_type},
        {"algohost", "Strategy", &sdk_.strategy_type},
        {"algohost", "Enhancer", &sdk_.enhancer_type},
        {"algohost", "MarketContext", &sdk_.market_context_type},
        {"algohost", "EnhanceContext", &sdk_.enhance_context_type},
        {"algohost", "TradeOutcome", &sdk_.trade_outcome_type},
        {"algohost", "EnhanceResult", &sdk_.enhance_result_type},
        {"algohost", "Params", &sdk_.params_type},
        {"algohost._host", "load_module", &sdk_.load_module},
        {"algohost._host", "describe_exception", &sdk_.describe_exception},
        {"algohost._host", "state_calls", &sdk_.state_calls},
        {"json", "dumps", &sdk_.json_dumps},
    };
    for (const auto& w : wants) {
      *w.slot = attr_of(w.module, w.attr);
      if (!*w.slot) {
        result = Status::Internal("cannot import " + std::string(w.module) + "." + w.attr + " from the Python SDK at " +
                                  sdk_dir.string() + ": " + raw_error());
        break;
      }
    }
    if (result.ok()) {
      PyObject* version = attr_of("algohost", "API_VERSION");
      const char* v = version ? PyUnicode_AsUTF8(version) : nullptr;
      const std::string want = std::to_string(kPythonApiMajor) + "." + std::to_string(kPythonApiMinor);
      if (!v || want != v)
        result = Status::Internal("the Python SDK at " + sdk_dir.string() + " has API_VERSION " + (v ? v : "?") +
                                  "; this host implements " + want);
      Py_XDECREF(version);
      PyErr_Clear();
    }
  }
  PyEval_SaveThread();  // release the GIL: taken again only while Python code runs
  return result;
}

std::string PythonRuntime::take_error(const fs::path& prefer_dir, std::string* traceback) const {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (!type) return "no Python error";
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb && value) PyException_SetTraceback(value, tb);
  std::string summary;
  PyObject* dir = PyUnicode_FromString(prefer_dir.string().c_str());
  PyObject* r = value ? PyObject_CallFunctionObjArgs(sdk_.describe_exception, value, dir, nullptr) : nullptr;
  if (r && PyTuple_Check(r) && PyTuple_GET_SIZE(r) == 2) {
    const char* head = PyUnicode_AsUTF8(PyTuple_GET_ITEM(r, 0));
    const char* text = PyUnicode_AsUTF8(PyTuple_GET_ITEM(r, 1));
    summary = head ? head : "";
    if (traceback) *traceback = text ? text : "";
  } else {
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    type = value = tb = nullptr;
    summary = raw_error();
  }
  Py_XDECREF(r);
  Py_XDECREF(dir);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  PyErr_Clear();
  return summary;
}

}  // namespace algohost::python
