// Which catalog version a run records a strategy's trades against, from the artifact that runs.
//
// The catalog records what actually ran (docs/catalog.md, "Published versions"): the sha256 of the
// artifact about to run is compared with the one published for the manifest's name@version.
//  - The same: the trades are recorded against the published version.
//  - Another (a library rebuilt, a module edited, under a version already published): refused
//    (FailedPrecondition, exit 4) naming both sha256 values and saying to publish a new version;
//    with allow_unpublished, recorded instead against a development version of its own,
//    "<version>-dev-<first 12 hex of the sha256>" (strategy_versions.development = 1), created on
//    first use and never the strategy's current version.
//  - Not published at all (the sync refused it, e.g. it failed a load check): NotFound.
#pragma once

#include <string>

#include "registry/catalog/catalog.h"
#include "registry/manifest/manifest.h"

namespace algohost {

struct RanVersion {
  std::string artifact_sha256;     // of the file that runs
  std::string version_id;          // where its trades are recorded
  std::string version_number;      // that version's number
  bool published = true;           // false: a development version (see above)
  std::string published_sha256;    // the published version's, when it differs
};

// `sha256`: of m's artifact, as it is about to run (PluginService::artifact_sha256).
Result<RanVersion> version_to_record(catalog::Catalog& catalog, const Manifest& m, const std::string& sha256,
                                     bool allow_unpublished);

// The number of the development version for an artifact: "1.2.0-dev-0a1b2c3d4e5f" (a prerelease
// of 1.2.0; "1.2.0-rc.1.dev-0a1b2c3d4e5f" for a prerelease).
std::string development_version(const std::string& version, const std::string& sha256);

}  // namespace algohost
