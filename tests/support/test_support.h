// Helpers shared by the GoogleTest suites: a temporary directory that removes itself, file
// writing, and a manifest builder for fixture plugins.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "registry/common/status.h"

namespace algohost::testing {

// The value of a Result, or an exception naming `what` and the status (the test then fails).
template <class T>
T must(Result<T> r, const std::string& what = "") {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().to_string());
  return std::move(r).value();
}
inline void must(const Status& s, const std::string& what = "") {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.to_string());
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("algohost-test-" + std::to_string(rd()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A valid manifest for a C-ABI fixture library, to be tweaked per test.
inline nlohmann::ordered_json fixture_manifest(const std::string& name, const std::string& version,
                                               const std::string& library) {
  return {
      {"schema_version", "1.0.0"},
      {"name", name},
      {"display_name", "Fixture " + name},
      {"version", version},
      {"status", "experimental"},
      {"implementation", {{"language", "cpp"}, {"library", library}, {"sdk_api_version", "1.0"}}},
      {"parameters",
       {{"threshold", {{"type", "float"}, {"default", 100.0}, {"min", 0.0}, {"max", 1e6}}}}},
  };
}

// Copies `library` into dir/<name>/<version>/ with the given manifest; returns the manifest path.
inline std::filesystem::path install_fixture(const std::filesystem::path& dir, const std::string& library,
                                             nlohmann::ordered_json manifest) {
  const std::filesystem::path lib(library);
  const auto target = dir / manifest["name"].get<std::string>() / manifest["version"].get<std::string>();
  std::filesystem::create_directories(target);
  std::filesystem::copy_file(lib, target / lib.filename(), std::filesystem::copy_options::overwrite_existing);
  manifest["implementation"]["library"] = lib.filename().string();
  write_file(target / "manifest.json", manifest.dump(2));
  return target / "manifest.json";
}

}  // namespace algohost::testing
