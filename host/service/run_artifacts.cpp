#include "host/service/run_artifacts.h"

#include "registry/catalog/sync.h"

namespace algohost {

std::string development_version(const std::string& version, const std::string& sha256) {
  const bool prerelease = version.find('-') != std::string::npos;
  return version + (prerelease ? ".dev-" : "-dev-") + sha256.substr(0, 12);
}

Result<RanVersion> version_to_record(catalog::Catalog& c, const Manifest& m, const std::string& sha,
                                     bool allow_unpublished) {
  RanVersion out;
  out.artifact_sha256 = sha;
  auto published = c.get_version(m.name, m.version_text);
  if (!published.ok()) {
    if (published.status().code() != StatusCode::kNotFound) return published.status();
    return Status::NotFound(m.id() + " is not published in the catalog (see the catalog sync's warning for why); " +
                            "its manifest is " + m.file.string());
  }
  if (published->artifact_sha256 == sha) {
    out.version_id = published->version_id;
    out.version_number = published->version_number;
    return out;
  }
  const std::string was = published->artifact_sha256.empty() ? "(none)" : published->artifact_sha256;
  if (!allow_unpublished)
    return Status::FailedPrecondition(
        m.id() + ": " + m.artifact.string() + " has sha256 " + sha + ", but " + m.id() + " was published with sha256 " +
        was + ": a published version is immutable; publish the change as a new version (raise \"version\" in " +
        m.file.string() + "), or run it as an unpublished development build with --allow-unpublished");
  out.published = false;
  out.published_sha256 = was;
  out.version_number = development_version(m.version_text, sha);
  if (auto dev = c.get_version(m.name, out.version_number); dev.ok()) {
    out.version_id = dev->version_id;
    return out;
  } else if (dev.status().code() != StatusCode::kNotFound) {
    return dev.status();
  }
  catalog::VersionCreate v = catalog::version_create_from(m, sha);
  v.version = out.version_number;
  v.development = true;
  v.validation_status = "pending";
  v.changelog = "unpublished development build of " + m.id() + " (sha256 " + sha + "; published: " + was + ")";
  auto created = c.create_version(m.name, v);
  if (!created.ok()) return created.status();
  out.version_id = created->version_id;
  return out;
}

}  // namespace algohost
