// algohost::sdk::StateWriter / StateReader — a small text format for export_state/import_state.
//
// A strategy's state is a list of named numeric fields, one per line: `name=v1,v2,...`.
// Doubles are written with 17 significant digits, so a round trip is exact. The reader throws
// std::invalid_argument naming the field when a field is missing or malformed; the export shim
// turns that into import_state()'s error. Field order does not matter; unknown fields are kept
// and ignored, so a newer version may add fields and still read an older version's state.
#ifndef ALGOHOST_STATE_HPP_
#define ALGOHOST_STATE_HPP_

#include <charconv>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace algohost::sdk {

class StateWriter {
 public:
  StateWriter& put(std::string_view name, double value) { return put(name, &value, 1); }

  StateWriter& put(std::string_view name, const std::vector<double>& values) {
    return put(name, values.data(), values.size());
  }

  StateWriter& put(std::string_view name, const double* values, size_t n) {
    out_.append(name).push_back('=');
    char buf[32];
    for (size_t k = 0; k < n; ++k) {
      if (k) out_.push_back(',');
      auto r = std::to_chars(buf, buf + sizeof buf, values[k], std::chars_format::general, 17);
      out_.append(buf, r.ptr);
    }
    out_.push_back('\n');
    return *this;
  }

  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      if (line.empty()) continue;
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) throw std::invalid_argument("state: line without '='");
      std::string name(line.substr(0, eq));
      std::vector<double> values;
      std::string_view rest = line.substr(eq + 1);
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view tok = rest.substr(0, comma);
        double d = 0;
        auto r = std::from_chars(tok.data(), tok.data() + tok.size(), d);
        if (r.ec != std::errc() || r.ptr != tok.data() + tok.size())
          throw std::invalid_argument("state: field '" + name + "' has a malformed number");
        values.push_back(d);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
      fields_[name] = std::move(values);
    }
  }

  // True when the state has a field of this name (a newer version's reader can default fields
  // that an older version did not write).
  bool has(const std::string& name) const { return fields_.count(name) != 0; }

  double get(const std::string& name) const {
    const auto& v = values(name);
    if (v.size() != 1) throw std::invalid_argument("state: field '" + name + "' is not a scalar");
    return v[0];
  }

  const std::vector<double>& values(const std::string& name) const {
    auto it = fields_.find(name);
    if (it == fields_.end()) throw std::invalid_argument("state: field '" + name + "' is missing");
    return it->second;
  }

 private:
  std::map<std::string, std::vector<double>> fields_;
};

}  // namespace algohost::sdk

#endif  // ALGOHOST_STATE_HPP_
