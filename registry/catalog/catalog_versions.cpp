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

  // One read of the strategy's versions answers everything below: whether this number is taken,
  // the highest version below this one (the version type: 1.1.0 published after 2.0.0 is a minor
  // release of 1.0.0), and afterwards current_version (the highest active) and version_count.
  std::optional<SemVer> below, highest_active;
  int64_t count = 0;
  {
    auto q = db_->prepare(
        "SELECT version_number, is_active, version_id, artifact_sha256, git_commit_hash, development FROM strategy_versions "
        "WHERE strategy_id = ?");
    if (!q.ok()) return q.status();
    (*q)->bind(1, sid);
    while ((*q)->step()) {
      const std::string number = (*q)->text(0);
      if (number == v.version) {
        if ((*q)->text(3) == v.artifact_sha256 && (*q)->text(4) == v.git_commit_hash)
          return get_version((*q)->text(2));  // registering the same thing again changes nothing
        const std::string sha = (*q)->text(3);
        return Status::AlreadyExists(label + " is published with sha256 " + (sha.empty() ? "(none)" : sha) +
                                     "; refusing another artifact (" +
                                     (v.artifact_sha256.empty() ? "(none)" : v.artifact_sha256) +
                                     ") under the same version: publish a new version");
      }
      ++count;
      auto parsed = SemVer::parse(number);
      if (!parsed) continue;
      if (algohost::compare(*parsed, *sv) < 0 && (!below || algohost::compare(*parsed, *below) > 0)) below = parsed;
      if ((*q)->int64(1) != 0 && (*q)->int64(5) == 0 && (!highest_active || algohost::compare(*parsed, *highest_active) > 0)) highest_active = parsed;
    }
    if (!(*q)->status().ok()) return (*q)->status();
  }

  VersionRecord rec;  // as read_version() would read the row back
  rec.version_id = new_uuid();
  rec.strategy_id = sid;
  rec.version_number = v.version;
  rec.version_type = version_type(below, *sv);
  rec.code_snapshot = v.artifact_path;
  if (mirror_ && !v.artifact_path.empty()) rec.code_snapshot = mirror_->snapshot_path(rec.version_id, v.artifact_path);
  rec.git_commit_hash = v.git_commit_hash;
  rec.artifact_sha256 = v.artifact_sha256;
  rec.changelog = v.changelog;
  rec.breaking_changes = v.breaking_changes;
  rec.migration_notes = v.migration_notes;
  rec.parameters = v.parameters;
  rec.default_parameters = v.default_parameters;
  rec.backtest_results = v.backtest_results;
  rec.validation_status = v.validation_status;
  rec.created_by = v.created_by;
  rec.created_at = now_iso();
  rec.development = v.development;
  std::string prerelease;
  for (size_t i = 0; i < sv->prerelease.size(); ++i) {
    if (i) prerelease += '.';
    prerelease += sv->prerelease[i];
  }
  auto dump = [](const Json& j) { return j.is_null() ? std::optional<std::string>() : std::optional<std::string>(j.dump()); };
  auto opt = [](const std::string& s) { return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s); };
  auto ins = db_->prepare(
      "INSERT INTO strategy_versions (version_id, strategy_id, version_number, version_major, version_minor, "
      "version_patch, version_prerelease, version_type, code_snapshot, git_commit_hash, artifact_sha256, changelog, "
      "breaking_changes, migration_notes, parameters_json, default_parameters_json, backtest_results_json, "
      "validation_status, created_by, created_at, development) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins.ok()) return ins.status();
  (*ins)->bind_all(rec.version_id, sid, v.version, static_cast<int64_t>(sv->major), static_cast<int64_t>(sv->minor),
                   static_cast<int64_t>(sv->patch), prerelease, rec.version_type, opt(rec.code_snapshot),
                   opt(v.git_commit_hash), opt(v.artifact_sha256), opt(v.changelog), opt(v.breaking_changes),
                   opt(v.migration_notes), dump(v.parameters), dump(v.default_parameters), dump(v.backtest_results),
                   v.validation_status, opt(v.created_by), rec.created_at, v.development);
  Status st = (*ins)->run();
  if (!st.ok()) return st;
  // A new version is active: it is current when it is the highest active one.
  const bool is_current = !v.development && (!highest_active || algohost::compare(*sv, *highest_active) > 0);
  st = internal::run(*db_,
                     is_current ? "UPDATE strategies SET current_version = ?1, version_count = ?2, updated_at = ?3 "
                                  "WHERE strategy_id = ?4"
                                : "UPDATE strategies SET version_count = ?2, updated_at = ?3 WHERE strategy_id = ?4",
                     {v.version, count + 1, rec.created_at, sid});
  if (!st.ok()) return st;
  if (st = write_audit("create_version", "version", rec.version_id, sid, nullptr, rec.to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  if (mirror_) mirror_->write_snapshot(rec, v.artifact_path);
  mirror_strategy(sid);
  return rec;
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
