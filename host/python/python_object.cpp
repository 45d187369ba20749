#include "host/python/python_object.h"

namespace algohost::python {

PyObject* make_named_tuple(PyObject* type, std::initializer_list<PyObject*> items) {
  auto* t = reinterpret_cast<PyTypeObject*>(type);
  PyObject* out = t->tp_alloc(t, static_cast<Py_ssize_t>(items.size()));
  bool ok = out != nullptr;
  for (PyObject* o : items) ok = ok && o != nullptr;
  if (!ok) {
    for (PyObject* o : items) Py_XDECREF(o);
    Py_XDECREF(out);
    return nullptr;
  }
  Py_ssize_t i = 0;
  for (PyObject* o : items) PyTuple_SET_ITEM(out, i++, o);
  return out;
}

PyObject* make_bar(PyObject* bar_type, const ah_bar& b) {
  return make_named_tuple(bar_type, {PyLong_FromLongLong(b.ts_ms), PyFloat_FromDouble(b.open),
                                     PyFloat_FromDouble(b.high), PyFloat_FromDouble(b.low),
                                     PyFloat_FromDouble(b.close), PyFloat_FromDouble(b.volume)});
}

Result<PyObject*> construct(const PluginObject& p, PyObject* cls, const std::string& params_json, const char* what) {
  GilLock gil;
  PyObject* text = PyUnicode_FromStringAndSize(params_json.data(), static_cast<Py_ssize_t>(params_json.size()));
  PyObject* params = text ? PyObject_CallOneArg(p.rt.sdk().params_type, text) : nullptr;
  Py_XDECREF(text);
  PyObject* obj = params ? PyObject_CallOneArg(cls, params) : nullptr;
  Py_XDECREF(params);
  if (!obj) return Status::PluginError(p.label + ": creating the " + what + " failed: " + p.rt.take_error(p.plugin_dir));
  return obj;
}

namespace {

// The status of a state call whose Python exception is pending: Unsupported for
// NotImplementedError, else PluginError. Needs the GIL.
Status state_call_error(const PluginObject& p, const char* call) {
  const bool unsupported = PyErr_ExceptionMatches(PyExc_NotImplementedError);
  std::string why = p.rt.take_error(p.plugin_dir);
  if (unsupported) return Status::Unsupported(p.label + ": " + call + " is not supported: " + why);
  return Status::PluginError(p.label + ": " + call + " failed: " + why);
}

}  // namespace

Result<std::string> export_state(const PluginObject& p, PyObject* obj) {
  GilLock gil;
  PyObject* r = PyObject_CallMethod(obj, "export_state", nullptr);
  if (!r) return state_call_error(p, "export_state");
  std::string out;
  if (r == Py_None) {
  } else if (PyBytes_Check(r)) {
    out.assign(PyBytes_AS_STRING(r), static_cast<size_t>(PyBytes_GET_SIZE(r)));
  } else {
    PyObject* text = PyUnicode_Check(r) ? Py_NewRef(r) : PyObject_CallOneArg(p.rt.sdk().json_dumps, r);
    Py_ssize_t len = 0;
    const char* s = text ? PyUnicode_AsUTF8AndSize(text, &len) : nullptr;
    if (!s) {
      Py_XDECREF(text);
      Py_DECREF(r);
      return Status::PluginError(p.label + ": export_state returned a value that is not bytes, str or JSON: " +
                                 p.rt.take_error(p.plugin_dir));
    }
    out.assign(s, static_cast<size_t>(len));
    Py_DECREF(text);
  }
  Py_DECREF(r);
  return out;
}

Status import_state(const PluginObject& p, PyObject* obj, std::string_view state, const std::string* from_version) {
  GilLock gil;
  PyObject* method = PyObject_GetAttrString(obj, "import_state");
  PyObject* data = PyBytes_FromStringAndSize(state.data(), static_cast<Py_ssize_t>(state.size()));
  PyObject* args = data ? PyTuple_Pack(1, data) : nullptr;
  PyObject* kwargs = nullptr;
  if (args && from_version) {
    kwargs = PyDict_New();
    PyObject* v = PyUnicode_FromStringAndSize(from_version->data(), static_cast<Py_ssize_t>(from_version->size()));
    if (!kwargs || !v || PyDict_SetItemString(kwargs, "from_version", v) != 0) Py_CLEAR(args);
    Py_XDECREF(v);
  }
  PyObject* r = method && args ? PyObject_Call(method, args, kwargs) : nullptr;
  for (PyObject* o : {method, data, args, kwargs}) Py_XDECREF(o);
  if (!r) return state_call_error(p, "import_state");
  Py_DECREF(r);
  return Status::Ok();
}

}  // namespace algohost::python
