// The plugin manifest: one manifest.json per plugin version (format in docs/manifest.md).
//
// load_manifest() reads and validates a manifest file and reports every problem it finds, each
// with its JSON path ("parameters.period.max: expected a number"). Errors make the manifest
// unusable; warnings (unknown top-level fields) do not. Nothing here opens a plugin library.
// resolve_parameters() turns the manifest's defaults plus user overrides ("period=10") into the
// flat JSON object a plugin's create() receives, refusing values of the wrong type or out of
// [min, max].
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/common/semver.h"
#include "registry/common/status.h"

namespace algohost {

using OrderedJson = nlohmann::ordered_json;

enum class ParamType { kInteger, kFloat, kBoolean, kString };
const char* param_type_name(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  OrderedJson default_value;           // a value of `type`
  std::optional<double> min, max;      // numeric types only
  std::vector<std::string> choices;    // string type only; empty = any string
  std::string description;
  bool optimizable = false;
};

struct ManifestIssue {
  std::string path;     // JSON path such as "parameters.period.max"; "" for the whole file
  std::string message;  // what is wrong
  bool warning = false;
  std::string to_string() const { return (path.empty() ? "" : path + ": ") + message; }
};

struct Manifest {
  std::filesystem::path file;  // absolute path of manifest.json
  std::filesystem::path dir;   // its folder; implementation paths are relative to it
  OrderedJson raw;             // the document as written

  std::string kind = "strategy";  // "strategy" or "enhancer"
  std::string name, display_name, description, status = "experimental";
  SemVer version;
  std::string version_text;

  std::string category, sub_category, complexity;
  std::vector<std::string> tags, asset_classes;

  std::string language;               // "cpp" or "python"
  std::filesystem::path artifact;     // library (cpp) or module (python), absolute
  std::string class_name, entry_point;
  unsigned api_major = 0, api_minor = 0;
  std::string sha256;                 // lower-case hex, or "" when not given

  std::vector<ParamSpec> parameters;  // in manifest order

  bool mem_enabled = false;
  std::string mem_enhancement_type = "none";  // none | partial | full
  std::string mem_enhancer;  // "NAME[@VERSION]" of the enhancer to use; "" = the built-in MEM stage

  bool short_selling = false, margin = false;
  long long min_data_points = 0;
  long long symbols = 1;  // symbols a strategy needs at once; 0 = any number
  bool needs_carry = false;  // requirements.data includes "carry"
  double min_capital = 0;

  // "name@version"
  std::string id() const { return name + "@" + version_text; }
  const ParamSpec* find_parameter(const std::string& name) const;
};

struct ManifestReport {
  std::filesystem::path file;
  std::optional<Manifest> manifest;   // set when there are no errors
  std::vector<ManifestIssue> issues;  // errors and warnings, in document order

  bool ok() const { return manifest.has_value(); }
  std::vector<ManifestIssue> errors() const;
  std::vector<ManifestIssue> warnings() const;
  // "file: path: message; path: message" over the errors.
  std::string error_summary() const;
};

// Reads and validates `file`. Never throws; I/O and JSON syntax errors become issues.
ManifestReport load_manifest(const std::filesystem::path& file);

// Validates an already-parsed document as if read from `file` (used by tests and the catalog).
ManifestReport validate_manifest(const OrderedJson& doc, const std::filesystem::path& file);

// Defaults overlaid with `overrides` (name -> text as typed on a command line, or JSON values
// rendered as text). Unknown names, unparsable or out-of-range values are InvalidArgument errors
// naming the parameter and the allowed range.
Result<OrderedJson> resolve_parameters(const Manifest& m,
                                       const std::map<std::string, std::string>& overrides);

// Reads a manifest's "parameters" object into specs; problems are reported as in a manifest.
std::vector<ParamSpec> parse_parameter_specs(const OrderedJson& parameters, std::vector<ManifestIssue>& issues);

// Reads command-line text as a value of the spec's type and checks it (type, range, choices).
// InvalidArgument naming the parameter when it does not fit.
Result<OrderedJson> parse_parameter_text(const ParamSpec& spec, const std::string& text);

// Checks one typed value against its spec; "" when fine, else what is wrong.
std::string check_parameter_value(const ParamSpec& spec, const OrderedJson& value);

}  // namespace algohost
