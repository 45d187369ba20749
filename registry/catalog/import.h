// Import — strategies described by metadata files that have no artifact the host can load (the
// seed's phase 1, "migrate existing strategies to the registry"; `algohost strategies import`).
//
// An imported strategy is registered with origin "imported" and runnable = false; each file's
// version becomes a version of it, versioned like any other (current_version follows semver, the
// newest version's metadata describes the strategy). The document's hash (computed by the
// caller over its content, so whitespace and comments do not count) stands in for the artifact's:
// importing the same document again changes nothing, and another document under a name@version
// that is already imported is refused like a published version, naming both hashes and files.
// A strategy that is in the catalog from a plugin (runnable) is never touched by an import. A
// plugin installed later for an imported strategy makes it runnable (see sync.h).
#pragma once

#include <string>

#include "registry/catalog/catalog.h"
#include "registry/manifest/manifest.h"

namespace algohost::catalog {

struct ImportResult {
  std::string strategy_id;
  std::string action;  // registered | version_added | unchanged
};

// Imports one metadata file's manifest (read with ManifestUse::kMetadata). Errors: InvalidArgument
// (not a strategy, no version), AlreadyExists (a runnable strategy of that name; another document
// under the same name@version), and the catalog's own. One transaction: all or nothing.
Result<ImportResult> import_metadata(Catalog& catalog, const Manifest& m, const std::string& content_sha256);

// Where an imported strategy's metadata came from (the file recorded at import), or "".
std::string imported_from(const StrategyRecord& s);

}  // namespace algohost::catalog
