#include "host/discovery/discovery.h"

#include <algorithm>
#include <map>
#include <set>

namespace algohost {
namespace fs = std::filesystem;

std::vector<SearchDir> plugin_search_path(const std::vector<fs::path>& cli_dirs, const char* env_value,
                                          const std::vector<fs::path>& builtin_dirs) {
  std::vector<SearchDir> out;
  for (const auto& d : cli_dirs) out.push_back({d, "--plugins"});
  if (env_value) {
    std::string env(env_value);
    size_t pos = 0;
    while (pos <= env.size()) {
      size_t next = env.find(':', pos);
      std::string part = env.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      if (!part.empty()) out.push_back({part, "ALGOHOST_PLUGIN_PATH"});
      if (next == std::string::npos) break;
      pos = next + 1;
    }
  }
  for (const auto& d : builtin_dirs) out.push_back({d, "built-in"});
  return out;
}

std::vector<fs::path> builtin_plugin_dirs(const fs::path& exe) {
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path bin = exe.parent_path();
  const fs::path candidate = bin / ".." / "lib" / "algohost" / "plugins";
  if (fs::is_directory(candidate, ec)) out.push_back(fs::weakly_canonical(candidate, ec));
  return out;
}

DiscoveryResult discover(const std::vector<SearchDir>& search_path) {
  DiscoveryResult result;
  std::set<fs::path> seen_files;
  std::map<std::string, fs::path> winner;  // name@version -> manifest

  for (const auto& sd : search_path) {
    std::error_code ec;
    if (!fs::is_directory(sd.dir, ec)) {
      result.problems.push_back(sd.dir.string() + " (" + sd.origin + "): not a directory");
      continue;
    }
    std::vector<fs::path> manifests;
    fs::recursive_directory_iterator it(sd.dir, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) {
      result.problems.push_back(sd.dir.string() + " (" + sd.origin + "): " + ec.message());
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        result.problems.push_back(sd.dir.string() + ": " + ec.message());
        break;
      }
      std::error_code fec;
      if (it->path().filename() == "manifest.json" && it->is_regular_file(fec)) manifests.push_back(it->path());
    }
    std::sort(manifests.begin(), manifests.end());
    for (const auto& file : manifests) {
      fs::path canonical = fs::weakly_canonical(file, ec);
      if (!seen_files.insert(canonical).second) continue;  // same file via two search dirs
      DiscoveredPlugin p{load_manifest(canonical), sd.origin, std::nullopt};
      if (p.report.ok()) {
        auto [pos, inserted] = winner.emplace(p.report.manifest->id(), canonical);
        if (!inserted) p.shadowed_by = pos->second;
      }
      result.plugins.push_back(std::move(p));
    }
  }

  std::stable_sort(result.plugins.begin(), result.plugins.end(), [](const auto& a, const auto& b) {
    const auto& ma = a.report.manifest;
    const auto& mb = b.report.manifest;
    if (ma.has_value() != mb.has_value()) return ma.has_value();  // valid ones first
    if (ma && mb) {
      if (ma->name != mb->name) return ma->name < mb->name;
      int c = compare(ma->version, mb->version);
      if (c != 0) return c < 0;
    }
    return a.report.file < b.report.file;
  });
  return result;
}

}  // namespace algohost
