#include "host/loader/native_loader.h"

#include "host/instance/table_instance.h"
#include "host/loader/api_version.h"

namespace algohost {

class NativeLibrary {
 public:
  std::shared_ptr<const LoadedLibrary> lib;
  const ah_strategy_api* api = nullptr;
};

NativeLoader::NativeLoader() : NativeLoader(std::make_shared<LibraryCache>()) {}
NativeLoader::NativeLoader(std::shared_ptr<LibraryCache> libraries) : libraries_(std::move(libraries)) {}
NativeLoader::~NativeLoader() = default;

const ah_strategy_api* NativeLoader::api(const NativeLibrary& lib) { return lib.api; }

Result<std::shared_ptr<const NativeLibrary>> NativeLoader::load(const Manifest& m) {
  Status declared = check_api_version(m.api_major, m.api_minor, m.file.string() + " (implementation.sdk_api_version)");
  if (!declared.ok()) return declared;
  auto opened = libraries_->open_entry(m, ALGOHOST_ENTRY_SYMBOL);
  if (!opened.ok()) return opened.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = checked_.find(opened->lib.get()); it != checked_.end()) return it->second;
  auto lib = std::make_shared<NativeLibrary>();
  lib->lib = opened->lib;
  lib->api = reinterpret_cast<ah_entry_fn>(opened->entry)();
  Status desc = check_descriptor(lib->api, LibraryCache::path(*opened->lib).string());
  if (!desc.ok()) return desc;
  checked_.emplace(opened->lib.get(), lib);
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
