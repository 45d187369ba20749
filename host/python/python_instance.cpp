#include "host/python/python_instance.h"

#include "host/python/call_time_limit.h"

#include <pybind11/pybind11.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>

#include "host/data/timestamp.h"

namespace algohost::python {
namespace py = pybind11;

namespace {

// Attribute names, interned once (under the GIL).
struct Names {
  PyObject *action, *confidence, *size, *stop_loss, *take_profit, *target, *reason, *diag, *symbol;
  PyObject *on_bar, *on_slice, *on_batch, *diagnostics;
};
const Names& names() {
  static const Names n = {
      PyUnicode_InternFromString("action"),       PyUnicode_InternFromString("confidence"),
      PyUnicode_InternFromString("size"),         PyUnicode_InternFromString("stop_loss"),
      PyUnicode_InternFromString("take_profit"),  PyUnicode_InternFromString("target"),
      PyUnicode_InternFromString("reason"),       PyUnicode_InternFromString("diag"),
      PyUnicode_InternFromString("symbol"),       PyUnicode_InternFromString("on_bar"),
      PyUnicode_InternFromString("on_slice"),     PyUnicode_InternFromString("on_batch"),
      PyUnicode_InternFromString("diagnostics"),
  };
  return n;
}

std::string type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }

// A float attribute of a Signal; sets *problem when it is not a number.
double float_attr(PyObject* obj, PyObject* name, std::string& problem) {
  PyObject* v = PyObject_GetAttr(obj, name);
  if (!v) {
    PyErr_Clear();
    problem = "Signal has no '" + std::string(PyUnicode_AsUTF8(name)) + "'";
    return 0;
  }
  double d = PyFloat_AsDouble(v);
  if (d == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    problem = "Signal." + std::string(PyUnicode_AsUTF8(name)) + " is " + type_name(v) + ", not a number";
  }
  Py_DECREF(v);
  return d;
}

bool in_unit(double v) { return v >= 0.0 && v <= 1.0; }

}  // namespace

Result<std::unique_ptr<PythonInstance>> PythonInstance::create(PythonRuntime& rt, PyObject* cls,
                                                               const std::string& params_json,
                                                               PythonInstanceConfig config) {
  std::unique_ptr<PythonInstance> self(new PythonInstance(rt, std::move(config)));
  auto obj = construct(self->plugin_object(), cls, params_json, "strategy");
  if (!obj.ok()) return obj.status();
  GilLock gil;
  self->obj_ = *obj;
  const Names& n = names();
  const auto& sdk = rt.sdk();
  self->on_bar_ = PyObject_GetAttr(self->obj_, n.on_bar);
  self->on_slice_ = PyObject_GetAttr(self->obj_, n.on_slice);
  PyObject* batch = PyObject_GetAttr(self->obj_, n.on_batch);
  if (!self->on_bar_ || !self->on_slice_ || !batch) {
    Py_XDECREF(batch);
    return Status::PluginError(self->config_.label + ": " + rt.take_error(self->config_.plugin_dir));
  }
  if (batch != Py_None && PyCallable_Check(batch)) {
    self->on_batch_ = batch;
  } else {
    Py_DECREF(batch);
  }
  // on_slice overridden? Compare the class's function with the base class's.
  PyObject* mine = PyObject_GetAttr(reinterpret_cast<PyObject*>(Py_TYPE(self->obj_)), n.on_slice);
  PyObject* base = PyObject_GetAttr(sdk.strategy_type, n.on_slice);
  self->per_bar_ = mine && base && mine == base;
  Py_XDECREF(mine);
  Py_XDECREF(base);
  PyErr_Clear();
  self->vectorized_ = self->on_batch_ != nullptr;
  if (self->vectorized_ && self->config_.multi_symbol)
    return Status::InvalidArgument(self->config_.label +
                                   ": a vectorized strategy (on_batch) must be single-symbol "
                                   "(requirements.symbols = 1)");

  // Which state calls the class makes: (exports, imports, import takes from_version=).
  if (PyObject* calls = PyObject_CallOneArg(sdk.state_calls, self->obj_)) {
    if (PyTuple_Check(calls) && PyTuple_GET_SIZE(calls) == 3) {
      self->exports_state_ = PyObject_IsTrue(PyTuple_GET_ITEM(calls, 0)) == 1;
      self->imports_state_ = PyObject_IsTrue(PyTuple_GET_ITEM(calls, 1)) == 1;
      self->import_takes_version_ = PyObject_IsTrue(PyTuple_GET_ITEM(calls, 2)) == 1;
    }
    Py_DECREF(calls);
  }
  PyErr_Clear();  // a class whose state calls cannot be inspected gets none: it is warmed up instead

  // Diagnostics: a sequence of at most AH_MAX_DIAGNOSTICS strings.
  if (PyObject* d = PyObject_GetAttr(self->obj_, n.diagnostics)) {
    PyObject* seq = PySequence_Fast(d, "diagnostics must be a sequence of names");
    if (seq) {
      for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq) && i < AH_MAX_DIAGNOSTICS; ++i) {
        const char* s = PyUnicode_Check(PySequence_Fast_GET_ITEM(seq, i))
                            ? PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i))
                            : nullptr;
        self->diagnostics_.push_back(s ? s : "diag" + std::to_string(i));
      }
      Py_DECREF(seq);
    }
    Py_DECREF(d);
  }
  PyErr_Clear();
  return self;
}

PythonInstance::~PythonInstance() {
  if (!obj_) return;
  GilLock gil;
  for (PyObject* o : {obj_, on_bar_, on_slice_, on_batch_, symbols_}) Py_XDECREF(o);
}

Status PythonInstance::call_failed(const char* call, int64_t ts_ms, const std::string& problem,
                                   std::string traceback) {
  std::string what = problem.empty() ? rt_.take_error(config_.plugin_dir, &traceback) : problem;
  PyErr_Clear();
  ++errors_;
  ++consecutive_;
  const std::string where = std::string(call) + " at " + format_timestamp_ms(ts_ms);
  if (logged_ < 10) {
    spdlog::warn("{}: {} failed, signal skipped: {}{}{}", config_.label, where, what, traceback.empty() ? "" : "\n",
                 traceback);
    if (++logged_ == 10) spdlog::warn("{}: further failures are logged every 1000th", config_.label);
  } else if (errors_ % 1000 == 0) {
    spdlog::warn("{}: {} failures so far; latest: {}: {}", config_.label, errors_, where, what);
  }
  if (consecutive_ >= config_.max_consecutive_failures)
    return fail(Status::PluginError(config_.label + ": stopped after " + std::to_string(consecutive_) +
                                    " consecutive failed calls (limit " +
                                    std::to_string(config_.max_consecutive_failures) + "); last: " + where + ": " +
                                    what));
  return Status::Ok();
}

PyObject* PythonInstance::make_slice(const ah_slice& s) {
  if (!symbols_ || symbol_names_.size() != s.n_symbols) {
    Py_XDECREF(symbols_);
    symbols_ = PyTuple_New(s.n_symbols);
    symbol_names_.clear();
    for (uint32_t i = 0; i < s.n_symbols && symbols_; ++i) {
      PyTuple_SET_ITEM(symbols_, i, PyUnicode_FromString(s.symbols[i]));
      symbol_names_.emplace_back(s.symbols[i]);
    }
  }
  PyObject* bars = PyTuple_New(s.n_symbols);
  PyObject* has = PyTuple_New(s.n_symbols);
  PyObject* carry = s.carry ? PyTuple_New(s.n_symbols) : Py_NewRef(Py_None);
  PyObject* ts = PyLong_FromLongLong(s.ts_ms);
  bool ok = symbols_ && bars && has && carry && ts;
  for (uint32_t i = 0; ok && i < s.n_symbols; ++i) {
    const ah_bar& b = s.bars[i];
    const bool before_first = !s.has_bar[i] && b.ts_ms == 0 && b.close == 0 && b.open == 0;
    PyObject* bar = before_first ? Py_NewRef(Py_None) : make_bar(rt_.sdk().bar_type, b);
    ok = bar != nullptr;
    if (ok) PyTuple_SET_ITEM(bars, i, bar);
    PyTuple_SET_ITEM(has, i, PyBool_FromLong(s.has_bar[i]));
    if (s.carry && ok) {
      PyObject* c = PyFloat_FromDouble(s.carry[i]);
      ok = c != nullptr;
      if (ok) PyTuple_SET_ITEM(carry, i, c);
    }
  }
  auto* type = reinterpret_cast<PyTypeObject*>(rt_.sdk().slice_type);
  PyObject* t = ok ? type->tp_alloc(type, 5) : nullptr;
  if (!t) {
    for (PyObject* o : {bars, has, carry, ts}) Py_XDECREF(o);
    return nullptr;
  }
  PyTuple_SET_ITEM(t, 0, ts);
  PyTuple_SET_ITEM(t, 1, Py_NewRef(symbols_));
  PyTuple_SET_ITEM(t, 2, bars);
  PyTuple_SET_ITEM(t, 3, has);
  PyTuple_SET_ITEM(t, 4, carry);
  return t;
}

std::string PythonInstance::to_signal(PyObject* obj, const ah_slice* slice, int64_t ts_ms, ah_signal& out) const {
  const Names& n = names();
  if (!PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(rt_.sdk().signal_type)))
    return "returned " + type_name(obj) + "; expected an algohost.Signal, a list of them, or None";
  std::memset(&out, 0, sizeof out);
  out.ts_ms = ts_ms;
  std::string problem;
  PyObject* action = PyObject_GetAttr(obj, n.action);
  long a = action ? PyLong_AsLong(action) : -1;
  Py_XDECREF(action);
  if (PyErr_Occurred() || a < AH_HOLD || a > AH_TARGET) {
    PyErr_Clear();
    return "Signal.action must be HOLD, BUY, SELL or TARGET (0..3)";
  }
  out.action = static_cast<int32_t>(a);
  out.confidence = float_attr(obj, n.confidence, problem);
  out.position_size = float_attr(obj, n.size, problem);
  out.stop_loss = float_attr(obj, n.stop_loss, problem);
  out.take_profit = float_attr(obj, n.take_profit, problem);
  out.target_position = float_attr(obj, n.target, problem);
  if (!problem.empty()) return problem;
  if (!in_unit(out.confidence)) return "Signal.confidence " + std::to_string(out.confidence) + " is outside 0..1";
  if (!in_unit(out.position_size)) return "Signal.size " + std::to_string(out.position_size) + " is outside 0..1";
  if (!(out.stop_loss >= 0) || !std::isfinite(out.stop_loss) || !(out.take_profit >= 0) ||
      !std::isfinite(out.take_profit))
    return "Signal.stop_loss and take_profit must be finite prices >= 0 (0 = none)";
  if (!(out.target_position >= -1.0 && out.target_position <= 1.0))
    return "Signal.target " + std::to_string(out.target_position) + " is outside -1..1";

  if (PyObject* r = PyObject_GetAttr(obj, n.reason)) {
    Py_ssize_t len = 0;
    const char* s = PyUnicode_Check(r) ? PyUnicode_AsUTF8AndSize(r, &len) : nullptr;
    if (s) {
      const size_t k = std::min(static_cast<size_t>(len), static_cast<size_t>(AH_REASON_LEN - 1));
      std::memcpy(out.reason, s, k);
    }
    Py_DECREF(r);
  }
  if (PyObject* d = PyObject_GetAttr(obj, n.diag)) {
    if (PyTuple_Check(d) || PyList_Check(d)) {
      const Py_ssize_t k = PySequence_Size(d);
      for (Py_ssize_t i = 0; i < k && i < AH_MAX_DIAGNOSTICS; ++i) {
        PyObject* item = PySequence_GetItem(d, i);
        out.diag[i] = item ? PyFloat_AsDouble(item) : 0.0;
        Py_XDECREF(item);
      }
      out.n_diag = static_cast<uint32_t>(std::min<Py_ssize_t>(k, AH_MAX_DIAGNOSTICS));
    }
    Py_DECREF(d);
  }
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return "Signal.reason must be a str and Signal.diag numbers";
  }
  // The symbol: an index into the slice, or a name.
  const uint32_t n_symbols = slice ? slice->n_symbols : 1;
  PyObject* sym = PyObject_GetAttr(obj, n.symbol);
  if (!sym) {
    PyErr_Clear();
    return "Signal has no 'symbol'";
  }
  long index = -1;
  if (PyLong_Check(sym)) {
    index = PyLong_AsLong(sym);
  } else if (PyUnicode_Check(sym) && slice) {
    const char* name = PyUnicode_AsUTF8(sym);
    for (uint32_t i = 0; name && i < slice->n_symbols; ++i)
      if (std::strcmp(slice->symbols[i], name) == 0) index = static_cast<long>(i);
  }
  std::string sym_text;
  if (index < 0 || index >= static_cast<long>(n_symbols)) {
    PyObject* r = PyObject_Repr(sym);
    sym_text = r && PyUnicode_Check(r) ? PyUnicode_AsUTF8(r) : "?";
    Py_XDECREF(r);
  }
  Py_DECREF(sym);
  PyErr_Clear();
  if (index < 0 || index >= static_cast<long>(n_symbols))
    return "Signal.symbol " + sym_text + " is not one of the slice's " + std::to_string(n_symbols) + " symbols";
  out.symbol_index = static_cast<uint32_t>(index);
  return {};
}

std::string PythonInstance::to_signals(PyObject* result, const ah_slice& slice, std::vector<ah_signal>& out) const {
  if (result == Py_None) return {};
  ah_signal sig;
  if (PyObject_TypeCheck(result, reinterpret_cast<PyTypeObject*>(rt_.sdk().signal_type))) {
    std::string p = to_signal(result, &slice, slice.ts_ms, sig);
    if (p.empty()) out.push_back(sig);
    return p;
  }
  if (!PyList_Check(result) && !PyTuple_Check(result))
    return "on_slice returned " + type_name(result) + "; expected an algohost.Signal, a list of them, or None";
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(result);
  for (Py_ssize_t i = 0; i < n; ++i) {
    std::string p = to_signal(PySequence_Fast_GET_ITEM(result, i), &slice, slice.ts_ms, sig);
    if (!p.empty()) {
      out.clear();
      return "item " + std::to_string(i) + ": " + p;
    }
    out.push_back(sig);
  }
  return {};
}

Status PythonInstance::on_slice(const ah_slice& slice, std::vector<ah_signal>& out) {
  Status st = slice_signals(slice, out);
  if (!st.ok()) return st;
  // A hold for every symbol with a bar and no signal (as the native SDK starts each bar's signal
  // as a hold), after the signals the strategy returned, in their order.
  std::vector<uint8_t> covered(slice.n_symbols, 0);
  for (const auto& s : out)
    if (s.symbol_index < slice.n_symbols) covered[s.symbol_index] = 1;
  for (uint32_t i = 0; i < slice.n_symbols; ++i) {
    if (covered[i] || (slice.has_bar && !slice.has_bar[i])) continue;
    ah_signal hold;
    std::memset(&hold, 0, sizeof hold);
    hold.ts_ms = slice.ts_ms;
    hold.symbol_index = i;
    hold.action = AH_HOLD;
    out.push_back(hold);
  }
  return Status::Ok();
}

Status PythonInstance::slice_signals(const ah_slice& slice, std::vector<ah_signal>& out) {
  out.clear();
  if (failed()) return failure();
  GilLock gil;
  if (vectorized_) return vectorized_slice(slice, out);
  if (per_bar_ && slice.n_symbols == 1) {
    if (!slice.has_bar[0]) return Status::Ok();
    PyObject* bar = make_bar(rt_.sdk().bar_type, slice.bars[0]);
    PyObject* r = nullptr;
    if (bar) {
      CallTimeLimit limit;
      r = PyObject_CallOneArg(on_bar_, bar);
    }
    Py_XDECREF(bar);
    if (!r) return call_failed("on_bar", slice.ts_ms);
    if (r == Py_None) {
      Py_DECREF(r);
      call_succeeded();
      return Status::Ok();
    }
    ah_signal sig;
    std::string p = to_signal(r, &slice, slice.ts_ms, sig);
    Py_DECREF(r);
    if (!p.empty()) return call_failed("on_bar", slice.ts_ms, "on_bar " + p);
    out.push_back(sig);
    call_succeeded();
    return Status::Ok();
  }
  PyObject* sl = make_slice(slice);
  PyObject* r = nullptr;
  if (sl) {
    CallTimeLimit limit;
    r = PyObject_CallOneArg(on_slice_, sl);
  }
  Py_XDECREF(sl);
  if (!r) return call_failed("on_slice", slice.ts_ms);
  std::string p = to_signals(r, slice, out);
  Py_DECREF(r);
  if (!p.empty()) return call_failed("on_slice", slice.ts_ms, p);
  call_succeeded();
  return Status::Ok();
}

Status PythonInstance::on_batch(const ah_series& series, ah_signal* out, uint64_t* done) {
  uint64_t local = 0;
  uint64_t& i = done ? *done : local;
  i = 0;
  if (failed()) return failure();
  if (config_.multi_symbol) return Status::Unsupported(config_.label + ": needs several symbols at once");
  GilLock gil;
  if (vectorized_) {
    // Holds everywhere, then the actionable signals where the strategy put them.
    for (uint64_t k = 0; k < series.n; ++k) {
      std::memset(&out[k], 0, sizeof(ah_signal));
      out[k].ts_ms = series.ts_ms[k];
    }
    std::vector<IndexedSignal> actionable;
    Status st = vectorized_part(series, actionable);
    if (!st.ok()) return st;
    for (const auto& a : actionable) out[a.index] = a.signal;
    i = series.n;
    return Status::Ok();
  }
  const char* sym[1] = {series.symbol};
  const uint8_t has[1] = {1};
  for (; i < series.n; ++i) {
    ah_signal& sig = out[i];
    std::memset(&sig, 0, sizeof sig);
    sig.ts_ms = series.ts_ms[i];
    const ah_bar b{series.ts_ms[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]};
    const double carry = series.carry ? series.carry[i] : 0.0;
    const ah_slice one{b.ts_ms, 1, sym, &b, has, series.carry ? &carry : nullptr};
    PyObject* r;
    if (per_bar_) {
      PyObject* bar = make_bar(rt_.sdk().bar_type, b);
      CallTimeLimit limit;
      r = bar ? PyObject_CallOneArg(on_bar_, bar) : nullptr;
      Py_XDECREF(bar);
    } else {
      PyObject* sl = make_slice(one);
      CallTimeLimit limit;
      r = sl ? PyObject_CallOneArg(on_slice_, sl) : nullptr;
      Py_XDECREF(sl);
    }
    const char* call = per_bar_ ? "on_bar" : "on_slice";
    if (!r) {
      Status st = call_failed(call, b.ts_ms);
      if (!st.ok()) return st;
      continue;
    }
    std::string p;
    if (r != Py_None) {
      if (per_bar_) {
        p = to_signal(r, &one, b.ts_ms, sig);
        if (!p.empty()) p = std::string("on_bar ") + p;
      } else {
        std::vector<ah_signal> sigs;
        p = to_signals(r, one, sigs);
        if (p.empty() && sigs.size() > 1) p = "on_slice returned " + std::to_string(sigs.size()) +
                                              " signals for one symbol's bar; expected at most one";
        if (p.empty() && !sigs.empty()) sig = sigs[0];
      }
    }
    Py_DECREF(r);
    if (!p.empty()) {
      std::memset(&sig, 0, sizeof sig);
      sig.ts_ms = b.ts_ms;
      Status st = call_failed(call, b.ts_ms, p);
      if (!st.ok()) return st;
      continue;
    }
    call_succeeded();
  }
  return Status::Ok();
}

Status PythonInstance::state_unsupported(const char* call) const {
  if (vectorized_)
    return Status::Unsupported(config_.label + ": " + call +
                               " is not supported: a vectorized strategy's state is its lookback window (warm it up "
                               "on those bars)");
  return Status::Unsupported(config_.label + ": " + call + " is not supported: the strategy does not define it");
}

Result<std::string> PythonInstance::export_state() {
  if (failed()) return failure();
  if (vectorized_ || !exports_state_) return state_unsupported("export_state");
  return python::export_state(plugin_object(), obj_);
}

Status PythonInstance::import_state(std::string_view state) {
  if (failed()) return failure();
  if (vectorized_ || !imports_state_) return state_unsupported("import_state");
  return python::import_state(plugin_object(), obj_, state);
}

Status PythonInstance::import_state_from(std::string_view state, const std::string& from_version) {
  if (failed()) return failure();
  if (vectorized_ || !imports_state_) return state_unsupported("import_state");
  return python::import_state(plugin_object(), obj_, state, import_takes_version_ ? &from_version : nullptr);
}

}  // namespace algohost::python
