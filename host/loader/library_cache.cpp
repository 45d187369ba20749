#include "host/loader/library_cache.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

#include "host/loader/artifact_check.h"
#include "host/loader/elf_check.h"

namespace algohost {
namespace fs = std::filesystem;

class LoadedLibrary {
 public:
  boost::dll::shared_library lib;
  fs::path path;
  uintmax_t size = 0;
  fs::file_time_type mtime;
};

LibraryCache::LibraryCache() = default;
LibraryCache::~LibraryCache() = default;

const fs::path& LibraryCache::path(const LoadedLibrary& lib) { return lib.path; }

Result<std::shared_ptr<const LoadedLibrary>> LibraryCache::open(const Manifest& m) {
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
  // A truncated or foreign file would crash dlopen (SIGBUS) or fail it obscurely: check it first.
  if (Status elf = check_elf_library(canonical); !elf.ok()) return elf;
  auto lib = std::make_shared<LoadedLibrary>();
  lib->path = canonical;
  lib->size = size;
  lib->mtime = mtime;
  boost::dll::fs::error_code load_ec;
  lib->lib.load(canonical, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, load_ec);
  if (load_ec || !lib->lib.is_loaded()) {
    const char* why = dlerror();
    return Status::PluginError(canonical.string() + ": cannot load: " + (why ? why : load_ec.message()));
  }
  libraries_.emplace(canonical, lib);
  return std::shared_ptr<const LoadedLibrary>(lib);
}

Result<LibraryCache::Opened> LibraryCache::open_entry(const Manifest& m, const char* default_symbol) {
  if (m.language != "cpp")
    return Status::InvalidArgument(m.file.string() + ": implementation.language is '" + m.language + "', not 'cpp'");
  auto lib = open(m);
  if (!lib.ok()) return lib.status();
  auto fn = entry(**lib, m.entry_point.empty() ? default_symbol : m.entry_point);
  if (!fn.ok()) return fn.status();
  return Opened{*lib, *fn};
}

Result<void*> LibraryCache::entry(const LoadedLibrary& lib, const std::string& symbol) {
  if (!lib.lib.has(symbol))
    return Status::PluginError(lib.path.string() + ": missing entry symbol '" + symbol + "'");
  return reinterpret_cast<void*>(&lib.lib.get<void()>(symbol));
}

}  // namespace algohost
