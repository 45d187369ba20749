// NativeLoader — loads C/C++ strategy plugins (shared libraries) through Boost.DLL.
//
// Before any plugin code runs: the manifest is valid and says language "cpp", its declared SDK API
// version is compatible, the library file exists and its sha256 matches the manifest's (when the
// manifest gives one). The library is opened RTLD_LOCAL | RTLD_NOW (unresolved symbols fail the
// load instead of crashing later). Right after opening: the entry symbol exists and its
// descriptor passes check_descriptor().
//
// Lifetime: each library is opened once per canonical path (LibraryCache, which the loader may
// share with the enhancer loader) and stays mapped for the life of the cache and of every instance
// created from it (instances hold a reference). Two versions of a strategy live side by side
// because each is loaded from its own path. A path whose file changed after it was loaded is
// refused rather than reopened: ship new versions at new paths. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <algohost/strategy_api.h>

#include "host/instance/strategy_instance.h"
#include "host/loader/library_cache.h"
#include "registry/manifest/manifest.h"

namespace algohost {

class NativeLibrary;  // an opened library and its checked descriptor

class NativeLoader {
 public:
  NativeLoader();  // with a cache of its own
  explicit NativeLoader(std::shared_ptr<LibraryCache> libraries);
  ~NativeLoader();

  // Opens (or finds already open) the manifest's library. Errors name the manifest or library.
  Result<std::shared_ptr<const NativeLibrary>> load(const Manifest& manifest);

  // load() and create an instance from resolved parameters (see resolve_parameters()).
  Result<std::unique_ptr<StrategyInstance>> instantiate(const Manifest& manifest,
                                                        const OrderedJson& params);

  // The descriptor of a loaded library.
  static const ah_strategy_api* api(const NativeLibrary& lib);

 private:
  std::shared_ptr<LibraryCache> libraries_;
  std::mutex mu_;
  // The checked descriptor of each library opened, so a path loaded again gives the same object.
  std::map<const LoadedLibrary*, std::shared_ptr<const NativeLibrary>> checked_;
};

}  // namespace algohost
