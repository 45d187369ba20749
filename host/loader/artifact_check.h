// The checks on a plugin's artifact (library or module file) that run before any of its code:
// it exists, it resolves to one canonical path, and its sha256 matches the manifest's when the
// manifest gives one. Shared by the native and Python loaders.
#pragma once

#include <filesystem>
#include <string>

#include "registry/manifest/manifest.h"

namespace algohost {

struct CheckedArtifact {
  std::filesystem::path canonical;
  std::string sha256;  // "" unless the manifest gives one or always_hash was asked
};

// `field` names the manifest field for messages ("implementation.library"). Errors: NotFound
// (missing file), IoError, FailedPrecondition (sha256 mismatch), each naming the manifest.
Result<CheckedArtifact> check_artifact(const Manifest& m, const std::string& field, bool always_hash = false);

}  // namespace algohost
