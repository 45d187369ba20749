// How the serve config and bar parsers name JSON values in their errors: a value's kind ("a
// string", "an array", ...) and a number's shortest text that reads back as itself ("2", "0.05").
#pragma once

#include <charconv>
#include <string>

#include <nlohmann/json.hpp>

namespace algohost::live {

inline std::string json_type_of(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

inline std::string number_text(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

}  // namespace algohost::live
