// Discovery — finds plugin manifests on disk.
//
// The search path, in priority order: directories given with --plugins, then the entries of
// ALGOHOST_PLUGIN_PATH (':'-separated), then the built-in plugins shipped with the host. Each
// directory is scanned recursively for files named manifest.json, so several versions of one
// strategy can sit side by side (rsi/1.0.0/, rsi/1.1.0/). Every manifest is validated; a bad one
// is reported and skipped, the others are kept. When the same name@version is found twice, the
// first in search-path order wins and the others are reported as shadowed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "registry/manifest/manifest.h"

namespace algohost {

struct SearchDir {
  std::filesystem::path dir;
  std::string origin;  // "--plugins", "ALGOHOST_PLUGIN_PATH" or "built-in"
};

struct DiscoveredPlugin {
  ManifestReport report;  // report.manifest is set when valid
  std::string origin;
  std::optional<std::filesystem::path> shadowed_by;  // the manifest that won for this name@version
};

struct DiscoveryResult {
  std::vector<DiscoveredPlugin> plugins;  // sorted by name, then version, then path
  std::vector<std::string> problems;      // unreadable or missing search directories
};

// Builds the search path. `env_value` is ALGOHOST_PLUGIN_PATH's value (nullptr when unset).
std::vector<SearchDir> plugin_search_path(const std::vector<std::filesystem::path>& cli_dirs,
                                          const char* env_value,
                                          const std::vector<std::filesystem::path>& builtin_dirs);

// The built-in plugin folder for an executable at `exe`: <exe_dir>/../lib/algohost/plugins, in the
// build tree and in an install alike (empty when it does not exist).
std::vector<std::filesystem::path> builtin_plugin_dirs(const std::filesystem::path& exe);

// Scans the search path. Never throws.
DiscoveryResult discover(const std::vector<SearchDir>& search_path);

}  // namespace algohost
