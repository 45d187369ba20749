#include "host/python/python_loader.h"

#include "host/python/call_time_limit.h"

#include <algorithm>
#include <cctype>

#include "host/loader/api_version.h"
#include "host/loader/artifact_check.h"
#include "host/python/python_enhancer.h"
#include "host/python/python_instance.h"
#include "host/python/python_runtime.h"

namespace algohost {
namespace fs = std::filesystem;
using python::GilLock;
using python::PythonRuntime;

struct PythonLoader::Module {
  fs::path path;
  std::string sha256;       // of the file as imported
  PyObject* cls = nullptr;  // the strategy class (a reference kept for the life of the process)
  std::string class_name;
};

PythonLoader::PythonLoader(PythonLoaderOptions options) : options_(std::move(options)) {
  python::set_call_time_limit(options_.call_time_limit_s);
}
PythonLoader::~PythonLoader() = default;  // modules stay imported: the interpreter outlives us

namespace {

// "name_1_2_0" from "name" and "1.2.0": a Python identifier unique to the plugin version.
std::string unique_module_name(const Manifest& m, size_t serial) {
  std::string out = "p";  // appended piecewise: GCC 12 warns (-Wrestrict) on a chain of operator+
  out += std::to_string(serial);
  out += '_';
  out += m.name;
  out += '_';
  out += m.version_text;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

}  // namespace

Result<PythonLoader::Module*> PythonLoader::load_module(const Manifest& m) {
  const std::string where = m.file.string();
  if (m.language != "python")
    return Status::InvalidArgument(where + ": implementation.language is '" + m.language + "', not 'python'");
  Status declared = check_api_version(m.api_major, m.api_minor, kPythonApiMajor, kPythonApiMinor,
                                      where + " (implementation.sdk_api_version)", "Python SDK API");
  if (!declared.ok()) return declared;
  const bool enhancer = m.kind == "enhancer";
  if (enhancer && m.api_minor < kPythonEnhancerMinor)
    return Status::FailedPrecondition(where + ": implementation.sdk_api_version: an enhancer needs Python SDK API " +
                                      "1.1 or newer (algohost.Enhancer)");
  // Always hashed: the digest tells a module changed since it was imported.
  auto artifact = check_artifact(m, "implementation.module", true);
  if (!artifact.ok()) return artifact.status();
  const fs::path& canonical = artifact->canonical;
  const std::string* digest = &artifact->sha256;

  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = modules_.find(canonical); it != modules_.end()) {
    if (it->second->sha256 != *digest)
      return Status::FailedPrecondition(canonical.string() +
                                        ": the file changed after it was imported; an imported module is never "
                                        "re-imported (install the new version at a new path)");
    if (it->second->class_name != m.class_name)
      return Status::InvalidArgument(where + ": implementation.class_name '" + m.class_name + "' differs from '" +
                                     it->second->class_name + "' of another manifest of the same module");
    return it->second.get();
  }

  auto rt = PythonRuntime::start(options_.sdk_dir);
  if (!rt.ok()) return rt.status().with_context(where);
  GilLock gil;
  const auto& sdk = (*rt)->sdk();
  PyObject* path = PyUnicode_FromString(canonical.string().c_str());
  PyObject* unique = PyUnicode_FromString(unique_module_name(m, modules_.size()).c_str());
  PyObject* module = path && unique ? PyObject_CallFunctionObjArgs(sdk.load_module, path, unique, nullptr) : nullptr;
  Py_XDECREF(path);
  Py_XDECREF(unique);
  if (!module)
    return Status::PluginError(where + ": importing " + canonical.string() + " failed: " +
                               (*rt)->take_error(canonical.parent_path()));
  PyObject* cls = PyObject_GetAttrString(module, m.class_name.c_str());
  Py_DECREF(module);
  if (!cls) {
    PyErr_Clear();
    return Status::PluginError(where + ": implementation.class_name: " + canonical.string() + " defines no '" +
                               m.class_name + "'");
  }
  const int sub = PyType_Check(cls) ? PyObject_IsSubclass(cls, enhancer ? sdk.enhancer_type : sdk.strategy_type) : 0;
  PyErr_Clear();
  if (sub != 1) {
    Py_DECREF(cls);
    return Status::PluginError(where + ": implementation.class_name: '" + m.class_name + "' in " + canonical.string() +
                               (enhancer ? " is not a subclass of algohost.Enhancer" : " is not a subclass of algohost.Strategy"));
  }
  auto mod = std::make_unique<Module>();
  mod->path = canonical;
  mod->sha256 = *digest;
  mod->cls = cls;
  mod->class_name = m.class_name;
  Module* raw = mod.get();
  modules_.emplace(canonical, std::move(mod));
  return raw;
}

Status PythonLoader::load(const Manifest& m) {
  auto mod = load_module(m);
  return mod.ok() ? Status::Ok() : mod.status();
}

Result<PythonLoader::Loaded> PythonLoader::load_kind(const Manifest& m, const std::string& kind) {
  if (m.kind != kind) return Status::InvalidArgument(m.file.string() + ": kind is '" + m.kind + "', not '" + kind + "'");
  auto mod = load_module(m);
  if (!mod.ok()) return mod.status();
  auto rt = PythonRuntime::start(options_.sdk_dir);
  if (!rt.ok()) return rt.status();
  return Loaded{*mod, *rt};
}

Result<std::unique_ptr<StrategyInstance>> PythonLoader::instantiate(const Manifest& m, const OrderedJson& params) {
  auto loaded = load_kind(m, "strategy");
  if (!loaded.ok()) return loaded.status();
  Module* mod = loaded->module;
  python::PythonInstanceConfig cfg;
  cfg.label = m.id();
  cfg.plugin_dir = mod->path.parent_path();
  cfg.max_consecutive_failures = std::max<uint32_t>(1, options_.max_consecutive_failures);
  cfg.multi_symbol = m.symbols != 1;
  cfg.lookback = static_cast<size_t>(std::max<long long>(0, m.min_data_points));
  {
    // A class-level `lookback` overrides the manifest's min_data_points.
    GilLock gil;
    if (PyObject* lb = PyObject_GetAttrString(mod->cls, "lookback")) {
      if (PyLong_Check(lb)) {
        const long long v = PyLong_AsLongLong(lb);
        if (v >= 0) cfg.lookback = static_cast<size_t>(v);
      }
      Py_DECREF(lb);
    }
    PyErr_Clear();
  }
  auto inst = python::PythonInstance::create(*loaded->runtime, mod->cls, params.dump(), std::move(cfg));
  if (!inst.ok()) return inst.status();
  return std::unique_ptr<StrategyInstance>(std::move(inst).value());
}

Result<std::unique_ptr<EnhancerInstance>> PythonLoader::instantiate_enhancer(const Manifest& m, const OrderedJson& params) {
  auto loaded = load_kind(m, "enhancer");
  if (!loaded.ok()) return loaded.status();
  auto inst = python::PythonEnhancer::create(*loaded->runtime, loaded->module->cls, params.dump(), m.id(),
                                             loaded->module->path.parent_path());
  if (!inst.ok()) return inst.status();
  return std::unique_ptr<EnhancerInstance>(std::move(inst).value());
}

}  // namespace algohost
