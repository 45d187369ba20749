// algohost_registry: conversions between Python values and the catalog's types.
//
//   Text       a Python str (never bytes or anything else), held as UTF-8; shows as `str`
//   Timestamp  a str (ISO-8601), datetime.datetime or datetime.date, held as ISO-8601 UTC text
//   to_py      nlohmann JSON -> dict / list / str / int / float / bool / None (recursive, no text)
//   to_json    the reverse; anything else raises TypeError naming the argument
//   trade_from_py  a dict of TradeRecord fields -> TradeRecord
//
// Every function here needs the GIL.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "registry/catalog/types.h"

namespace algohost::pybind {

struct Text {
  std::string value;
};

struct Timestamp {
  std::string value;
};

using TextOrList = std::variant<Text, std::vector<Text>>;

// ISO-8601 text for a str, a datetime (aware ones converted to UTC, naive ones taken as UTC; written
// "YYYY-MM-DDTHH:MM:SS.mmmZ") or a date ("YYYY-MM-DD"). Returns false for any other type.
bool timestamp_text(pybind11::handle obj, std::string& out);

pybind11::object to_py(const catalog::Json& j);

// `what` names the argument in error messages ("metadata", "value", "trade.symbol").
// TypeError for a type with no JSON form or a non-str dict key; ValueError for NaN or infinity, an
// integer outside 64 bits, or nesting deeper than 200 levels (which also catches a list that
// contains itself).
catalog::Json to_json(pybind11::handle obj, const std::string& what);

// Fields as TradeRecord names them (strategy_id takes an id or a name). TypeError for an unknown
// field or a value of the wrong type; the catalog checks the values.
catalog::TradeRecord trade_from_py(pybind11::handle trade, const std::string& what);

std::optional<std::string> opt_text(const std::optional<Text>& t);
// A str is one item, a list is many, None is none.
std::vector<std::string> text_list(const std::optional<TextOrList>& v);

}  // namespace algohost::pybind

namespace pybind11::detail {

template <>
struct type_caster<algohost::pybind::Text> {
  PYBIND11_TYPE_CASTER(algohost::pybind::Text, const_name("str"));
  bool load(handle src, bool) {
    if (!src || !PyUnicode_Check(src.ptr())) return false;
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(src.ptr(), &size);
    if (!data) {  // lone surrogates: not encodable, so not acceptable text
      PyErr_Clear();
      return false;
    }
    value.value.assign(data, static_cast<size_t>(size));
    return true;
  }
  static handle cast(const algohost::pybind::Text& t, return_value_policy, handle) {
    return PyUnicode_DecodeUTF8(t.value.data(), static_cast<Py_ssize_t>(t.value.size()), "replace");
  }
};

template <>
struct type_caster<algohost::pybind::Timestamp> {
  PYBIND11_TYPE_CASTER(algohost::pybind::Timestamp, const_name("Union[str, datetime.datetime, datetime.date]"));
  bool load(handle src, bool) { return src && algohost::pybind::timestamp_text(src, value.value); }
  static handle cast(const algohost::pybind::Timestamp& t, return_value_policy, handle) {
    return PyUnicode_DecodeUTF8(t.value.data(), static_cast<Py_ssize_t>(t.value.size()), "replace");
  }
};

}  // namespace pybind11::detail
