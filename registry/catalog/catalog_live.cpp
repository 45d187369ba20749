// Catalog: the live host's instances (live_instances, schema 6) and their audit rows.
#include "registry/catalog/catalog.h"
#include "registry/catalog/actor_scope.h"
#include "registry/catalog/catalog_internal.h"

namespace algohost::catalog {

namespace {
Json opt_json(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }
}  // namespace

Json LiveInstance::to_json() const {
  return Json{{"instance", instance},
              {"strategy", strategy_name},
              {"strategy_id", opt_json(strategy_id)},
              {"version", version_number},
              {"version_id", opt_json(version_id)},
              {"status", status},
              {"canary_version", opt_json(canary_version)},
              {"run_id", opt_json(run_id)},
              {"pid", pid ? Json(*pid) : Json(nullptr)},
              {"updated_at", updated_at}};
}

Status Catalog::record_live_instance(const LiveInstance& row, const std::string& action, const std::string& actor,
                                     const Json& detail) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  Status st = internal::run(
      *db_,
      "INSERT OR REPLACE INTO live_instances (instance, strategy_id, strategy_name, version_number, version_id, status, "
      "canary_version, run_id, pid, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {row.instance, opt_json(row.strategy_id), row.strategy_name, row.version_number, opt_json(row.version_id),
       row.status, opt_json(row.canary_version), opt_json(row.run_id), row.pid ? Json(*row.pid) : Json(nullptr),
       now_iso()});
  if (!st.ok()) return st.with_context("live instance " + row.instance);
  {
    ActorScope as(*this, actor);
    st = write_audit(action, "live_instance", row.instance, row.strategy_id.value_or(""), nullptr, detail);
  }
  if (!st.ok()) return st;
  return txn.commit();
}

Status Catalog::audit_live(const std::string& instance, const std::string& strategy_name, const std::string& action,
                           const std::string& actor, const Json& detail) {
  auto sid = resolve_id(strategy_name);
  ActorScope as(*this, actor);
  return write_audit(action, "live_instance", instance, sid.ok() ? *sid : "", nullptr, detail);
}

Result<std::vector<LiveInstance>> Catalog::live_instances() {
  auto st = db_->prepare(
      "SELECT instance, strategy_id, strategy_name, version_number, version_id, status, canary_version, run_id, pid, "
      "updated_at FROM live_instances ORDER BY instance");
  if (!st.ok()) return st.status();
  std::vector<LiveInstance> out;
  while ((*st)->step()) {
    LiveInstance r;
    r.instance = (*st)->text(0);
    r.strategy_id = (*st)->opt_text(1);
    r.strategy_name = (*st)->text(2);
    r.version_number = (*st)->text(3);
    r.version_id = (*st)->opt_text(4);
    r.status = (*st)->text(5);
    r.canary_version = (*st)->opt_text(6);
    r.run_id = (*st)->opt_text(7);
    if (!(*st)->is_null(8)) r.pid = (*st)->int64(8);
    r.updated_at = (*st)->text(9);
    out.push_back(std::move(r));
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Status Catalog::stop_live_instances(const std::string& run_id) {
  return internal::run(*db_,
                       "UPDATE live_instances SET status = 'stopped', canary_version = NULL, updated_at = ? "
                       "WHERE run_id = ? AND status = 'running'",
                       {now_iso(), run_id});
}

}  // namespace algohost::catalog
