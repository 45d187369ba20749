// Helpers for the Python loader and instance tests: install a fixture module from
// tests/fixtures/python into a temporary plugin folder with a manifest, and load it.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "host/python/python_loader.h"
#include "registry/manifest/manifest.h"
#include "tests/support/test_support.h"

namespace algohost::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A manifest for a Python fixture class, to be tweaked per test.
inline nlohmann::ordered_json python_manifest(const std::string& name, const std::string& version,
                                              const std::string& module, const std::string& cls) {
  return {
      {"schema_version", "1.0.0"},
      {"name", name},
      {"display_name", "Python fixture " + name},
      {"version", version},
      {"implementation", {{"language", "python"}, {"module", module}, {"class_name", cls}, {"sdk_api_version", "1.0"}}},
      {"parameters",
       {{"level", {{"type", "float"}, {"default", 100.0}, {"min", 0.0}, {"max", 1e6}}},
        {"window", {{"type", "integer"}, {"default", 3}, {"min", 1}, {"max", 100}}},
        {"from_bar", {{"type", "integer"}, {"default", 4}, {"min", 1}, {"max", 1000000}}}}},
      {"requirements", {{"symbols", 1}}},
  };
}

// Copies fixture `module_file` (from tests/fixtures/python) into dir/<name>/<version>/ as
// `module` and writes the manifest; returns the loaded manifest (the test fails if invalid).
inline Manifest install_python_fixture(const std::filesystem::path& dir, const std::string& module_file,
                                       nlohmann::ordered_json manifest, const std::string& text_override = "") {
  const auto target = dir / manifest["name"].get<std::string>() / manifest["version"].get<std::string>();
  const std::string module = manifest["implementation"]["module"].get<std::string>();
  write_file(target / module,
             text_override.empty() ? read_text(std::filesystem::path(ALGOHOST_PY_FIXTURES) / module_file) : text_override);
  write_file(target / "manifest.json", manifest.dump(2));
  auto report = load_manifest(target / "manifest.json");
  if (!report.ok()) throw std::runtime_error(report.error_summary());
  return *report.manifest;
}

inline PythonLoaderOptions python_options(uint32_t max_failures = 5) {
  return PythonLoaderOptions{ALGOHOST_PYTHON_SDK_DIR, max_failures};
}

}  // namespace algohost::testing
