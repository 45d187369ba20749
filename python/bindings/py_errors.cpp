// algohost_registry: StatusCode -> Python exception classes (see py_errors.h).
#include "python/bindings/py_errors.h"

namespace py = pybind11;

namespace algohost::pybind {

namespace {

// The classes live as long as the process (an extension module is never unloaded), so these
// references are kept on purpose.
PyObject* g_registry_error = nullptr;
PyObject* g_not_found = nullptr;
PyObject* g_invalid_argument = nullptr;
PyObject* g_already_exists = nullptr;
PyObject* g_failed_precondition = nullptr;

PyObject* make_class(py::module_& m, const char* name, const char* doc, PyObject* bases) {
  const std::string qualified = std::string("algohost_registry.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

void register_exceptions(py::module_& m) {
  g_registry_error = make_class(
      m, "RegistryError",
      "A catalog operation failed. The message names what was asked and why; ``code`` holds the\n"
      "status code name (``not_found``, ``invalid_argument``, ``io_error``, ...).",
      PyExc_Exception);
  const py::tuple lookup = py::make_tuple(py::handle(g_registry_error), py::handle(PyExc_LookupError));
  g_not_found = make_class(m, "NotFoundError",
                           "An unknown strategy, version, run or parameter (also a LookupError).", lookup.ptr());
  const py::tuple value = py::make_tuple(py::handle(g_registry_error), py::handle(PyExc_ValueError));
  g_invalid_argument = make_class(
      m, "InvalidArgumentError",
      "A value the catalog refuses: out of a parameter's range, not one of the allowed words, a bad\n"
      "timestamp or version (also a ValueError).",
      value.ptr());
  g_already_exists = make_class(
      m, "AlreadyExistsError",
      "The name is taken, the relationship exists, or the version is published with another artifact hash.",
      g_registry_error);
  g_failed_precondition = make_class(
      m, "FailedPreconditionError",
      "The catalog cannot do this now: a newer schema, or the Registry is closed.",
      g_registry_error);
}

void raise_status(const Status& st) {
  PyObject* type = g_registry_error;
  switch (st.code()) {
    case StatusCode::kNotFound: type = g_not_found; break;
    case StatusCode::kInvalidArgument: type = g_invalid_argument; break;
    case StatusCode::kAlreadyExists: type = g_already_exists; break;
    case StatusCode::kFailedPrecondition: type = g_failed_precondition; break;
    default: break;
  }
  const std::string& text = st.message();
  // "replace": a message quoting undecodable input still becomes a str.
  py::object message = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
  if (!message) throw py::error_already_set();
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallOneArg(type, message.ptr()));
  if (!exc) throw py::error_already_set();
  exc.attr("code") = py::str(status_code_name(st.code()));
  PyErr_SetObject(type, exc.ptr());
  throw py::error_already_set();
}

}  // namespace algohost::pybind
