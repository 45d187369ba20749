// The calls a Python strategy and a Python enhancer have in common, on the plugin's object:
// constructing it from the resolved parameters (`cls(algohost.Params(json))`) and carrying its
// state out and in (export_state() -> bytes, str or a JSON value; import_state(bytes)). Errors are
// PluginErrors naming the plugin (`label`) and, for Python exceptions, "file:line: Type: message"
// with places inside `plugin_dir` preferred; a state call that raises NotImplementedError is
// Unsupported. Each takes the GIL itself.
#pragma once

#include <Python.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include <algohost/strategy_api.h>

#include "host/python/python_runtime.h"

namespace algohost::python {

struct PluginObject {
  PythonRuntime& rt;
  std::string label;                 // "name@version"
  std::filesystem::path plugin_dir;  // the plugin's own code, for error places
};

// A new reference to cls(Params(params_json)); PluginError "<label>: creating the <what> failed: ...".
Result<PyObject*> construct(const PluginObject& p, PyObject* cls, const std::string& params_json, const char* what);

// obj.export_state() as bytes ("" for None).
Result<std::string> export_state(const PluginObject& p, PyObject* obj);

// obj.import_state(state as bytes), or obj.import_state(state, from_version=...) when
// `from_version` is given.
Status import_state(const PluginObject& p, PyObject* obj, std::string_view state,
                    const std::string* from_version = nullptr);

// A new reference to an instance of the named-tuple class `type` (a tuple subclass without slots,
// as the SDK's Bar, MarketContext, EnhanceContext and TradeOutcome are) holding `items`, made as
// CPython makes tuple subclasses, without running Python code. Steals the items; nullptr (with
// the items released) when any of them is nullptr or allocation fails.
PyObject* make_named_tuple(PyObject* type, std::initializer_list<PyObject*> items);

// A new reference to algohost.Bar (`bar_type`) for `b`.
PyObject* make_bar(PyObject* bar_type, const ah_bar& b);

}  // namespace algohost::python
