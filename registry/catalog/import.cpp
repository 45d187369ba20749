#include "registry/catalog/import.h"

#include "registry/catalog/sync.h"
#include "registry/common/semver.h"

namespace algohost::catalog {

namespace {

constexpr const char* kImportedFrom = "imported_from";  // key in the stored metadata's "metadata" block
constexpr const char* kNotesPrefix = "imported from ";   // a version's migration_notes

// The registration, with the source file recorded in the metadata's free-form "metadata" block.
Registration imported_registration(const Manifest& m) {
  Registration r = registration_from(m, "imported");
  r.runnable = false;
  if (!r.metadata.is_object()) r.metadata = Json::object();
  if (!r.metadata.contains("metadata") || !r.metadata["metadata"].is_object()) r.metadata["metadata"] = Json::object();
  r.metadata["metadata"][kImportedFrom] = m.file.string();
  return r;
}

VersionCreate imported_version(const Manifest& m, const std::string& sha) {
  VersionCreate v = version_create_from(m, sha);
  v.artifact_path.clear();  // nothing to snapshot: the code is not here
  v.validation_status = "pending";
  v.migration_notes = kNotesPrefix + m.file.string();
  return v;
}

std::string source_of(const VersionRecord& v) {
  const std::string prefix = kNotesPrefix;
  return v.migration_notes.rfind(prefix, 0) == 0 ? v.migration_notes.substr(prefix.size()) : "(unknown file)";
}

}  // namespace

std::string imported_from(const StrategyRecord& s) {
  if (!s.metadata.is_object()) return "";
  auto block = s.metadata.find("metadata");
  if (block == s.metadata.end() || !block->is_object()) return "";
  auto file = block->find(kImportedFrom);
  return file != block->end() && file->is_string() ? file->get<std::string>() : "";
}

Result<ImportResult> import_metadata(Catalog& catalog, const Manifest& m, const std::string& content_sha256) {
  const std::string file = m.file.string();
  if (m.kind != "strategy")
    return Status::InvalidArgument(file + ": kind '" + m.kind + "': only strategies are imported");
  if (m.version_text.empty())
    return Status::InvalidArgument(file + ": version: required field is missing (an import registers a version)");
  const std::string label = m.id();
  ImportResult result;
  Status st = catalog.in_transaction([&]() -> Status {
    auto existing = catalog.get(m.name);
    if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) return existing.status();
    if (!existing.ok()) {
      auto id = catalog.register_strategy(imported_registration(m));
      if (!id.ok()) return id.status().with_context(file);
      auto v = catalog.create_version(*id, imported_version(m, content_sha256));
      if (!v.ok()) return v.status().with_context(file);
      result = {*id, "registered"};
      return Status::Ok();
    }
    if (existing->runnable)
      return Status::AlreadyExists(file + ": strategy '" + m.name + "' is in the catalog already (origin " +
                                   existing->origin + ") with an artifact the host loads; an import only adds "
                                   "strategies that have none");
    result.strategy_id = existing->strategy_id;
    if (auto had = catalog.get_version(existing->strategy_id, m.version_text); had.ok()) {
      if (had->artifact_sha256 == content_sha256) {
        result.action = "unchanged";
        return Status::Ok();
      }
      return Status::AlreadyExists(label + " is imported already from " + source_of(*had) + " (content sha256 " +
                                   had->artifact_sha256 + "); " + file + " describes it otherwise (content sha256 " +
                                   content_sha256 + "): give the changed metadata a new version");
    } else if (had.status().code() != StatusCode::kNotFound) {
      return had.status();
    }
    auto v = catalog.create_version(existing->strategy_id, imported_version(m, content_sha256));
    if (!v.ok()) return v.status().with_context(file);
    result.action = "version_added";
    // The newest version describes the strategy.
    auto current = SemVer::parse(existing->current_version);
    if (!current || compare(m.version, *current) >= 0)
      if (auto u = descriptive_update(*existing, imported_registration(m)))
        if (Status s = catalog.update_strategy(existing->strategy_id, *u); !s.ok()) return s;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return result;
}

}  // namespace algohost::catalog
