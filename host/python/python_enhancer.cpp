#include "host/python/python_enhancer.h"

#include "host/python/call_time_limit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include <algohost/enhancer.hpp>  // sdk::regime_name

namespace algohost::python {

namespace {

// Interned names (borrowed; they live as long as the interpreter, which is never finalized).
PyObject* role_name(int32_t role) {
  static PyObject* const names[] = {PyUnicode_InternFromString("unknown"), PyUnicode_InternFromString("entry"),
                                    PyUnicode_InternFromString("resize"), PyUnicode_InternFromString("exit")};
  return names[role >= AH_ROLE_ENTRY && role <= AH_ROLE_EXIT ? role : 0];
}
PyObject* regime_name(int32_t regime) {
  static PyObject* const names[] = {
      PyUnicode_InternFromString(sdk::regime_name(AH_REGIME_UNKNOWN)),
      PyUnicode_InternFromString(sdk::regime_name(AH_REGIME_TRENDING)),
      PyUnicode_InternFromString(sdk::regime_name(AH_REGIME_MEAN_REVERTING)),
      PyUnicode_InternFromString(sdk::regime_name(AH_REGIME_VOLATILE))};
  switch (regime) {
    case AH_REGIME_TRENDING: return names[1];
    case AH_REGIME_MEAN_REVERTING: return names[2];
    case AH_REGIME_VOLATILE: return names[3];
    default: return names[0];
  }
}

// A new reference to algohost.MarketContext (nullptr with a Python error set).
PyObject* make_market(const SdkObjects& sdk, const ah_market_context& c) {
  return make_named_tuple(sdk.market_context_type,
                          {PyBool_FromLong(c.ready), PyFloat_FromDouble(c.volatility), PyFloat_FromDouble(c.volume_ratio),
                           Py_NewRef(regime_name(c.regime)), PyFloat_FromDouble(c.window_return)});
}

// A float field of an EnhanceResult into *slot (None keeps it); "" when fine.
std::string read_unit(PyObject* r, const char* name, double* slot) {
  PyObject* v = PyObject_GetAttrString(r, name);
  if (!v) {
    PyErr_Clear();
    return std::string("EnhanceResult has no '") + name + "'";
  }
  std::string problem;
  if (v != Py_None) {
    const double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      problem = std::string("EnhanceResult.") + name + " is " + Py_TYPE(v)->tp_name + ", not a number";
    } else {
      *slot = d;
    }
  }
  Py_DECREF(v);
  return problem;
}

}  // namespace

Result<std::unique_ptr<PythonEnhancer>> PythonEnhancer::create(PythonRuntime& rt, PyObject* cls, const std::string& params_json,
                                                               std::string label, std::filesystem::path plugin_dir) {
  std::unique_ptr<PythonEnhancer> self(new PythonEnhancer(PluginObject{rt, std::move(label), std::move(plugin_dir)}));
  auto obj = construct(self->plugin_, cls, params_json, "enhancer");
  if (!obj.ok()) return obj.status();
  self->obj_ = *obj;
  return self;
}

PythonEnhancer::~PythonEnhancer() {
  if (!obj_) return;
  GilLock gil;
  Py_DECREF(obj_);
}

Status PythonEnhancer::failed(const char* call, const std::string& problem) {
  std::string traceback;
  const std::string what = problem.empty() ? plugin_.rt.take_error(plugin_.plugin_dir, &traceback) : problem;
  PyErr_Clear();
  if (!traceback.empty() && logged_++ < 3) spdlog::debug("{}: {} raised:\n{}", plugin_.label, call, traceback);
  return call_failure(plugin_.label, call, what);
}

std::string PythonEnhancer::read_result(PyObject* r, ah_enhance_output& out) const {
  const int is = PyObject_IsInstance(r, plugin_.rt.sdk().enhance_result_type);
  if (is != 1) {
    PyErr_Clear();
    return std::string("enhance returned ") + Py_TYPE(r)->tp_name + ", not an algohost.EnhanceResult or None";
  }
  std::string problem = read_unit(r, "confidence", &out.confidence);
  if (problem.empty()) problem = read_unit(r, "size", &out.size);
  if (!problem.empty()) return problem;
  PyObject* veto = PyObject_GetAttrString(r, "veto");
  const int truth = veto ? PyObject_IsTrue(veto) : -1;
  Py_XDECREF(veto);
  if (truth < 0) {
    PyErr_Clear();
    return "EnhanceResult.veto is not a truth value";
  }
  out.veto = truth;
  PyObject* why = PyObject_GetAttrString(r, "reasoning");
  Py_ssize_t len = 0;
  const char* text = why && PyUnicode_Check(why) ? PyUnicode_AsUTF8AndSize(why, &len) : nullptr;
  if (text) {
    const size_t n = std::min(static_cast<size_t>(len), static_cast<size_t>(AH_ENHANCER_REASONING_LEN - 1));
    std::memcpy(out.reasoning, text, n);
    out.reasoning[n] = '\0';
  }
  const bool bad = why && why != Py_None && !text;
  Py_XDECREF(why);
  PyErr_Clear();
  return bad ? "EnhanceResult.reasoning is not a str" : "";
}

Status PythonEnhancer::enhance(const ah_enhance_input& in, ah_enhance_output& out) {
  GilLock gil;
  const SdkObjects& sdk = plugin_.rt.sdk();
  PyObject* ctx = make_named_tuple(
      sdk.enhance_context_type,
      {PyLong_FromLongLong(in.ts_ms), PyUnicode_FromString(in.symbol ? in.symbol : ""),
       PyLong_FromUnsignedLong(in.symbol_index), PyUnicode_FromString(in.strategy ? in.strategy : ""),
       Py_NewRef(role_name(in.role)), make_bar(sdk.bar_type, in.bar), make_market(sdk, in.context),
       PyLong_FromLong(in.action), PyLong_FromLong(in.side), PyFloat_FromDouble(in.confidence),
       PyFloat_FromDouble(in.size), PyFloat_FromDouble(in.position)});
  static PyObject* const name = PyUnicode_InternFromString("enhance");
  // CallMethodOneArg, not CallMethod(..., "O", ctx): the context is a tuple, which "O" would unpack.
  PyObject* r = nullptr;
  if (ctx) {
    CallTimeLimit limit;
    r = PyObject_CallMethodOneArg(obj_, name, ctx);
  }
  Py_XDECREF(ctx);
  if (!r) return failed("enhance");
  std::string problem = r == Py_None ? "" : read_result(r, out);
  Py_DECREF(r);
  return problem.empty() ? Status::Ok() : failed("enhance", problem);
}

Status PythonEnhancer::learn(const ah_trade_outcome& t) {
  GilLock gil;
  const SdkObjects& sdk = plugin_.rt.sdk();
  PyObject* o = make_named_tuple(
      sdk.trade_outcome_type,
      {PyUnicode_FromString(t.symbol ? t.symbol : ""), PyLong_FromUnsignedLong(t.symbol_index), PyLong_FromLong(t.side),
       PyLong_FromLongLong(t.entry_ts_ms), PyLong_FromLongLong(t.exit_ts_ms), PyFloat_FromDouble(t.entry_price),
       PyFloat_FromDouble(t.exit_price), PyFloat_FromDouble(t.quantity), PyFloat_FromDouble(t.pnl),
       PyFloat_FromDouble(t.trade_return), PyBool_FromLong(t.won), PyFloat_FromDouble(t.confidence),
       make_market(sdk, t.entry_context), PyUnicode_FromString(t.exit_reason ? t.exit_reason : "")});
  static PyObject* const name = PyUnicode_InternFromString("learn");
  PyObject* r = nullptr;
  if (o) {
    CallTimeLimit limit;
    r = PyObject_CallMethodOneArg(obj_, name, o);
  }
  Py_XDECREF(o);
  if (!r) return failed("learn");
  Py_DECREF(r);
  return Status::Ok();
}

}  // namespace algohost::python
