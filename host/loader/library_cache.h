// LibraryCache — opens native plugin libraries (strategies and enhancers) through Boost.DLL, once
// per canonical path.
//
// open() runs the checks that need no plugin code first: the artifact exists and its sha256
// matches the manifest's when the manifest gives one (artifact_check.h). It then opens the library
// RTLD_LOCAL | RTLD_NOW, so unresolved symbols fail the load instead of crashing later. A library
// stays mapped for the life of the cache and of every holder of the returned pointer (instances
// keep it); a path whose file changed after it was opened is refused rather than reopened: ship new
// versions at new paths. Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "registry/manifest/manifest.h"

namespace algohost {

class LoadedLibrary;  // an opened shared library

class LibraryCache {
 public:
  LibraryCache();
  ~LibraryCache();

  // The manifest's library, opened (or found open). Errors name the manifest or the library.
  Result<std::shared_ptr<const LoadedLibrary>> open(const Manifest& manifest);

  // The address of the exported function `symbol` of `lib`; PluginError naming the library when
  // it has none.
  static Result<void*> entry(const LoadedLibrary& lib, const std::string& symbol);

  // What both native loaders do after checking the declared API version: the manifest says
  // language "cpp" (else InvalidArgument naming the field), open(), and the entry function named
  // by implementation.entry_point, else `default_symbol`.
  struct Opened {
    std::shared_ptr<const LoadedLibrary> lib;
    void* entry = nullptr;
  };
  Result<Opened> open_entry(const Manifest& manifest, const char* default_symbol);

  static const std::filesystem::path& path(const LoadedLibrary& lib);

 private:
  std::mutex mu_;
  std::map<std::filesystem::path, std::shared_ptr<const LoadedLibrary>> libraries_;
};

}  // namespace algohost
