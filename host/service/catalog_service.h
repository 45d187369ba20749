// CatalogService — the catalog as the CLI and the server use it: where it lives, and kept in
// step with what discovery finds (every command that reads the catalog syncs first).
//
// Publishing: a plugin version enters the catalog only after it has passed every load check
// (PluginService::check_loads), once per new artifact; a version already published with the same
// sha256 is not checked again. One that fails is not published, and the sync says why.
// Runs: opening the catalog marks runs whose process is gone as "crashed" and warns of each.
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

class CatalogService {
 public:
  CatalogService(PluginService& plugins, CatalogLocation location, std::string actor = "cli");

  // Opens the catalog and syncs it with discovery, once. Errors name the catalog file.
  Result<catalog::Catalog*> catalog();
  const catalog::SyncReport& sync_report() const { return report_; }
  // Runs found "running" whose process had gone, marked "crashed" when the catalog was opened.
  const std::vector<catalog::CrashedRun>& crashed_runs() const { return crashed_; }
  const CatalogLocation& location() const { return location_; }

 private:
  PluginService& plugins_;
  CatalogLocation location_;
  std::string actor_;
  std::unique_ptr<catalog::Catalog> catalog_;
  catalog::SyncReport report_;
  std::vector<catalog::CrashedRun> crashed_;
};

}  // namespace algohost
