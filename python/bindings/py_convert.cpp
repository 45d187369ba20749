// algohost_registry: Python <-> catalog conversions (see py_convert.h).
#include "python/bindings/py_convert.h"

#include <cmath>
#include <functional>
#include <utility>

namespace py = pybind11;

namespace algohost::pybind {

using catalog::Json;
using catalog::TradeRecord;

namespace {

constexpr int kMaxDepth = 200;

std::string type_name(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }

py::object decode(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

std::string utf8(py::handle str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (!data) throw py::error_already_set();  // UnicodeEncodeError (a ValueError) for lone surrogates
  return std::string(data, static_cast<size_t>(size));
}

Json to_json_at(py::handle o, const std::string& what, int depth) {
  if (depth > kMaxDepth) throw py::value_error(what + ": nested too deeply (or it contains itself)");
  PyObject* p = o.ptr();
  if (p == Py_None) return nullptr;
  if (PyBool_Check(p)) return p == Py_True;
  if (PyLong_Check(p) || (!PyFloat_Check(p) && PyIndex_Check(p))) {  // int, or an integer-like such as numpy.int64
    py::object as_int = py::reinterpret_steal<py::object>(PyNumber_Index(p));
    if (!as_int) throw py::error_already_set();
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(as_int.ptr(), &overflow);
    if (overflow == 0) {
      if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
      return static_cast<int64_t>(v);
    }
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(as_int.ptr());
      if (!PyErr_Occurred()) return static_cast<uint64_t>(u);
      PyErr_Clear();
    }
    throw py::value_error(what + ": integer outside the 64-bit range");
  }
  if (PyFloat_Check(p)) {
    const double d = PyFloat_AsDouble(p);
    if (!std::isfinite(d)) throw py::value_error(what + ": NaN and infinity have no JSON form");
    return d;
  }
  if (PyUnicode_Check(p)) return utf8(o);
  if (PyDict_Check(p)) {
    Json out = Json::object();
    PyObject *key = nullptr, *value = nullptr;
    Py_ssize_t pos = 0;
    while (PyDict_Next(p, &pos, &key, &value)) {
      if (!PyUnicode_Check(key))
        throw py::type_error(what + ": dictionary keys must be str, got " + type_name(key));
      std::string k = utf8(key);
      out[k] = to_json_at(value, what + "." + k, depth + 1);
    }
    return out;
  }
  if (PyList_Check(p) || PyTuple_Check(p)) {
    Json out = Json::array();
    py::sequence seq = py::reinterpret_borrow<py::sequence>(o);
    const size_t n = seq.size();
    for (size_t i = 0; i < n; ++i) out.push_back(to_json_at(seq[i], what + "[" + std::to_string(i) + "]", depth + 1));
    return out;
  }
  throw py::type_error(what + ": " + type_name(o) +
                       " has no JSON form (use None, bool, int, float, str, list, tuple or dict)");
}

// ---- TradeRecord fields ------------------------------------------------------------------------

using Setter = std::function<void(TradeRecord&, py::handle, const std::string&)>;

bool is_number(py::handle v) { return !PyBool_Check(v.ptr()) && (PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr())); }

Setter text(std::string TradeRecord::*m) {
  return [m](TradeRecord& t, py::handle v, const std::string& what) {
    if (!PyUnicode_Check(v.ptr())) throw py::type_error(what + ": expected str, got " + type_name(v));
    t.*m = utf8(v);
  };
}
Setter opt_text(std::optional<std::string> TradeRecord::*m) {
  return [m](TradeRecord& t, py::handle v, const std::string& what) {
    if (v.is_none()) return void(t.*m = std::nullopt);
    if (!PyUnicode_Check(v.ptr())) throw py::type_error(what + ": expected str or None, got " + type_name(v));
    t.*m = utf8(v);
  };
}
Setter number(double TradeRecord::*m) {
  return [m](TradeRecord& t, py::handle v, const std::string& what) {
    if (!is_number(v)) throw py::type_error(what + ": expected a number, got " + type_name(v));
    t.*m = PyFloat_AsDouble(v.ptr());
    if (PyErr_Occurred()) throw py::error_already_set();  // an int too large for a double
  };
}
Setter opt_number(std::optional<double> TradeRecord::*m) {
  return [m](TradeRecord& t, py::handle v, const std::string& what) {
    if (v.is_none()) return void(t.*m = std::nullopt);
    if (!is_number(v)) throw py::type_error(what + ": expected a number or None, got " + type_name(v));
    t.*m = PyFloat_AsDouble(v.ptr());
    if (PyErr_Occurred()) throw py::error_already_set();
  };
}
Setter timestamp(std::string TradeRecord::*m) {
  return [m](TradeRecord& t, py::handle v, const std::string& what) {
    if (!timestamp_text(v, t.*m))
      throw py::type_error(what + ": expected an ISO-8601 str, datetime or date, got " + type_name(v));
  };
}

const std::vector<std::pair<std::string, Setter>>& trade_fields() {
  static const std::vector<std::pair<std::string, Setter>> kFields = {
      {"strategy_id", text(&TradeRecord::strategy_id)},
      {"version_id", opt_text(&TradeRecord::version_id)},
      {"run_id", opt_text(&TradeRecord::run_id)},
      {"trade_id", opt_text(&TradeRecord::trade_id)},
      {"symbol", text(&TradeRecord::symbol)},
      {"timeframe", text(&TradeRecord::timeframe)},
      {"signal_action", text(&TradeRecord::signal_action)},
      {"signal_confidence", opt_number(&TradeRecord::signal_confidence)},
      {"entry_price", number(&TradeRecord::entry_price)},
      {"exit_price", number(&TradeRecord::exit_price)},
      {"quantity", number(&TradeRecord::quantity)},
      {"entry_timestamp", timestamp(&TradeRecord::entry_timestamp)},
      {"exit_timestamp", timestamp(&TradeRecord::exit_timestamp)},
      {"duration_seconds",
       [](TradeRecord& t, py::handle v, const std::string& what) {
         if (PyBool_Check(v.ptr()) || !PyLong_Check(v.ptr()))
           throw py::type_error(what + ": expected int, got " + type_name(v));
         const long long n = PyLong_AsLongLong(v.ptr());
         if (n == -1 && PyErr_Occurred()) throw py::error_already_set();  // OverflowError
         t.duration_seconds = n;
       }},
      {"pnl", number(&TradeRecord::pnl)},
      {"pnl_percentage", number(&TradeRecord::pnl_percentage)},
      {"max_adverse_excursion", opt_number(&TradeRecord::max_adverse_excursion)},
      {"max_favorable_excursion", opt_number(&TradeRecord::max_favorable_excursion)},
      {"stop_loss", opt_number(&TradeRecord::stop_loss)},
      {"take_profit", opt_number(&TradeRecord::take_profit)},
      {"was_mem_enhanced",
       [](TradeRecord& t, py::handle v, const std::string& what) {
         if (!PyBool_Check(v.ptr())) throw py::type_error(what + ": expected bool, got " + type_name(v));
         t.was_mem_enhanced = v.ptr() == Py_True;
       }},
      {"mem_confidence_boost", opt_number(&TradeRecord::mem_confidence_boost)},
      {"mem_reasoning", opt_text(&TradeRecord::mem_reasoning)},
      {"learned_pattern_applied", opt_text(&TradeRecord::learned_pattern_applied)},
      {"market_regime", opt_text(&TradeRecord::market_regime)},
      {"volatility", opt_number(&TradeRecord::volatility)},
      {"volume_ratio", opt_number(&TradeRecord::volume_ratio)},
      {"broker", text(&TradeRecord::broker)},
      {"slippage", number(&TradeRecord::slippage)},
      {"commission", number(&TradeRecord::commission)},
  };
  return kFields;
}

}  // namespace

bool timestamp_text(py::handle obj, std::string& out) {
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (!data) {
      PyErr_Clear();
      return false;
    }
    out.assign(data, static_cast<size_t>(size));
    return true;
  }
  try {
    py::module_ dt = py::module_::import("datetime");
    if (py::isinstance(obj, dt.attr("datetime"))) {
      py::object v = py::reinterpret_borrow<py::object>(obj);
      if (!v.attr("tzinfo").is_none())
        v = v.attr("astimezone")(dt.attr("timezone").attr("utc")).attr("replace")(py::arg("tzinfo") = py::none());
      out = v.attr("isoformat")(py::arg("timespec") = "milliseconds").cast<std::string>() + "Z";
      return true;
    }
    if (py::isinstance(obj, dt.attr("date"))) {
      out = obj.attr("isoformat")().cast<std::string>();
      return true;
    }
  } catch (const py::error_already_set&) {
    // e.g. a datetime whose tzinfo fails: not a usable timestamp
  }
  return false;
}

py::object to_py(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded: return py::none();
    case Json::value_t::boolean: return py::bool_(j.get<bool>());
    case Json::value_t::number_integer: return py::int_(j.get<int64_t>());
    case Json::value_t::number_unsigned: return py::int_(j.get<uint64_t>());
    case Json::value_t::number_float: return py::float_(j.get<double>());
    case Json::value_t::string: return decode(j.get_ref<const std::string&>());
    case Json::value_t::binary: {
      const auto& b = j.get_binary();
      return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case Json::value_t::array: {
      py::list out;
      for (const auto& e : j) out.append(to_py(e));
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[decode(k)] = to_py(v);
      return out;
    }
  }
  return py::none();
}

Json to_json(py::handle obj, const std::string& what) { return to_json_at(obj, what, 0); }

TradeRecord trade_from_py(py::handle trade, const std::string& what) {
  if (!PyDict_Check(trade.ptr())) throw py::type_error(what + ": expected a dict of trade fields, got " + type_name(trade));
  TradeRecord t;
  PyObject *key = nullptr, *value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(trade.ptr(), &pos, &key, &value)) {
    if (!PyUnicode_Check(key)) throw py::type_error(what + ": field names must be str, got " + type_name(key));
    const std::string name = utf8(key);
    const Setter* setter = nullptr;
    for (const auto& [field, set] : trade_fields())
      if (field == name) setter = &set;
    if (!setter) {
      std::string known;
      for (const auto& f : trade_fields()) known += (known.empty() ? "" : ", ") + f.first;
      throw py::type_error(what + ": unknown field '" + name + "' (known: " + known + ")");
    }
    (*setter)(t, value, what + "." + name);
  }
  return t;
}

std::optional<std::string> opt_text(const std::optional<Text>& t) {
  return t ? std::optional<std::string>(t->value) : std::nullopt;
}

std::vector<std::string> text_list(const std::optional<TextOrList>& v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (const Text* one = std::get_if<Text>(&*v)) {
    out.push_back(one->value);
  } else {
    for (const Text& t : std::get<std::vector<Text>>(*v)) out.push_back(t.value);
  }
  return out;
}

}  // namespace algohost::pybind
