// Catalog: the liveness of running runs — heartbeats, and marking runs whose process is gone as
// "crashed" (a segfault, abort(), kill -9, os._exit() in a plugin end the process before it can
// finish its run).
#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"
#include "registry/common/process_identity.h"

namespace algohost::catalog {

Status Catalog::heartbeat_run(const std::string& run_id) {
  return internal::run(*db_, "UPDATE runs SET heartbeat_at = ? WHERE run_id = ? AND status = 'running'",
                       {now_iso(), run_id});
}

Status Catalog::interrupt_run(const std::string& run_id, const std::string& error) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  const Json results{{"run_id", run_id}, {"status", "interrupted"}, {"note", error}};
  Status st = internal::run(*db_,
                            "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ?, results_json = ? "
                            "WHERE run_id = ? AND status = 'running'",
                            {now_iso(), error, results.dump(), run_id});
  if (!st.ok()) return st;
  if (db_->changes() == 0) return Status::Ok();
  st = write_audit("interrupt_run", "run", run_id, "", Json{{"status", "running"}}, Json{{"status", "interrupted"}, {"error", error}});
  if (!st.ok()) return st;
  return txn.commit();
}

Result<std::vector<CrashedRun>> Catalog::mark_crashed_runs(int64_t stale_after_s) {
  std::vector<CrashedRun> out;
  if (options_.read_only) return out;
  // Candidates first, outside the write lock: most calls find none.
  struct Candidate {
    CrashedRun run;
    ProcessIdentity process;
    bool stale = false;
  };
  std::vector<Candidate> candidates;
  {
    auto st = db_->prepare(
        "SELECT run_id, started_at, pid, host, process_start, heartbeat_at, "
        "heartbeat_at IS NULL OR julianday('now') - julianday(heartbeat_at) > ?1 / 86400.0 "
        "FROM runs WHERE status = 'running'");
    if (!st.ok()) return st.status();
    (*st)->bind(1, static_cast<double>(stale_after_s));
    while ((*st)->step()) {
      Candidate c;
      c.run.run_id = (*st)->text(0);
      c.run.started_at = (*st)->text(1);
      c.process.pid = (*st)->is_null(2) ? 0 : (*st)->int64(2);
      c.process.host = (*st)->opt_text(3).value_or("");
      c.process.start = (*st)->opt_text(4).value_or("");
      c.run.pid = c.process.pid;
      c.run.host = c.process.host;
      const std::string beat = (*st)->opt_text(5).value_or("never");
      c.stale = (*st)->int64(6) != 0;
      // A run from before schema 5 has no process recorded: only its (missing) heartbeat tells.
      const Liveness l = c.process.host.empty() ? Liveness::kUnknown : liveness_of(c.process);
      if (l == Liveness::kAlive) continue;
      if (l == Liveness::kUnknown && !c.stale) continue;
      c.run.why = l == Liveness::kGone ? "its process (pid " + std::to_string(c.process.pid) + " on " + c.process.host + ") is gone"
                                       : "no heartbeat since " + beat;
      candidates.push_back(std::move(c));
    }
    if (!(*st)->status().ok()) return (*st)->status();
  }
  if (candidates.empty()) return out;
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  for (auto& c : candidates) {
    {
      auto trades = db_->prepare("SELECT count(*) FROM strategy_performance WHERE run_id = ?");
      if (!trades.ok()) return trades.status();
      (*trades)->bind(1, c.run.run_id);
      c.run.trades = (*trades)->step() ? (*trades)->int64(0) : 0;
      if (!(*trades)->status().ok()) return (*trades)->status();
    }
    const std::string error = "the run ended without finishing: " + c.run.why + "; the " + std::to_string(c.run.trades) +
                              " trades it recorded are kept";
    // Still running under the lock: a run that finished meanwhile is left alone.
    auto upd = db_->prepare(
        "UPDATE runs SET status = 'crashed', finished_at = ?, error = ? WHERE run_id = ? AND status = 'running'");
    if (!upd.ok()) return upd.status();
    (*upd)->bind_all(now_iso(), error, c.run.run_id);
    if (Status st = (*upd)->run(); !st.ok()) return st;
    if (db_->changes() == 0) continue;
    if (Status st = write_audit("crash_run", "run", c.run.run_id, "", Json{{"status", "running"}},
                                Json{{"status", "crashed"}, {"error", error}, {"trades", c.run.trades}});
        !st.ok())
      return st;
    out.push_back(std::move(c.run));
  }
  if (Status st = txn.commit(); !st.ok()) return st;
  return out;
}

}  // namespace algohost::catalog
