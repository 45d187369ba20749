// Cross-parameter constraints ("fast < slow") and the one check of a complete parameter set
// (declarations and contracts in manifest.h; the format in docs/manifest.md).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <regex>

#include "registry/manifest/manifest.h"

namespace algohost {

const char* compare_op_text(CompareOp op) {
  switch (op) {
    case CompareOp::kLess: return "<";
    case CompareOp::kLessEqual: return "<=";
    case CompareOp::kGreater: return ">";
    case CompareOp::kGreaterEqual: return ">=";
    case CompareOp::kEqual: return "==";
    case CompareOp::kNotEqual: return "!=";
  }
  return "?";
}

namespace {

std::optional<CompareOp> parse_op(const std::string& s) {
  if (s == "<") return CompareOp::kLess;
  if (s == "<=") return CompareOp::kLessEqual;
  if (s == ">") return CompareOp::kGreater;
  if (s == ">=") return CompareOp::kGreaterEqual;
  if (s == "==") return CompareOp::kEqual;
  if (s == "!=") return CompareOp::kNotEqual;
  return std::nullopt;
}

bool is_numeric(ParamType t) { return t == ParamType::kInteger || t == ParamType::kFloat; }

bool ordering(CompareOp op) { return op != CompareOp::kEqual && op != CompareOp::kNotEqual; }

const ParamSpec* find_spec(const std::vector<ParamSpec>& specs, const std::string& name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

// The value of one side: the parameter's value in `values` (its default when absent), or the number.
OrderedJson operand_value(const ConstraintOperand& o, const std::vector<ParamSpec>& specs, const OrderedJson& values) {
  if (o.parameter.empty()) return OrderedJson(o.number);
  if (values.is_object()) {
    auto it = values.find(o.parameter);
    if (it != values.end()) return *it;
  }
  const ParamSpec* spec = find_spec(specs, o.parameter);
  return spec ? spec->default_value : OrderedJson(nullptr);
}

template <class T>
bool compare(const T& a, CompareOp op, const T& b) {
  switch (op) {
    case CompareOp::kLess: return a < b;
    case CompareOp::kLessEqual: return a <= b;
    case CompareOp::kGreater: return a > b;
    case CompareOp::kGreaterEqual: return a >= b;
    case CompareOp::kEqual: return a == b;
    case CompareOp::kNotEqual: return a != b;
  }
  return false;
}

bool holds(const OrderedJson& a, CompareOp op, const OrderedJson& b) {
  if (a.is_number() && b.is_number()) return compare(a.get<double>(), op, b.get<double>());
  if (ordering(op)) return false;  // types were checked when the manifest was read
  return compare(a, op, b);
}

// "stop_z = 2.0, entry_z = 2.0": the parameters of a constraint with their values.
std::string values_text(const ParamConstraint& c, const std::vector<ParamSpec>& specs, const OrderedJson& values) {
  std::string out;
  for (const ConstraintOperand* o : {&c.left, &c.right}) {
    if (o->parameter.empty()) continue;
    if (!out.empty()) out += ", ";
    out += o->parameter + " = " + operand_value(*o, specs, values).dump();
  }
  return out;
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<ParamConstraint> parse_constraints(const OrderedJson& constraints, const std::vector<ParamSpec>& specs,
                                               const std::vector<std::string>& declared,
                                               std::vector<ManifestIssue>& issues) {
  std::vector<ParamConstraint> out;
  auto error = [&](const std::string& path, const std::string& message) { issues.push_back({path, message, false}); };
  if (!constraints.is_array()) {
    error("constraints", "expected an array of strings such as \"fast < slow\"");
    return out;
  }
  static const std::regex kForm(
      R"(^\s*([A-Za-z_][A-Za-z0-9_]*|[-+]?[0-9][0-9.eE+-]*)\s*(<=|>=|==|!=|<|>)\s*([A-Za-z_][A-Za-z0-9_]*|[-+]?[0-9][0-9.eE+-]*)\s*$)");
  for (size_t i = 0; i < constraints.size(); ++i) {
    const std::string path = "constraints[" + std::to_string(i) + "]";
    const OrderedJson& item = constraints[i];
    if (!item.is_string()) {
      error(path, "expected a string such as \"fast < slow\"");
      continue;
    }
    const std::string text = item.get<std::string>();
    std::smatch m;
    if (!std::regex_match(text, m, kForm)) {
      error(path, "'" + text + "' is not PARAMETER OP PARAMETER or PARAMETER OP NUMBER (OP: <, <=, >, >=, ==, !=)");
      continue;
    }
    ParamConstraint c;
    c.op = *parse_op(m[2]);
    c.text = std::string(m[1]) + " " + std::string(m[2]) + " " + std::string(m[3]);
    bool ok = true;
    const ParamSpec* side_spec[2] = {nullptr, nullptr};
    ConstraintOperand* sides[2] = {&c.left, &c.right};
    for (int k = 0; k < 2; ++k) {
      const std::string token = m[k == 0 ? 1 : 3];
      const bool name = std::isalpha(static_cast<unsigned char>(token[0])) || token[0] == '_';
      if (name) {
        sides[k]->parameter = token;
        side_spec[k] = find_spec(specs, token);
        if (!side_spec[k]) {
          // A declared parameter whose spec is invalid is reported at the parameter already.
          if (std::find(declared.begin(), declared.end(), token) == declared.end())
            error(path, "unknown parameter '" + token + "'" + (declared.empty() ? "" : " (parameters: " + list(declared) + ")"));
          ok = false;
        }
        continue;
      }
      double v = 0;
      auto r = std::from_chars(token.data() + (token[0] == '+' ? 1 : 0), token.data() + token.size(), v);
      if (r.ec != std::errc() || r.ptr != token.data() + token.size() || !std::isfinite(v)) {
        error(path, "'" + token + "' is not a number");
        ok = false;
      }
      sides[k]->number = v;
    }
    if (!ok) continue;
    if (c.left.parameter.empty() && c.right.parameter.empty()) {
      error(path, "'" + c.text + "' compares two numbers; name at least one parameter");
      continue;
    }
    for (int k = 0; k < 2; ++k) {
      const ParamSpec* s = side_spec[k];
      if (!s || is_numeric(s->type)) continue;
      const ParamSpec* other = side_spec[1 - k];
      if (ordering(c.op)) {
        error(path, std::string("'") + compare_op_text(c.op) + "' compares numbers; '" + s->name + "' is a " +
                        param_type_name(s->type) + " parameter");
        ok = false;
      } else if (!other || other->type != s->type) {
        error(path, "'" + s->name + "' is a " + param_type_name(s->type) + " parameter; compare it with another " +
                        param_type_name(s->type) + " parameter");
        ok = false;
      }
      break;
    }
    if (!ok) continue;
    // The defaults must satisfy every constraint: a manifest whose defaults cannot run is invalid.
    if (!holds(operand_value(c.left, specs, OrderedJson::object()), c.op,
               operand_value(c.right, specs, OrderedJson::object()))) {
      error(path, "the defaults break '" + c.text + "': " + values_text(c, specs, OrderedJson::object()));
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

Status check_parameter_set(const std::string& strategy, const std::vector<ParamSpec>& specs,
                           const std::vector<ParamConstraint>& constraints, const OrderedJson& values) {
  for (const auto& spec : specs) {
    if (!values.is_object() || !values.contains(spec.name)) continue;  // the default, checked with the manifest
    if (std::string problem = check_parameter_value(spec, values[spec.name]); !problem.empty())
      return Status::InvalidArgument(strategy + ": parameter '" + spec.name + "': " + problem);
  }
  for (const auto& c : constraints) {
    if (!holds(operand_value(c.left, specs, values), c.op, operand_value(c.right, specs, values)))
      return Status::InvalidArgument(strategy + ": constraint " + c.text + " fails: " + values_text(c, specs, values));
  }
  return Status::Ok();
}

Status check_parameter_set(const Manifest& m, const OrderedJson& values) {
  return check_parameter_set(m.name, m.parameters, m.constraints, values);
}

}  // namespace algohost
