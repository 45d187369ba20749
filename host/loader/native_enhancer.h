// NativeEnhancerLoader — loads C/C++ enhancer plugins (manifest kind "enhancer", language "cpp";
// the ABI of algohost/enhancer_api.h) through Boost.DLL.
//
// The same checks as for strategies, before any plugin code runs: the manifest says kind
// "enhancer" and language "cpp", its implementation.sdk_api_version is compatible with the
// enhancer API, the library exists and its sha256 matches the manifest's (when given); the library
// is opened RTLD_LOCAL | RTLD_NOW through the shared LibraryCache (once per canonical path, never
// reopened). Right after opening: the entry symbol (ALGOHOST_ENHANCER_ENTRY_SYMBOL, or
// implementation.entry_point) exists and its descriptor passes check_enhancer_descriptor(). Every
// refusal names the manifest or the library. Thread-safe.
#pragma once

#include <memory>

#include "host/instance/enhancer_instance.h"
#include "host/loader/library_cache.h"
#include "registry/manifest/manifest.h"

namespace algohost {

class NativeEnhancerLoader {
 public:
  explicit NativeEnhancerLoader(std::shared_ptr<LibraryCache> libraries = std::make_shared<LibraryCache>())
      : libraries_(std::move(libraries)) {}

  // Loads the manifest's library (checks above) and creates an instance from resolved parameters
  // (see resolve_parameters()); the instance keeps the library mapped.
  Result<std::unique_ptr<EnhancerInstance>> instantiate(const Manifest& manifest, const OrderedJson& params);

 private:
  std::shared_ptr<LibraryCache> libraries_;
};

}  // namespace algohost
