#include "host/service/catalog_service.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "host/loader/sha256.h"

namespace algohost {
namespace fs = std::filesystem;

CatalogLocation resolve_catalog_location(const std::optional<std::string>& catalog_flag, const char* home_env) {
  const fs::path home = (home_env && *home_env) ? fs::path(home_env) : fs::path("algohost-data");
  CatalogLocation loc;
  loc.db = catalog_flag ? fs::path(*catalog_flag) : home / "catalog.db";
  loc.data_dir = loc.db.has_parent_path() ? loc.db.parent_path() : fs::path(".");
  return loc;
}

std::string catalog_unwritable_reason(const fs::path& db) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return "";  // created on open; a failure to create it is an IoError then
  if (::access(db.c_str(), W_OK) != 0) return std::strerror(errno);
  // SQLite writes its -wal and -shm files (and removes them) beside the database.
  const fs::path dir = db.has_parent_path() ? db.parent_path() : fs::path(".");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return "its folder " + dir.string() + ": " + std::strerror(errno);
  return "";
}

CatalogService::CatalogService(PluginService& plugins, CatalogLocation location, std::string actor)
    : plugins_(plugins), location_(std::move(location)), actor_(std::move(actor)) {}

Status CatalogService::sync(catalog::Catalog& c) {
  std::vector<catalog::SyncInput> inputs;
  std::vector<std::string> unpublished;
  for (const auto& p : plugins_.discovery().plugins) {
    if (!p.report.ok() || p.shadowed_by) continue;
    const Manifest& m = *p.report.manifest;
    auto sha = plugins_.artifact_sha256(m);
    // A version not yet published with this artifact is published only once it loads. (One
    // published with another artifact is refused by the sync itself, without loading anything.)
    if (m.kind == "strategy") {
      auto have = c.get_version(m.name, m.version_text);
      if (!have.ok() || !sha.ok()) {
        if (Status loads = plugins_.check_loads(m); !loads.ok()) {
          unpublished.push_back(m.id() + ": not published: " + loads.message());
          continue;
        }
      }
    }
    inputs.push_back({&m, sha.ok() ? *sha : std::string(), p.origin == "built-in" ? "built_in" : "imported"});
  }
  const std::string actor = c.actor();
  c.set_actor("sync");
  report_ = catalog::sync_manifests(c, inputs);
  c.set_actor(actor);
  report_.problems.insert(report_.problems.end(), unpublished.begin(), unpublished.end());
  if (!report_.fatal.ok()) {
    const Status& f = report_.fatal;
    std::string message = location_.db.string() + ": " + f.message();
    if (f.code() == StatusCode::kCorruption)
      message += ": the catalog file is damaged; restore it from a backup, or save what is readable with "
                 "`sqlite3 " + location_.db.string() + " .recover`";
    return Status(f.code(), message);
  }
  for (const auto& problem : report_.problems) spdlog::warn("catalog sync: {}", problem);
  return Status::Ok();
}

Status CatalogService::resync() {
  if (!catalog_ || read_only_) return Status::FailedPrecondition("the catalog is not open for writing");
  return sync(*catalog_);
}

Result<catalog::Catalog*> CatalogService::catalog(CatalogAccess access) {
  const std::string db = location_.db.string();
  if (catalog_ && !(read_only_ && access == CatalogAccess::kWrite)) return catalog_.get();
  const std::string unwritable = read_only_ ? "opened read-only" : catalog_unwritable_reason(location_.db);
  if (!unwritable.empty()) {
    if (access == CatalogAccess::kWrite)
      return Status::IoError("catalog " + db + " is read-only (" + unwritable + "): this command changes it");
    catalog::CatalogOptions options;
    options.actor = actor_;
    options.read_only = true;  // no mirror files either
    auto opened = catalog::Catalog::open(location_.db, options);
    if (!opened.ok()) return opened.status().with_context("catalog " + db + " is read-only and cannot be read");
    spdlog::warn("catalog {} is read-only: not synced with the plugins; showing what it holds", db);
    read_only_ = true;
    catalog_ = std::move(*opened);
    return catalog_.get();
  }
  catalog::CatalogOptions options;
  options.actor = actor_;
  options.data_dir = location_.data_dir;
  auto opened = catalog::Catalog::open(location_.db, options);
  if (!opened.ok()) return opened.status();
  if (Status st = sync(**opened); !st.ok()) return st;
  auto crashed = (*opened)->mark_crashed_runs();
  if (!crashed.ok()) return crashed.status().with_context(location_.db.string());
  crashed_ = std::move(*crashed);
  for (const auto& r : crashed_)
    spdlog::warn("run {} (started {}) ended without finishing: {}; marked crashed, its {} recorded trades are kept",
                 r.run_id, r.started_at, r.why, r.trades);
  catalog_ = std::move(*opened);
  return catalog_.get();
}

}  // namespace algohost
