// PythonLoader — loads Python plugins (strategies and enhancers) into the embedded interpreter.
//
// Before any plugin code runs: the manifest is valid and says language "python", its declared
// sdk_api_version is compatible with the Python contract the host implements (same major, minor
// not newer; an enhancer needs at least 1.1), the module file exists and its sha256 matches the
// manifest's (when given). The interpreter is started on the first load (PythonRuntime). The module
// is then imported under a name unique to the manifest (two versions of one plugin never clash),
// and the manifest's class_name must name a subclass of algohost.Strategy (kind strategy) or
// algohost.Enhancer (kind enhancer). A syntax error, a failed import or a missing class is a load
// error naming the file and line.
//
// Lifetime: each module is imported once per canonical path and stays imported for the life of
// the process, as native libraries stay mapped; a module file that changed after it was imported
// is refused rather than re-imported (ship new versions at new paths). Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "host/instance/enhancer_instance.h"
#include "host/instance/strategy_instance.h"
#include "registry/manifest/manifest.h"

namespace algohost {

namespace python {
class PythonRuntime;
}

// The Python plugin contract this host implements, MAJOR.MINOR (must equal the SDK's
// algohost.API_VERSION; a manifest's sdk_api_version is checked against it). 1.1 added enhancers,
// whose manifests must declare at least kPythonEnhancerMinor.
inline constexpr unsigned kPythonApiMajor = 1;
inline constexpr unsigned kPythonApiMinor = 1;
inline constexpr unsigned kPythonEnhancerMinor = 1;

struct PythonLoaderOptions {
  std::filesystem::path sdk_dir;          // folder holding the algohost package ("" = not found)
  uint32_t max_consecutive_failures = 5;  // failed calls in a row before an instance is stopped
  double call_time_limit_s = 0;           // per call into plugin code; 0 = none (call_time_limit.h)
};

class PythonLoader {
 public:
  explicit PythonLoader(PythonLoaderOptions options);
  ~PythonLoader();

  // Imports the manifest's module (once) and creates an instance of its class from resolved
  // parameters (see resolve_parameters()).
  Result<std::unique_ptr<StrategyInstance>> instantiate(const Manifest& manifest, const OrderedJson& params);

  // The same for an enhancer manifest (kind "enhancer").
  Result<std::unique_ptr<EnhancerInstance>> instantiate_enhancer(const Manifest& manifest, const OrderedJson& params);

  // Imports the manifest's module and checks its class, without creating an instance.
  Status load(const Manifest& manifest);

  const PythonLoaderOptions& options() const { return options_; }

 private:
  struct Module;
  Result<Module*> load_module(const Manifest& manifest);
  // load_module() for a manifest of `kind`, and the started interpreter.
  struct Loaded {
    Module* module;
    python::PythonRuntime* runtime;
  };
  Result<Loaded> load_kind(const Manifest& manifest, const std::string& kind);

  PythonLoaderOptions options_;
  std::mutex mu_;
  std::map<std::filesystem::path, std::unique_ptr<Module>> modules_;  // by canonical module path
};

}  // namespace algohost
