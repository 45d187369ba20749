#include "registry/manifest/manifest.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace algohost {
namespace fs = std::filesystem;

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kInteger: return "integer";
    case ParamType::kFloat: return "float";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kString: return "string";
  }
  return "?";
}

const ParamSpec* Manifest::find_parameter(const std::string& n) const {
  for (const auto& p : parameters)
    if (p.name == n) return &p;
  return nullptr;
}

std::vector<ManifestIssue> ManifestReport::errors() const {
  std::vector<ManifestIssue> out;
  for (const auto& i : issues)
    if (!i.warning) out.push_back(i);
  return out;
}

std::vector<ManifestIssue> ManifestReport::warnings() const {
  std::vector<ManifestIssue> out;
  for (const auto& i : issues)
    if (i.warning) out.push_back(i);
  return out;
}

std::string ManifestReport::error_summary() const {
  std::string s = file.string() + ": ";
  bool first = true;
  for (const auto& i : issues) {
    if (i.warning) continue;
    if (!first) s += "; ";
    s += i.to_string();
    first = false;
  }
  return s;
}

namespace {

const std::set<std::string> kTopLevel = {
    "schema_version", "kind",          "name",         "display_name",       "version",
    "status",         "description",   "classification", "implementation",   "parameters",
    "academic_foundation", "performance", "mem_integration", "requirements", "risk_profile",
    "metadata", "constraints", "runtime",
    // The catalog's own fields in its metadata mirror (the seed's): read as information only.
    "id", "origin", "runnable", "versions"};

std::string type_of(const OrderedJson& v) {
  switch (v.type()) {
    case OrderedJson::value_t::null: return "null";
    case OrderedJson::value_t::boolean: return "a boolean";
    case OrderedJson::value_t::string: return "a string";
    case OrderedJson::value_t::array: return "an array";
    case OrderedJson::value_t::object: return "an object";
    default: return "a number";
  }
}

// Shortest text that reads back as `d` ("2", "0.05", "1e+06").
std::string number_text(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// Walks the document and collects issues; each accessor reports a wrong type at its path.
class Checker {
 public:
  explicit Checker(std::vector<ManifestIssue>& issues) : issues_(issues) {}

  void error(const std::string& path, const std::string& msg) { issues_.push_back({path, msg, false}); }
  void warn(const std::string& path, const std::string& msg) { issues_.push_back({path, msg, true}); }

  static std::string join(const std::string& base, const std::string& key) {
    return base.empty() ? key : base + "." + key;
  }

  const OrderedJson* field(const OrderedJson& obj, const std::string& base, const std::string& key,
                           bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) error(join(base, key), "required field is missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> str(const OrderedJson& obj, const std::string& base,
                                 const std::string& key, bool required) {
    const OrderedJson* v = field(obj, base, key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      error(join(base, key), "expected a string, got " + type_of(*v));
      return std::nullopt;
    }
    if (required && v->get<std::string>().empty()) {
      error(join(base, key), "must not be empty");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<std::string> one_of(const OrderedJson& obj, const std::string& base,
                                    const std::string& key, bool required,
                                    const std::vector<std::string>& allowed) {
    auto s = str(obj, base, key, required);
    if (s && std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      error(join(base, key), "'" + *s + "' is not one of: " + list);
      return std::nullopt;
    }
    return s;
  }

  std::optional<bool> boolean(const OrderedJson& obj, const std::string& base,
                              const std::string& key) {
    const OrderedJson* v = field(obj, base, key, false);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
      error(join(base, key), "expected a boolean, got " + type_of(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  std::optional<double> number(const OrderedJson& obj, const std::string& base,
                               const std::string& key, bool integer = false) {
    const OrderedJson* v = field(obj, base, key, false);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      error(join(base, key), std::string("expected ") + (integer ? "an integer" : "a number") +
                                 ", got " + type_of(*v));
      return std::nullopt;
    }
    double d = v->get<double>();
    if (integer && std::floor(d) != d) {
      error(join(base, key), "expected an integer, got " + v->dump());
      return std::nullopt;
    }
    return d;
  }

  std::vector<std::string> strings(const OrderedJson& obj, const std::string& base,
                                   const std::string& key) {
    std::vector<std::string> out;
    const OrderedJson* v = field(obj, base, key, false);
    if (!v) return out;
    if (!v->is_array()) {
      error(join(base, key), "expected an array of strings, got " + type_of(*v));
      return out;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        error(join(base, key) + "[" + std::to_string(i) + "]", "expected a string, got " + type_of((*v)[i]));
      else
        out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  const OrderedJson* object(const OrderedJson& obj, const std::string& base, const std::string& key,
                            bool required) {
    const OrderedJson* v = field(obj, base, key, required);
    if (!v) return nullptr;
    if (!v->is_object()) {
      error(join(base, key), "expected an object, got " + type_of(*v));
      return nullptr;
    }
    return v;
  }

 private:
  std::vector<ManifestIssue>& issues_;
};

std::optional<ParamType> parse_param_type(const std::string& s) {
  if (s == "integer" || s == "int") return ParamType::kInteger;
  if (s == "float" || s == "number" || s == "decimal" || s == "double") return ParamType::kFloat;
  if (s == "boolean" || s == "bool") return ParamType::kBoolean;
  if (s == "string") return ParamType::kString;
  return std::nullopt;
}

void check_parameters(Checker& c, const OrderedJson& params, Manifest& m) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string base = "parameters." + it.key();
    if (!it->is_object()) {
      c.error(base, "expected an object, got " + type_of(*it));
      continue;
    }
    static const std::regex kParamName("^[A-Za-z_][A-Za-z0-9_]{0,63}$");
    if (!std::regex_match(it.key(), kParamName))
      c.error(base, "parameter names are identifiers (letters, digits, '_')");
    const OrderedJson& p = *it;
    ParamSpec spec;
    spec.name = it.key();
    auto type_text = c.one_of(p, base, "type", true,
                              {"integer", "int", "float", "number", "decimal", "double", "boolean",
                               "bool", "string"});
    bool ok = type_text.has_value();
    if (ok) spec.type = *parse_param_type(*type_text);
    bool numeric = ok && (spec.type == ParamType::kInteger || spec.type == ParamType::kFloat);

    spec.min = c.number(p, base, "min");
    spec.max = c.number(p, base, "max");
    if ((spec.min || spec.max) && ok && !numeric)
      c.error(base, std::string("min and max apply to numbers, not to a ") + param_type_name(spec.type));
    if (spec.min && spec.max && *spec.min > *spec.max)
      c.error(base + ".min", "min (" + number_text(*spec.min) + ") is greater than max (" + number_text(*spec.max) + ")");
    spec.choices = c.strings(p, base, "choices");
    if (auto d = c.str(p, base, "description", false)) spec.description = *d;
    if (auto o = c.boolean(p, base, "optimizable")) spec.optimizable = *o;
    if (auto r = c.one_of(p, base, "mem_role", false, {"risk_scale", "stop_distance", "position_size"})) {
      spec.mem_role = *r;
      if (ok && !numeric) c.error(base + ".mem_role", std::string("a MEM role applies to numbers, not to a ") + param_type_name(spec.type));
    }

    // The default: "default", or the seed's "value".
    const OrderedJson* def = c.field(p, base, "default", false);
    std::string def_path = base + ".default";
    const OrderedJson* seed_value = c.field(p, base, "value", false);
    if (def && seed_value && *def != *seed_value)
      c.error(base, "'default' and 'value' disagree; give one");
    if (!def) {
      def = seed_value;
      def_path = base + ".value";
    }
    if (!def) {
      c.error(base + ".default", "required field is missing");
      ok = false;
    }
    if (ok) {
      spec.default_value = *def;
      std::string problem = check_parameter_value(spec, *def);
      if (!problem.empty()) {
        c.error(def_path, problem);
        ok = false;
      }
    }
    if (ok) m.parameters.push_back(std::move(spec));
  }
}

// The implementation block. For a plugin: language cpp or python, the artifact (`library` or
// `module`, or the seed's `file_path`), a Python class, sdk_api_version. For a metadata file every
// field is optional and language may also be "multi".
void check_implementation(Checker& c, const OrderedJson& impl, Manifest& m, ManifestUse use) {
  const std::string base = "implementation";
  const bool plugin = use == ManifestUse::kPlugin;
  std::optional<std::string> lang;
  if (plugin)
    lang = c.one_of(impl, base, "language", true, {"cpp", "python"});
  else if (auto l = c.str(impl, base, "language", false); l && !l->empty())
    lang = c.one_of(impl, base, "language", false, {"cpp", "python", "multi", "csharp"});
  if (lang && *lang == "csharp") lang = "cpp";  // the catalog's mapping: the seed's C# strategies are native ones
  if (lang) m.language = *lang;
  // The seed's file_path is the artifact when library/module is not given.
  auto file_path = c.str(impl, base, "file_path", false);
  if (file_path && file_path->empty()) file_path.reset();
  auto artifact = [&](const char* key) {
    auto v = c.str(impl, base, key, plugin && !file_path);
    if (v && !v->empty()) m.artifact = m.dir / *v;
    else if (file_path) m.artifact = m.dir / *file_path;
  };
  if (auto cls = c.str(impl, base, "class_name", false); cls && !cls->empty()) m.class_name = *cls;
  if (auto ep = c.str(impl, base, "entry_point", false)) m.entry_point = *ep;
  if (lang && *lang == "cpp") {
    artifact("library");
  } else if (lang && *lang == "python") {
    artifact("module");
    // The seed names the class in entry_point ("Class.method") as well.
    if (m.class_name.empty() && !m.entry_point.empty()) m.class_name = m.entry_point.substr(0, m.entry_point.find('.'));
    if (m.class_name.empty() && plugin) c.error(base + ".class_name", "required field is missing");
  } else if (file_path) {
    m.artifact = m.dir / *file_path;
  }
  if (auto api = c.str(impl, base, "sdk_api_version", plugin)) {
    static const std::regex kApi("^(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})$");
    std::smatch match;
    if (!std::regex_match(*api, match, kApi))
      c.error(base + ".sdk_api_version", "expected MAJOR.MINOR such as \"1.0\", got \"" + *api + "\"");
    else {
      m.api_major = static_cast<unsigned>(std::stoul(match[1]));
      m.api_minor = static_cast<unsigned>(std::stoul(match[2]));
    }
  }
  if (auto sha = c.str(impl, base, "sha256", false)) {
    static const std::regex kHex("^[0-9a-fA-F]{64}$");
    if (!std::regex_match(*sha, kHex))
      c.error(base + ".sha256", "expected 64 hexadecimal digits");
    else {
      m.sha256 = *sha;
      std::transform(m.sha256.begin(), m.sha256.end(), m.sha256.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    }
  }
  c.strings(impl, base, "dependencies");
}

}  // namespace

namespace {

// The flat document's checks; issue paths are relative to `doc`.
std::optional<Manifest> validate_flat(const OrderedJson& doc, const fs::path& file, ManifestUse use,
                                      std::vector<ManifestIssue>& issues) {
  Checker c(issues);
  const bool plugin = use == ManifestUse::kPlugin;
  Manifest m;
  m.file = file;
  m.dir = file.parent_path();
  m.raw = doc;

  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (!kTopLevel.count(it.key())) c.warn(it.key(), "unknown field (ignored)");

  c.str(doc, "", "schema_version", false);
  if (auto k = c.one_of(doc, "", "kind", false, {"strategy", "enhancer"})) m.kind = *k;
  if (auto n = c.str(doc, "", "name", true)) {
    static const std::regex kName("^[a-z][a-z0-9_]{0,99}$");
    // A metadata file follows the catalog's rule (learned strategies are named "rsi-learned-...").
    const bool catalog_name = n->size() <= 100 && std::none_of(n->begin(), n->end(), [](char ch) {
                                return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
                              });
    if (plugin && !std::regex_match(*n, kName))
      c.error("name", "'" + *n + "' is not a strategy name (lower-case letters, digits and '_', starting with a letter, at most 100)");
    else if (!plugin && !catalog_name)
      c.error("name", "'" + *n + "' is not a strategy name (1 to 100 printable characters)");
    else
      m.name = *n;
  }
  if (auto d = c.str(doc, "", "display_name", true)) m.display_name = *d;
  if (auto v = c.str(doc, "", "version", plugin); v && !v->empty()) {
    if (auto sv = SemVer::parse(*v)) {
      m.version = *sv;
      m.version_text = *v;
    } else {
      c.error("version", "'" + *v + "' is not a semantic version (MAJOR.MINOR.PATCH)");
    }
  }
  if (auto s = c.one_of(doc, "", "status", false, {"active", "experimental", "deprecated", "archived"}))
    m.status = *s;
  if (auto d = c.str(doc, "", "description", false)) m.description = *d;

  if (const OrderedJson* cl = c.object(doc, "", "classification", false)) {
    if (auto s = c.str(*cl, "classification", "category", false)) m.category = *s;
    if (auto s = c.str(*cl, "classification", "sub_category", false)) m.sub_category = *s;
    if (auto s = c.one_of(*cl, "classification", "complexity", false, {"simple", "moderate", "complex"}))
      m.complexity = *s;
    m.tags = c.strings(*cl, "classification", "tags");
    m.asset_classes = c.strings(*cl, "classification", "asset_classes");
  }
  if (const OrderedJson* impl = c.object(doc, "", "implementation", plugin)) check_implementation(c, *impl, m, use);
  const OrderedJson* params = c.object(doc, "", "parameters", false);
  if (params) check_parameters(c, *params, m);
  if (const OrderedJson* cons = c.field(doc, "", "constraints", false)) {
    std::vector<std::string> declared;
    if (params)
      for (auto it = params->begin(); it != params->end(); ++it) declared.push_back(it.key());
    m.constraints = parse_constraints(*cons, m.parameters, declared, issues);
  }

  if (const OrderedJson* mem = c.object(doc, "", "mem_integration", false)) {
    if (auto e = c.boolean(*mem, "mem_integration", "enabled")) m.mem_enabled = *e;
    if (auto t = c.one_of(*mem, "mem_integration", "enhancement_type", false, {"none", "partial", "full"}))
      m.mem_enhancement_type = *t;
    if (auto e = c.str(*mem, "mem_integration", "enhancer", false)) {
      static const std::regex kSpec("^[a-z][a-z0-9_]{0,99}(@[0-9A-Za-z.+-]+)?$");
      if (!std::regex_match(*e, kSpec))
        c.error("mem_integration.enhancer", "'" + *e + "' is not an enhancer name (NAME or NAME@VERSION; \"mem\" is the built-in)");
      else
        m.mem_enhancer = *e;
    }
  }
  if (m.kind == "enhancer" && m.name == "mem")
    c.error("name", "'mem' is the built-in enhancer's name; an enhancer plugin needs another");
  // How the host runs the plugin (issue 15, docs/manifest.md "runtime"): isolation and limits.
  if (const OrderedJson* rt = c.object(doc, "", "runtime", false)) {
    const std::string b = "runtime";
    if (auto v = c.one_of(*rt, b, "isolation", false, {"inproc", "process"})) m.isolation = *v;
    auto limit = [&](const char* key, std::optional<int64_t>& into, double max) {
      if (auto v = c.number(*rt, b, key, true)) {
        if (*v < 0) c.error(b + "." + key, "must not be negative (0 means no limit)");
        else if (*v > max) c.error(b + "." + key, "must be at most " + std::to_string(static_cast<int64_t>(max)));
        else into = static_cast<int64_t>(*v);
      }
    };
    limit("call_timeout_ms", m.call_timeout_ms, 86'400'000.0);
    limit("memory_limit_mb", m.memory_limit_mb, 1'048'576.0);
    limit("cpu_limit_s", m.cpu_limit_s, 31'536'000.0);
    for (auto it = rt->begin(); it != rt->end(); ++it)
      if (it.key() != "isolation" && it.key() != "call_timeout_ms" && it.key() != "memory_limit_mb" &&
          it.key() != "cpu_limit_s")
        c.warn(b + "." + it.key(), "unknown field (ignored; known: isolation, call_timeout_ms, memory_limit_mb, cpu_limit_s)");
  }
  if (const OrderedJson* req = c.object(doc, "", "requirements", false)) {
    const std::string b = "requirements";
    if (auto v = c.boolean(*req, b, "short_selling")) m.short_selling = *v;
    if (auto v = c.boolean(*req, b, "margin")) m.margin = *v;
    // Counts are read as doubles; one beyond kMaxCount would not fit a long long (UB on conversion).
    constexpr double kMaxCount = 1e12;
    if (auto v = c.number(*req, b, "min_data_points", true)) {
      if (*v < 0) c.error(b + ".min_data_points", "must not be negative");
      else if (*v > kMaxCount) c.error(b + ".min_data_points", "must be at most 1e12");
      else m.min_data_points = static_cast<long long>(*v);
    }
    if (auto v = c.number(*req, b, "symbols", true)) {
      if (*v < 0) c.error(b + ".symbols", "must not be negative (0 means any number)");
      else if (*v > kMaxCount) c.error(b + ".symbols", "must be at most 1e12");
      else m.symbols = static_cast<long long>(*v);
    }
    for (const auto& field : c.strings(*req, b, "data")) {
      if (field != "carry")
        c.error(b + ".data", "unknown data field '" + field + "' (known: carry)");
      else
        m.needs_carry = true;
    }
    if (auto v = c.number(*req, b, "min_capital")) {
      if (*v < 0) c.error(b + ".min_capital", "must not be negative");
      m.min_capital = *v;
    }
  }
  for (const char* free_form : {"academic_foundation", "performance", "risk_profile", "metadata"})
    c.object(doc, "", free_form, false);

  bool has_error = std::any_of(issues.begin(), issues.end(), [](const ManifestIssue& i) { return !i.warning; });
  if (has_error) return std::nullopt;
  return m;
}

}  // namespace

ManifestReport validate_manifest(const OrderedJson& doc, const fs::path& file, ManifestUse use) {
  ManifestReport report;
  report.file = file;
  Checker c(report.issues);
  if (!doc.is_object()) {
    c.error("", "a manifest is a JSON object, got " + type_of(doc));
    return report;
  }
  auto wrapped = doc.find("strategy");
  if (wrapped == doc.end()) {
    report.manifest = validate_flat(doc, file, use, report.issues);
    return report;
  }
  // The seed's shape: {"schema_version": ..., "strategy": {the flat fields}}. Paths are reported
  // as in the file ("strategy.parameters.x.value").
  if (!wrapped->is_object()) {
    c.error("strategy", "expected an object (the seed's metadata shape), got " + type_of(*wrapped));
    return report;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (it.key() != "strategy" && it.key() != "schema_version")
      c.warn(it.key(), "unknown field (ignored; in the seed's shape the strategy's fields sit inside \"strategy\")");
  c.str(doc, "", "schema_version", false);
  OrderedJson flat = OrderedJson::object();
  if (doc.contains("schema_version") && !wrapped->contains("schema_version")) flat["schema_version"] = doc["schema_version"];
  for (auto it = wrapped->begin(); it != wrapped->end(); ++it) flat[it.key()] = *it;
  std::vector<ManifestIssue> inner;
  auto m = validate_flat(flat, file, use, inner);
  for (auto& i : inner) {
    i.path = i.path.empty() ? "strategy" : "strategy." + i.path;
    report.issues.push_back(std::move(i));
  }
  if (m && !std::any_of(report.issues.begin(), report.issues.end(), [](const ManifestIssue& i) { return !i.warning; })) {
    m->seed_shape = true;
    report.manifest = std::move(m);
  }
  return report;
}

std::vector<ParamSpec> parse_parameter_specs(const OrderedJson& parameters, std::vector<ManifestIssue>& issues) {
  Checker c(issues);
  Manifest m;
  if (!parameters.is_object()) {
    c.error("parameters", "expected an object, got " + type_of(parameters));
    return {};
  }
  check_parameters(c, parameters, m);
  return m.parameters;
}

ManifestReport load_manifest(const fs::path& file, ManifestUse use) {
  std::error_code ec;
  fs::path abs = fs::absolute(file, ec);
  if (ec) abs = file;
  abs = abs.lexically_normal();
  ManifestReport report;
  report.file = abs;
  std::ifstream in(abs, std::ios::binary);
  if (!in) {
    report.issues.push_back({"", "cannot read the file", false});
    return report;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  OrderedJson doc;
  try {
    doc = OrderedJson::parse(buffer.str(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    std::string what = e.what();
    auto pos = what.find("syntax error");
    if (pos == std::string::npos && what.rfind("[json.exception.", 0) == 0) pos = what.find("] ") + 2;
    report.issues.push_back({"", "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos)), false});
    return report;
  }
  return validate_manifest(doc, abs, use);
}

std::string check_parameter_value(const ParamSpec& spec, const OrderedJson& v) {
  auto range = [&]() -> std::string {
    return "[" + (spec.min ? number_text(*spec.min) : "-inf") + ", " + (spec.max ? number_text(*spec.max) : "inf") + "]";
  };
  switch (spec.type) {
    case ParamType::kInteger:
    case ParamType::kFloat: {
      if (!v.is_number()) return std::string("expected ") + (spec.type == ParamType::kInteger ? "an integer" : "a number") + ", got " + type_of(v);
      double d = v.get<double>();
      if (!std::isfinite(d)) return "expected a finite number";
      if (spec.type == ParamType::kInteger && std::floor(d) != d) return "expected an integer, got " + v.dump();
      if ((spec.min && d < *spec.min) || (spec.max && d > *spec.max))
        return v.dump() + " is outside " + range();
      return "";
    }
    case ParamType::kBoolean:
      return v.is_boolean() ? "" : "expected a boolean, got " + type_of(v);
    case ParamType::kString: {
      if (!v.is_string()) return "expected a string, got " + type_of(v);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), v.get<std::string>()) == spec.choices.end()) {
        std::string list;
        for (const auto& ch : spec.choices) list += (list.empty() ? "" : ", ") + ch;
        return "'" + v.get<std::string>() + "' is not one of: " + list;
      }
      return "";
    }
  }
  return "unknown type";
}

namespace {

// Parses command-line text into a value of the spec's type; nullopt when it does not parse.
std::optional<OrderedJson> parse_text(const ParamSpec& spec, const std::string& text) {
  switch (spec.type) {
    case ParamType::kInteger: {
      size_t used = 0;
      try {
        long long v = std::stoll(text, &used);
        if (used == text.size()) return OrderedJson(v);
      } catch (...) {
      }
      return std::nullopt;
    }
    case ParamType::kFloat: {
      size_t used = 0;
      try {
        double v = std::stod(text, &used);
        if (used == text.size()) return OrderedJson(v);
      } catch (...) {
      }
      return std::nullopt;
    }
    case ParamType::kBoolean:
      if (text == "true" || text == "1" || text == "yes") return OrderedJson(true);
      if (text == "false" || text == "0" || text == "no") return OrderedJson(false);
      return std::nullopt;
    case ParamType::kString:
      return OrderedJson(text);
  }
  return std::nullopt;
}

}  // namespace

Result<OrderedJson> parse_parameter_text(const ParamSpec& spec, const std::string& text) {
  auto value = parse_text(spec, text);
  if (!value)
    return Status::InvalidArgument("parameter '" + spec.name + "': '" + text + "' is not " +
                                   (spec.type == ParamType::kInteger ? "an integer"
                                    : spec.type == ParamType::kFloat ? "a number"
                                    : "a boolean"));
  std::string problem = check_parameter_value(spec, *value);
  if (!problem.empty()) return Status::InvalidArgument("parameter '" + spec.name + "': " + problem);
  return *value;
}

Result<OrderedJson> resolve_parameters(const Manifest& m,
                                       const std::map<std::string, std::string>& overrides) {
  OrderedJson out = OrderedJson::object();
  for (const auto& p : m.parameters) out[p.name] = p.default_value;
  for (const auto& [name, text] : overrides) {
    const ParamSpec* spec = m.find_parameter(name);
    if (!spec) {
      std::string known;
      for (const auto& p : m.parameters) known += (known.empty() ? "" : ", ") + p.name;
      return Status::InvalidArgument("parameter '" + name + "': " + m.id() + " has no such parameter" +
                                     (known.empty() ? "" : " (it has: " + known + ")"));
    }
    auto value = parse_parameter_text(*spec, text);
    if (!value.ok()) return value.status().with_context(m.id());
    out[name] = *value;
  }
  if (Status st = check_parameter_set(m, out); !st.ok()) return st;
  return out;
}

}  // namespace algohost
