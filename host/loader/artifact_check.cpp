#include "host/loader/artifact_check.h"

#include "host/loader/sha256.h"

namespace algohost {
namespace fs = std::filesystem;

Result<CheckedArtifact> check_artifact(const Manifest& m, const std::string& field, bool always_hash) {
  const std::string where = m.file.string();
  std::error_code ec;
  if (!fs::is_regular_file(m.artifact, ec))
    return Status::NotFound(where + ": " + field + ": " + m.artifact.string() + " does not exist");
  CheckedArtifact out;
  out.canonical = fs::canonical(m.artifact, ec);
  if (ec) return Status::IoError(m.artifact.string() + ": " + ec.message());
  if (m.sha256.empty() && !always_hash) return out;
  auto digest = sha256_file(out.canonical);
  if (!digest.ok()) return digest.status();
  if (!m.sha256.empty() && *digest != m.sha256)
    return Status::FailedPrecondition(out.canonical.string() + ": sha256 mismatch: manifest " + where + " says " +
                                      m.sha256 + ", the file is " + *digest);
  out.sha256 = *digest;
  return out;
}

}  // namespace algohost
