// Catalog: the runs table and the metrics a run measures for a version.
#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"
#include "registry/common/process_identity.h"

namespace algohost::catalog {

Result<std::string> Catalog::start_run(const std::string& kind, const Json& strategies, const Json& data,
                                       const Json& config, const std::string& engine_version) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  const std::string id = new_uuid();
  const ProcessIdentity& self = ProcessIdentity::current();
  const std::string now = now_iso();
  Status st = internal::run(*db_,
                            "INSERT INTO runs (run_id, kind, started_at, status, strategies_json, data_json, config_json, "
                            "engine_version, pid, host, process_start, heartbeat_at) "
                            "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                            {id, kind, now, strategies.dump(), data.dump(), config.dump(), engine_version, self.pid,
                             self.host, self.start.empty() ? Json(nullptr) : Json(self.start), now});
  if (!st.ok()) return st;
  st = write_audit("start_run", "run", id, "", nullptr, Json{{"kind", kind}, {"strategies", strategies}});
  if (!st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  return id;
}

Status Catalog::finish_run(const std::string& run_id, const std::string& status, const std::string& error,
                           const Json& results) {
  if (status != "finished" && status != "failed" && status != "interrupted")
    return Status::InvalidArgument("run status '" + status + "' is not one of: finished, failed, interrupted");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get_run(run_id);
  if (!before.ok()) return before.status();
  Status st = internal::run(*db_,
                            "UPDATE runs SET finished_at = ?, status = ?, error = ?, results_json = ? WHERE run_id = ?",
                            {now_iso(), status, error.empty() ? Json(nullptr) : Json(error), results.dump(), run_id});
  if (!st.ok()) return st;
  st = write_audit("finish_run", "run", run_id, "", Json{{"status", before->status}},
                   Json{{"status", status}, {"error", error}});
  if (!st.ok()) return st;
  return txn.commit();
}

namespace internal {
RunRecord read_run(sql::Statement& s) {
  RunRecord r;
  r.run_id = s.text(0);
  r.kind = s.text(1);
  r.started_at = s.text(2);
  r.finished_at = s.opt_text(3);
  r.status = s.text(4);
  r.strategies = internal::parse_json_column(s.opt_text(5));
  r.data = internal::parse_json_column(s.opt_text(6));
  r.config = internal::parse_json_column(s.opt_text(7));
  r.results = internal::parse_json_column(s.opt_text(10));
  r.engine_version = s.text(8);
  r.error = s.opt_text(9);
  if (!s.is_null(11)) r.pid = s.int64(11);
  r.host = s.opt_text(12);
  r.heartbeat_at = s.opt_text(13);
  return r;
}
const char* const kRunColumns =
    "run_id, kind, started_at, finished_at, status, strategies_json, data_json, config_json, engine_version, error, "
    "results_json, pid, host, heartbeat_at";
}  // namespace internal

Result<std::vector<RunRecord>> Catalog::runs(int64_t limit) {
  auto st = db_->prepare(std::string("SELECT ") + internal::kRunColumns + " FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?");
  if (!st.ok()) return st.status();
  (*st)->bind(1, limit);
  std::vector<RunRecord> out;
  while ((*st)->step()) out.push_back(internal::read_run(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Result<RunRecord> Catalog::get_run(const std::string& run_id) {
  auto st = db_->prepare(std::string("SELECT ") + internal::kRunColumns + " FROM runs WHERE run_id = ?");
  if (!st.ok()) return st.status();
  (*st)->bind(1, run_id);
  if ((*st)->step()) return internal::read_run(**st);
  if (!(*st)->status().ok()) return (*st)->status();
  return Status::NotFound("unknown run '" + run_id + "'");
}

Result<std::vector<MemRunResult>> Catalog::mem_runs(const std::string& id_or_name,
                                                    const std::optional<std::string>& run_id, int64_t limit) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(
      "SELECT r.run_id, r.started_at, json_extract(s.value, '$.strategy'), json_extract(s.value, '$.mem') "
      "FROM runs r, json_each(r.results_json, '$.strategies') s "
      "WHERE json_extract(s.value, '$.strategy_id') = ?1 AND json_type(s.value, '$.mem') = 'object' "
      "AND (?2 IS NULL OR r.run_id = ?2) ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?3");
  if (!st.ok()) return st.status();
  (*st)->bind(1, *sid).bind(2, run_id).bind(3, limit);
  std::vector<MemRunResult> out;
  while ((*st)->step()) {
    MemRunResult m;
    m.run_id = (*st)->text(0);
    m.started_at = (*st)->text(1);
    m.strategy_label = (*st)->opt_text(2).value_or("");
    m.mem = internal::parse_json_column((*st)->opt_text(3));
    out.push_back(std::move(m));
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Status Catalog::update_version_metrics(const std::string& version_id, std::optional<double> sharpe,
                                       std::optional<double> win_rate, std::optional<double> max_drawdown,
                                       std::optional<double> cagr, const Json& backtest_results) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get_version(version_id);
  if (!before.ok()) return before.status();
  auto j = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  Status st = internal::run(*db_,
                            "UPDATE strategy_versions SET sharpe_ratio = ?, win_rate = ?, max_drawdown = ?, cagr = ?, "
                            "backtest_results_json = ? WHERE version_id = ?",
                            {j(sharpe), j(win_rate), j(max_drawdown), j(cagr), backtest_results.dump(), version_id});
  if (!st.ok()) return st;
  auto after = get_version(version_id);
  if (!after.ok()) return after.status();
  st = write_audit("update_version_metrics", "version", version_id, before->strategy_id,
                   Json{{"sharpe_ratio", j(before->sharpe_ratio)}, {"win_rate", j(before->win_rate)}},
                   Json{{"sharpe_ratio", j(sharpe)}, {"win_rate", j(win_rate)}, {"max_drawdown", j(max_drawdown)}, {"cagr", j(cagr)}});
  if (!st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(before->strategy_id);
  return Status::Ok();
}

}  // namespace algohost::catalog
