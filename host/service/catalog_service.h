// CatalogService — the catalog as the CLI and the server use it: where it lives, and kept in
// step with what discovery finds (every command that reads the catalog syncs first).
//
// Publishing: a plugin version enters the catalog only after it has passed every load check
// (PluginService::check_loads), once per new artifact; a version already published with the same
// sha256 is not checked again. One that fails is not published, and the sync says why.
// Runs: opening the catalog marks runs whose process is gone as "crashed" and warns of each.
// A catalog the user cannot write (the file, or its folder, is not writable) is opened read-only
// for reading commands: not synced, with one warning; a command that changes it gets IoError.
//
// Location: the data directory is ALGOHOST_HOME, else ./algohost-data; the catalog file is
// <data dir>/catalog.db unless --catalog names another file, and the JSON mirror (metadata/,
// code_snapshots/, performance_cache/) is written next to the catalog file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "host/service/plugin_service.h"
#include "registry/catalog/catalog.h"
#include "registry/catalog/sync.h"

namespace algohost {

struct CatalogLocation {
  std::filesystem::path db;        // the SQLite file
  std::filesystem::path data_dir;  // the mirror root (the db's folder)
};

// `catalog_flag`: --catalog's value if given; `home_env`: ALGOHOST_HOME's value or nullptr.
CatalogLocation resolve_catalog_location(const std::optional<std::string>& catalog_flag, const char* home_env);

// What a command does with the catalog.
enum class CatalogAccess {
  kWrite,  // changes it (or runs and records): needs a writable catalog, synced first
  kRead,   // only reads it: a catalog the user cannot write is opened read-only, without a sync
};

// Why the user cannot write the catalog file `db`: "" when it can be written (or does not exist
// yet), else what stops it ("Permission denied", "its folder DIR: Read-only file system").
std::string catalog_unwritable_reason(const std::filesystem::path& db);

class CatalogService {
 public:
  CatalogService(PluginService& plugins, CatalogLocation location, std::string actor = "cli");

  // Opens the catalog and syncs it with discovery, once. Errors name the catalog file. With
  // kRead, a catalog the user cannot write is opened read-only and not synced (one warning is
  // logged); with kWrite it is IoError, naming the file and why.
  Result<catalog::Catalog*> catalog(CatalogAccess access = CatalogAccess::kWrite);
  // True when catalog() opened it read-only.
  bool read_only() const { return read_only_; }
  const catalog::SyncReport& sync_report() const { return report_; }
  // Runs found "running" whose process had gone, marked "crashed" when the catalog was opened.
  const std::vector<catalog::CrashedRun>& crashed_runs() const { return crashed_; }
  const CatalogLocation& location() const { return location_; }
  // Syncs the open catalog with discovery again (after PluginService::rescan(): serve --watch).
  Status resync();

 private:
  PluginService& plugins_;
  CatalogLocation location_;
  std::string actor_;
  std::unique_ptr<catalog::Catalog> catalog_;
  Status sync(catalog::Catalog& c);
  catalog::SyncReport report_;
  std::vector<catalog::CrashedRun> crashed_;
  bool read_only_ = false;
};

}  // namespace algohost
