// The plugin manifest: one manifest.json per plugin version (format in docs/manifest.md).
//
// load_manifest() reads and validates a manifest file and reports every problem it finds, each
// with its JSON path ("parameters.period.max: expected a number"). Errors make the manifest
// unusable; warnings (unknown top-level fields) do not. Nothing here opens a plugin library.
// Two shapes are read: today's flat one, and the seed design's metadata file (the same fields
// inside a top-level "strategy" object, parameters with "value", implementation.file_path); JSON
// may carry // and /* */ comments. A manifest read for a plugin (ManifestUse::kPlugin) must name
// an artifact and an ABI; a metadata file (kMetadata: the catalog's mirror, `strategies import`)
// may describe a strategy the host cannot load.
// resolve_parameters() turns the manifest's defaults plus user overrides ("period=10") into the
// flat JSON object a plugin's create() receives, refusing values of the wrong type, out of
// [min, max], or breaking a cross-parameter constraint ("fast < slow"). check_parameter_set() is
// the one check of a complete set of values that every place setting a value calls.
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
  // What the parameter means to MEM's parameter rule (docs/mem.md): "risk_scale", "stop_distance"
  // or "position_size"; "" = MEM never changes it. Numeric parameters only.
  std::string mem_role;
};

// A cross-parameter constraint from the manifest's "constraints" array: "fast < slow",
// "stop_z > entry_z", "skip_period < 100". Each side is a parameter name or a number, at least one
// a parameter; <, <=, >, >= compare numeric parameters; == and != also strings and booleans of the
// same type.
enum class CompareOp { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };
const char* compare_op_text(CompareOp op);

struct ConstraintOperand {
  std::string parameter;  // "" when a number
  double number = 0;
};

struct ParamConstraint {
  std::string text;  // "left OP right", as checked and reported
  ConstraintOperand left, right;
  CompareOp op = CompareOp::kLess;
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
  OrderedJson raw;             // the document as written, in the flat shape (a seed-shaped file's
                               // "strategy" object, with the file's schema_version)
  bool seed_shape = false;     // the file had the seed's top-level "strategy" object

  std::string kind = "strategy";  // "strategy" or "enhancer"
  std::string name, display_name, description, status = "experimental";
  SemVer version;
  std::string version_text;

  std::string category, sub_category, complexity;
  std::vector<std::string> tags, asset_classes;

  std::string language;               // "cpp" or "python" ("multi", or "" too, in a metadata file,
                                      // where the seed's "csharp" is read as "cpp")
  std::filesystem::path artifact;     // library (cpp) or module (python), absolute; "" when a
                                      // metadata file names none
  std::string class_name, entry_point;
  unsigned api_major = 0, api_minor = 0;
  std::string sha256;                 // lower-case hex, or "" when not given

  std::vector<ParamSpec> parameters;  // in manifest order
  std::vector<ParamConstraint> constraints;  // "constraints", in manifest order

  bool mem_enabled = false;
  std::string mem_enhancement_type = "none";  // none | partial | full
  std::string mem_enhancer;  // "NAME[@VERSION]" of the enhancer to use; "" = the built-in MEM stage

  bool short_selling = false, margin = false;
  long long min_data_points = 0;
  long long symbols = 1;  // symbols a strategy needs at once; 0 = any number
  bool needs_carry = false;  // requirements.data includes "carry"
  // "runtime": how the host runs it (issue 15). isolation "" = the host's default for the command;
  // limits unset = the host's defaults (host/isolation/isolation.h).
  std::string isolation;  // "" | "inproc" | "process"
  std::optional<int64_t> call_timeout_ms, memory_limit_mb, cpu_limit_s;
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

// What a manifest is read for.
enum class ManifestUse {
  kPlugin,    // a plugin's manifest.json: name, version and implementation (language cpp or
              // python, artifact, sdk_api_version) are required
  kMetadata,  // a metadata file (the catalog's mirror, `strategies import`): describes a strategy
              // that may have no artifact the host can load. version and the implementation's
              // fields are optional; the name follows the catalog's rule (1 to 100 printable
              // characters); language may also be "multi" (or the seed's "csharp", read as "cpp")
};

// Reads and validates `file`. Never throws; I/O and JSON syntax errors become issues. Comments
// (// and /* */) are allowed.
ManifestReport load_manifest(const std::filesystem::path& file, ManifestUse use = ManifestUse::kPlugin);

// Validates an already-parsed document as if read from `file` (used by tests and the catalog).
ManifestReport validate_manifest(const OrderedJson& doc, const std::filesystem::path& file,
                                 ManifestUse use = ManifestUse::kPlugin);

// Defaults overlaid with `overrides` (name -> text as typed on a command line, or JSON values
// rendered as text). Unknown names, unparsable or out-of-range values are InvalidArgument errors
// naming the parameter and the allowed range; then the whole set goes through
// check_parameter_set() (a broken constraint names the strategy, the constraint and the values).
Result<OrderedJson> resolve_parameters(const Manifest& m,
                                       const std::map<std::string, std::string>& overrides);

// Reads a manifest's "parameters" object into specs; problems are reported as in a manifest.
std::vector<ParamSpec> parse_parameter_specs(const OrderedJson& parameters, std::vector<ManifestIssue>& issues);

// Reads command-line text as a value of the spec's type and checks it (type, range, choices).
// InvalidArgument naming the parameter when it does not fit.
Result<OrderedJson> parse_parameter_text(const ParamSpec& spec, const std::string& text);

// Checks one typed value against its spec; "" when fine, else what is wrong.
std::string check_parameter_value(const ParamSpec& spec, const OrderedJson& value);

// Reads a manifest's "constraints" array against its parameter specs. Problems are reported at
// "constraints[i]" (a syntax error, an unknown parameter, an operator that does not fit the
// types, defaults that break it). `declared`: every name under "parameters", valid or not, so that
// a constraint on a parameter whose spec is invalid is not reported as unknown as well.
std::vector<ParamConstraint> parse_constraints(const OrderedJson& constraints, const std::vector<ParamSpec>& specs,
                                               const std::vector<std::string>& declared,
                                               std::vector<ManifestIssue>& issues);

// The check of a complete set of parameter values (name -> value; a missing one counts as its
// default) before any plugin code sees them: every value against its spec (type, range, choices),
// then every constraint. InvalidArgument naming the strategy:
//   "pairs_trading: parameter 'entry_z': 9 is outside [0.5, 4]"
//   "pairs_trading: constraint stop_z > entry_z fails: stop_z = 2.0, entry_z = 2.0"
// Every place that sets a value calls it: resolve_parameters (run, signals), the catalog's
// update_parameter (strategies set-param, MEM's parameter changes, the Python registry), and the
// MEM learning loop before it proposes a value.
Status check_parameter_set(const std::string& strategy, const std::vector<ParamSpec>& specs,
                           const std::vector<ParamConstraint>& constraints, const OrderedJson& values);
Status check_parameter_set(const Manifest& m, const OrderedJson& values);

}  // namespace algohost
