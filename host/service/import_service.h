// Import of metadata files into the catalog (`algohost strategies import FILE|DIR`), and the error
// a run gives for a strategy that came from one.
//
// Each file is read with the manifest reader as a metadata file (the seed's shape or the flat one,
// comments allowed; see docs/manifest.md) and imported with catalog::import_metadata(): registered
// with origin "imported", not runnable. A directory is searched recursively for *.json files, in
// path order. Every file gets its own result: an invalid or refused file is reported with its
// errors (JSON paths included) and the others go on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "registry/catalog/catalog.h"
#include "registry/common/status.h"

namespace algohost {

struct ImportFileResult {
  std::filesystem::path file;
  std::string strategy;                // name@version when the file named them
  std::string action;                  // registered | version_added | unchanged; "" on error
  Status status;                       // not ok: why the file was not imported
  std::vector<std::string> errors;     // the manifest reader's errors ("strategy.version: ...")
  std::vector<std::string> warnings;   // and its warnings

  bool ok() const { return status.ok(); }
};

// NotFound when a path does not exist or a directory holds no *.json file; otherwise one result
// per file.
Result<std::vector<ImportFileResult>> import_metadata_paths(catalog::Catalog& catalog,
                                                            const std::vector<std::filesystem::path>& paths);

// For `run --strategy NAME` when no plugin provides NAME: Unsupported naming the metadata file when
// the catalog holds NAME from imported metadata (not runnable); ok otherwise. `spec` is NAME or
// NAME@VERSION.
Status check_not_imported_only(catalog::Catalog& catalog, const std::string& spec);

}  // namespace algohost
