// Sync from discovery: every discovered manifest becomes a catalog entry — a new strategy, a new
// version, or nothing when it is already there. Published versions are immutable: a manifest
// whose artifact hash differs from the registered version's is reported, not applied. The newest
// version's manifest refreshes the strategy's descriptive fields (name, description, category,
// tags, metadata) when they changed; a status set by an operator (deprecated, archived) is kept.
// A manifest the catalog refuses is a problem of that manifest, reported, and the others go on; a
// damaged or failing catalog file (Corruption, IoError) stops the sync as a whole: nothing of it
// is applied and `fatal` says why.
#pragma once

#include <string>
#include <vector>

#include "registry/catalog/catalog.h"
#include "registry/manifest/manifest.h"

namespace algohost::catalog {

struct SyncInput {
  const Manifest* manifest = nullptr;
  std::string artifact_sha256;  // computed by the caller ("" when the artifact is missing)
  std::string origin = "built_in";  // built_in for the host's own plugins, imported otherwise
};

struct SyncReport {
  int registered = 0, versions_added = 0, updated = 0, unchanged = 0;
  std::vector<std::string> problems;  // "name@version: message"
  Status fatal;                       // not ok when the catalog itself failed (see above)
};

SyncReport sync_manifests(Catalog& catalog, const std::vector<SyncInput>& inputs);

// The version a manifest describes, for an artifact with sha256 `sha` ("" when it is missing).
VersionCreate version_create_from(const Manifest& m, const std::string& sha);

// The registration a manifest describes.
Registration registration_from(const Manifest& m, const std::string& origin);
// The descriptive fields of `r` that differ from the record `s` (a status an operator set,
// deprecated or archived, is kept); nullopt when none differ.
std::optional<StrategyUpdate> descriptive_update(const StrategyRecord& s, const Registration& r);

}  // namespace algohost::catalog
