// algohost::sdk::Params — typed access to the parameters JSON the host passes to create().
//
// The host sends a flat JSON object (every manifest parameter, already validated and defaulted):
//   {"period": 14, "overbought": 70.0, "mode": "session", "use_bands": true}
// Params parses that object with the standard library only (the SDK depends on nothing else) and
// hands out typed values. Nested objects and arrays are rejected: parameters are scalars.
// A missing key or a value of the wrong type throws std::invalid_argument naming the parameter;
// the export shim turns that into create()'s error text.
#ifndef ALGOHOST_PARAMS_HPP_
#define ALGOHOST_PARAMS_HPP_

#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace algohost::sdk {

class Params {
 public:
  using Value = std::variant<std::monostate, bool, double, std::string>;

  Params() = default;

  // Parses a flat JSON object; throws std::invalid_argument with the byte offset on bad input.
  static Params parse(std::string_view json) {
    Params p;
    Parser parser{json, 0};
    parser.parse_object(p.values_);
    return p;
  }

  bool has(const std::string& name) const { return values_.count(name) != 0; }

  double get_double(const std::string& name) const {
    const Value& v = at(name);
    if (const double* d = std::get_if<double>(&v)) return *d;
    throw std::invalid_argument("parameter '" + name + "': expected a number");
  }
  double get_double(const std::string& name, double fallback) const {
    return has(name) ? get_double(name) : fallback;
  }

  long long get_int(const std::string& name) const {
    double d = get_double(name);
    if (std::floor(d) != d) throw std::invalid_argument("parameter '" + name + "': expected an integer");
    if (!(d >= -9.2e18 && d <= 9.2e18)) throw std::invalid_argument("parameter '" + name + "': integer out of range");
    return static_cast<long long>(d);
  }
  long long get_int(const std::string& name, long long fallback) const {
    return has(name) ? get_int(name) : fallback;
  }

  bool get_bool(const std::string& name) const {
    const Value& v = at(name);
    if (const bool* b = std::get_if<bool>(&v)) return *b;
    throw std::invalid_argument("parameter '" + name + "': expected true or false");
  }
  bool get_bool(const std::string& name, bool fallback) const {
    return has(name) ? get_bool(name) : fallback;
  }

  std::string get_string(const std::string& name) const {
    const Value& v = at(name);
    if (const std::string* s = std::get_if<std::string>(&v)) return *s;
    throw std::invalid_argument("parameter '" + name + "': expected a string");
  }
  std::string get_string(const std::string& name, const std::string& fallback) const {
    return has(name) ? get_string(name) : fallback;
  }

  const std::map<std::string, Value>& values() const { return values_; }

 private:
  const Value& at(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::invalid_argument("parameter '" + name + "' is missing");
    return it->second;
  }

  struct Parser {
    std::string_view s;
    size_t i;

    [[noreturn]] void fail(const char* what) const {
      throw std::invalid_argument(std::string("parameters JSON: ") + what + " at offset " +
                                  std::to_string(i));
    }
    void ws() {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
    }
    bool eat(char c) {
      ws();
      if (i < s.size() && s[i] == c) {
        ++i;
        return true;
      }
      return false;
    }
    std::string parse_string() {
      if (!eat('"')) fail("expected a string");
      std::string out;
      while (i < s.size() && s[i] != '"') {
        char c = s[i++];
        if (c == '\\') {
          if (i >= s.size()) fail("unterminated escape");
          char e = s[i++];
          switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {  // keep \uXXXX for ASCII only; parameters are plain identifiers/values
              if (i + 4 > s.size()) fail("bad \\u escape");
              unsigned cp = 0;
              auto r = std::from_chars(s.data() + i, s.data() + i + 4, cp, 16);
              if (r.ec != std::errc() || r.ptr != s.data() + i + 4) fail("bad \\u escape");
              i += 4;
              out += cp < 0x80 ? static_cast<char>(cp) : '?';
              break;
            }
            default: out += e;
          }
        } else {
          out += c;
        }
      }
      if (i >= s.size()) fail("unterminated string");
      ++i;
      return out;
    }
    Value parse_value() {
      ws();
      if (i >= s.size()) fail("expected a value");
      char c = s[i];
      if (c == '"') return parse_string();
      if (s.substr(i, 4) == "true") { i += 4; return true; }
      if (s.substr(i, 5) == "false") { i += 5; return false; }
      if (s.substr(i, 4) == "null") { i += 4; return std::monostate{}; }
      if (c == '{' || c == '[') fail("nested objects and arrays are not parameters");
      double d = 0;
      auto r = std::from_chars(s.data() + i, s.data() + s.size(), d);
      if (r.ec != std::errc() || !std::isfinite(d)) fail("expected a finite number");
      i = static_cast<size_t>(r.ptr - s.data());
      return d;
    }
    void parse_object(std::map<std::string, Value>& out) {
      if (!eat('{')) fail("expected '{'");
      if (eat('}')) return finish();
      do {
        ws();
        std::string key = parse_string();
        if (!eat(':')) fail("expected ':'");
        out[key] = parse_value();
      } while (eat(','));
      if (!eat('}')) fail("expected ',' or '}'");
      finish();
    }
    void finish() {
      ws();
      if (i != s.size()) fail("trailing characters");
    }
  };

  std::map<std::string, Value> values_;
};

}  // namespace algohost::sdk

#endif  // ALGOHOST_PARAMS_HPP_
