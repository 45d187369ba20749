#include "host/loader/native_loader.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

#include "host/instance/table_instance.h"
#include "host/loader/api_version.h"
#include "host/loader/artifact_check.h"

namespace algohost {
namespace fs = std::filesystem;

class NativeLibrary {
 public:
  boost::dll::shared_library lib;
  const ah_strategy_api* api = nullptr;
  fs::path path;
  uintmax_t size = 0;
  fs::file_time_type mtime;
};

NativeLoader::NativeLoader() = default;
NativeLoader::~NativeLoader() = default;

const ah_strategy_api* NativeLoader::api(const NativeLibrary& lib) { return lib.api; }

Result<std::shared_ptr<const NativeLibrary>> NativeLoader::load(const Manifest& m) {
  const std::string where = m.file.string();
  if (m.language != "cpp")
    return Status::InvalidArgument(where + ": implementation.language is '" + m.language + "', not 'cpp'");
  Status declared = check_api_version(m.api_major, m.api_minor, where + " (implementation.sdk_api_version)");
  if (!declared.ok()) return declared;

  auto artifact = check_artifact(m, "implementation.library");
  if (!artifact.ok()) return artifact.status();
  const fs::path& canonical = artifact->canonical;
  std::error_code ec;
  const uintmax_t size = fs::file_size(canonical, ec);
  const auto mtime = fs::last_write_time(canonical, ec);

  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = libraries_.find(canonical); it != libraries_.end()) {
    if (it->second->size != size || it->second->mtime != mtime)
      return Status::FailedPrecondition(canonical.string() +
                                        ": the file changed after it was loaded; a loaded path is never "
                                        "reopened (install the new build at a new path)");
    return it->second;
  }

  auto lib = std::make_shared<NativeLibrary>();
  lib->path = canonical;
  lib->size = size;
  lib->mtime = mtime;
  boost::dll::fs::error_code load_ec;
  lib->lib.load(canonical, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, load_ec);
  if (load_ec || !lib->lib.is_loaded()) {
    const char* why = dlerror();
    return Status::PluginError(canonical.string() + ": cannot load: " + (why ? why : load_ec.message()));
  }
  const std::string symbol = m.entry_point.empty() ? ALGOHOST_ENTRY_SYMBOL : m.entry_point;
  if (!lib->lib.has(symbol))
    return Status::PluginError(canonical.string() + ": missing entry symbol '" + symbol + "'");
  auto entry = lib->lib.get<const ah_strategy_api*()>(symbol);
  lib->api = entry();
  Status desc = check_descriptor(lib->api, canonical.string());
  if (!desc.ok()) return desc;
  libraries_.emplace(canonical, lib);
  return std::shared_ptr<const NativeLibrary>(lib);
}

Result<std::unique_ptr<StrategyInstance>> NativeLoader::instantiate(const Manifest& m,
                                                                    const OrderedJson& params) {
  auto lib = load(m);
  if (!lib.ok()) return lib.status();
  auto inst = TableInstance::create((*lib)->api, *lib, m.id(), params.dump());
  if (!inst.ok()) return inst.status();
  return std::unique_ptr<StrategyInstance>(std::move(*inst));
}

}  // namespace algohost
