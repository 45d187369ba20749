// libFuzzer target: the manifest reader (registry/manifest), through load_manifest() on a
// scratch file (read, JSON parse, validation). Properties: a rejected manifest has at least one
// error and its summary names the file; an accepted one resolves its own defaults, and each
// default read back from its text form is accepted by its parameter.
#include <cstdint>
#include <cstdio>

#include "fuzz/fuzz_file.h"
#include "registry/manifest/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace algohost;
  static fuzz::ScratchFile file("manifest.json");
  const auto& path = file.write(data, size);
  ManifestReport report = load_manifest(path);
  if (!report.ok()) {
    ALGOHOST_FUZZ_CHECK(!report.errors().empty());
    ALGOHOST_FUZZ_CHECK(report.error_summary().find(path.string()) != std::string::npos);
    return 0;
  }
  const Manifest& m = *report.manifest;
  auto params = resolve_parameters(m, {});
  ALGOHOST_FUZZ_CHECK(params.ok());
  for (const auto& spec : m.parameters) {
    ALGOHOST_FUZZ_CHECK(check_parameter_value(spec, spec.default_value).empty());
    const std::string text =
        spec.default_value.is_string() ? spec.default_value.get<std::string>() : spec.default_value.dump();
    auto back = parse_parameter_text(spec, text);
    if (!back.ok()) {
      std::fprintf(stderr, "parameter %s: default %s does not read back: %s\n", spec.name.c_str(), text.c_str(),
                   back.status().message().c_str());
      ALGOHOST_FUZZ_CHECK(back.ok());
    }
  }
  return 0;
}
