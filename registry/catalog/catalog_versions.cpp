// Catalog: versions. A published version is immutable; current_version follows semver.
#include <algorithm>

#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"
#include "registry/catalog/file_mirror.h"
#include "registry/common/semver.h"

namespace algohost::catalog {

namespace {

std::string version_type(const std::optional<SemVer>& previous, const SemVer& v) {
  if (!previous) return "initial";
  if (!v.prerelease.empty()) return "prerelease";
  if (v.major != previous->major) return "major";
  if (v.minor != previous->minor) return "minor";
  return "patch";
}

void sort_by_semver_desc(std::vector<VersionRecord>& v) {
  std::stable_sort(v.begin(), v.end(), [](const VersionRecord& a, const VersionRecord& b) {
    auto sa = SemVer::parse(a.version_number), sb = SemVer::parse(b.version_number);
    return sa && sb ? compare(*sb, *sa) < 0 : a.version_number > b.version_number;
  });
}

}  // namespace

Result<std::vector<std::string>> Catalog::version_numbers(const std::string& strategy_id, bool active_only) {
  auto st = db_->prepare("SELECT version_number FROM strategy_versions WHERE strategy_id = ?1 AND (?2 = 0 OR is_active = 1)");
  if (!st.ok()) return st.status();
  (*st)->bind(1, strategy_id).bind(2, active_only);
  std::vector<std::string> out;
  while ((*st)->step()) out.push_back((*st)->text(0));
  if (!(*st)->status().ok()) return (*st)->status();
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    auto sa = SemVer::parse(a), sb = SemVer::parse(b);
    return sa && sb ? algohost::compare(*sb, *sa) < 0 : a > b;
  });
  return out;
}

Status Catalog::refresh_versions(const std::string& strategy_id) {
  auto all = version_numbers(strategy_id, false);
  if (!all.ok()) return all.status();
  auto active = version_numbers(strategy_id, true);
  if (!active.ok()) return active.status();
  return internal::run(*db_,
                       "UPDATE strategies SET current_version = ?, version_count = ?, updated_at = ? WHERE strategy_id = ?",
                       {active->empty() ? Json(nullptr) : Json(active->front()), static_cast<int64_t>(all->size()),
                        now_iso(), strategy_id});
}

Result<VersionRecord> Catalog::create_version(const std::string& id_or_name, const VersionCreate& v) {
  auto sv = SemVer::parse(v.version);
  if (!sv) return Status::InvalidArgument("version: '" + v.version + "' is not a semantic version (MAJOR.MINOR.PATCH)");
  if (v.validation_status != "passed" && v.validation_status != "failed" && v.validation_status != "pending")
    return Status::InvalidArgument("validation_status: '" + v.validation_status + "' is not one of: passed, failed, pending");
  for (const Json* j : {&v.parameters, &v.default_parameters})
    if (!j->is_null() && !j->is_object()) return Status::InvalidArgument("parameters: expected a JSON object");

  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  std::string sid, name;  // id and name only: the full record (tags and all) is not needed here
  {
    auto q = db_->prepare("SELECT strategy_id, strategy_name FROM strategies WHERE strategy_id = ?1 OR strategy_name = ?1");
    if (!q.ok()) return q.status();
    (*q)->bind(1, id_or_name);
    if (!(*q)->step()) {
      if (!(*q)->status().ok()) return (*q)->status();
      return Status::NotFound("unknown strategy '" + id_or_name + "'");
    }
    sid = (*q)->text(0);
    name = (*q)->text(1);
  }
  const std::string label = name + "@" + v.version;

  auto existing = get_version(sid, v.version);
  if (existing.ok()) {
    const bool same = existing->artifact_sha256 == v.artifact_sha256 && existing->git_commit_hash == v.git_commit_hash;
    if (same) return existing;  // registering the same thing again changes nothing
    return Status::AlreadyExists(label + " is published with sha256 " +
                                 (existing->artifact_sha256.empty() ? "(none)" : existing->artifact_sha256) +
                                 "; refusing another artifact (" + (v.artifact_sha256.empty() ? "(none)" : v.artifact_sha256) +
                                 ") under the same version: publish a new version");
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  auto prior = version_numbers(sid, false);
  if (!prior.ok()) return prior.status();
  std::optional<SemVer> highest;
  if (!prior->empty()) highest = SemVer::parse(prior->front());

  const std::string vid = new_uuid();
  const std::string now = now_iso();
  std::string snapshot = v.artifact_path;
  if (mirror_ && !v.artifact_path.empty()) snapshot = mirror_->snapshot_path(vid, v.artifact_path);
  std::string prerelease;
  for (size_t i = 0; i < sv->prerelease.size(); ++i) prerelease += (i ? "." : "") + sv->prerelease[i];
  auto dump = [](const Json& j) { return j.is_null() ? Json(nullptr) : Json(j.dump()); };
  auto opt = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  Status st = internal::run(
      *db_,
      "INSERT INTO strategy_versions (version_id, strategy_id, version_number, version_major, version_minor, "
      "version_patch, version_prerelease, version_type, code_snapshot, git_commit_hash, artifact_sha256, changelog, "
      "breaking_changes, migration_notes, parameters_json, default_parameters_json, backtest_results_json, "
      "validation_status, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {vid, sid, v.version, static_cast<int64_t>(sv->major), static_cast<int64_t>(sv->minor),
       static_cast<int64_t>(sv->patch), prerelease, version_type(highest, *sv), opt(snapshot), opt(v.git_commit_hash),
       opt(v.artifact_sha256), opt(v.changelog), opt(v.breaking_changes), opt(v.migration_notes), dump(v.parameters),
       dump(v.default_parameters), dump(v.backtest_results), v.validation_status, opt(v.created_by), now});
  if (!st.ok()) return st;
  if (st = refresh_versions(sid); !st.ok()) return st;
  auto created = get_version(vid);
  if (!created.ok()) return created.status();
  if (st = write_audit("create_version", "version", vid, sid, nullptr, created->to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  if (mirror_) mirror_->write_snapshot(*created, v.artifact_path);
  mirror_strategy(sid);
  return created;
}

Result<std::vector<VersionRecord>> Catalog::versions(const std::string& id_or_name) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(std::string("SELECT ") + internal::kVersionColumns +
                         " FROM strategy_versions v WHERE v.strategy_id = ?");
  if (!st.ok()) return st.status();
  (*st)->bind(1, *sid);
  std::vector<VersionRecord> out;
  while ((*st)->step()) out.push_back(internal::read_version(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  sort_by_semver_desc(out);
  return out;
}

Result<VersionRecord> Catalog::get_version(const std::string& version_id) {
  auto st = db_->prepare(std::string("SELECT ") + internal::kVersionColumns +
                         " FROM strategy_versions v WHERE v.version_id = ?");
  if (!st.ok()) return st.status();
  (*st)->bind(1, version_id);
  if ((*st)->step()) return internal::read_version(**st);
  if (!(*st)->status().ok()) return (*st)->status();
  return Status::NotFound("unknown version id '" + version_id + "'");
}

Result<VersionRecord> Catalog::get_version(const std::string& id_or_name, const std::string& number) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(std::string("SELECT ") + internal::kVersionColumns +
                         " FROM strategy_versions v WHERE v.strategy_id = ? AND v.version_number = ?");
  if (!st.ok()) return st.status();
  (*st)->bind(1, *sid).bind(2, number);
  if ((*st)->step()) return internal::read_version(**st);
  if (!(*st)->status().ok()) return (*st)->status();
  return Status::NotFound("strategy '" + id_or_name + "' has no version " + number);
}

}  // namespace algohost::catalog
