// Catalog — the strategy registry over SQLite: the seed's IStrategyRegistryService.
//
// Every change runs in one transaction together with its audit_log row (who, what, when, the
// entity before and after), so a failed change leaves neither a row nor an audit entry. Every
// statement binds its values; no SQL text is built from input. Published versions are
// immutable: the same name and version with another artifact hash is refused, and registering the
// same name, version and hash again changes nothing. After each committed change the JSON mirror
// under the data directory (metadata/, code_snapshots/, performance_cache/) is rewritten
// atomically when a data directory is set.
//
// Threading: a Catalog is used from one thread at a time. Open one per thread to share a file.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "registry/catalog/sqlite.h"
#include "registry/catalog/types.h"
#include "registry/common/status.h"

namespace algohost::catalog {

namespace internal {
struct FtsDocSizes;  // catalog.cpp
}

class FileMirror;

// A running run's process writes a heartbeat this often; a run on another host with no heartbeat
// for kStaleHeartbeatSeconds is taken to have crashed.
constexpr int64_t kHeartbeatSeconds = 5;
constexpr int64_t kStaleHeartbeatSeconds = 120;

struct CatalogOptions {
  bool read_only = false;
  std::string actor = "cli";              // recorded in audit_log
  std::optional<std::filesystem::path> data_dir;  // JSON mirror root; none = no files written
  int busy_timeout_ms = sql::kBusyTimeoutMs;      // how long a write waits for another's lock
};

class Catalog {
 public:
  // Opens or creates the catalog at `db_file` and migrates it. Errors: a corrupt file
  // (Corruption), a newer schema (FailedPrecondition), a read-only file opened for writing
  // (IoError when a write is attempted), an unreadable path (IoError).
  static Result<std::unique_ptr<Catalog>> open(const std::filesystem::path& db_file, CatalogOptions options = {});
  ~Catalog();

  const std::string& actor() const { return options_.actor; }
  void set_actor(std::string actor) { options_.actor = std::move(actor); }

  // ---- Discovery --------------------------------------------------------------------------
  Result<std::vector<StrategyRecord>> list(const StrategyFilter& filter);
  // How many strategies pass `filter` (its sort, limit and offset aside).
  Result<int64_t> count_strategies(const StrategyFilter& filter);
  // By id, else by name. NotFound names what was asked.
  Result<StrategyRecord> get(const std::string& id_or_name);
  // Ranked full-text search over name, display name, description, keywords and tags (FTS5).
  // The text is words and FTS5 operators (AND, OR, NOT, NEAR, "phrases", prefix*, parentheses;
  // search_query.h); a plain list of words also matches its last word as a prefix. A malformed
  // query is InvalidArgument naming it and what is wrong.
  Result<std::vector<SearchHit>> search(const std::string& text, int64_t limit = 20, bool include_inactive = false);

  // ---- Registration -----------------------------------------------------------------------
  // Returns the new strategy's id. AlreadyExists when the name is taken.
  Result<std::string> register_strategy(const Registration& r);
  Status update_strategy(const std::string& id_or_name, const StrategyUpdate& u);
  Status deprecate(const std::string& id_or_name, const std::string& reason,
                   const std::optional<std::string>& replacement = std::nullopt);
  Status archive(const std::string& id_or_name);

  // ---- Versions ---------------------------------------------------------------------------
  // Creates a version; a no-op returning the existing one when the same version and hash exist;
  // AlreadyExists when the version exists with another hash. current_version follows the highest
  // semver; version_count counts versions.
  Result<VersionRecord> create_version(const std::string& id_or_name, const VersionCreate& v);
  // Highest semver first.
  Result<std::vector<VersionRecord>> versions(const std::string& id_or_name);
  // By version id, or ("name", "1.2.0").
  Result<VersionRecord> get_version(const std::string& version_id);
  Result<VersionRecord> get_version(const std::string& id_or_name, const std::string& version_number);

  // ---- Performance ------------------------------------------------------------------------
  // Records trades in one transaction (the recorder's batch) and refreshes the summaries of the
  // strategies involved. Returns the new performance ids.
  // With refresh_summaries false the summaries are left for refresh_summaries() (the recorder
  // refreshes once at the end of a run instead of after every batch).
  Result<std::vector<std::string>> record_trades(const std::vector<TradeRecord>& trades, bool refresh_summaries = true);
  // The recorder's entry: record_trades(trades, false) over a span, without returning the ids.
  // The same checks, one transaction with one audit row, all or nothing.
  Status append_trades(std::span<const TradeRecord> trades);
  // Recomputes the summary fields (lifetime Sharpe, win rate, trades, PnL) of these strategies.
  Status refresh_summaries(const std::vector<std::string>& ids_or_names);
  Result<std::string> record_trade(const TradeRecord& t);
  // Metrics over trades whose exit time is in [from, to] (ISO-8601; either may be absent), of one
  // version and of one run when given. An unknown strategy or run is NotFound.
  Result<PerformanceMetrics> performance(const std::string& id_or_name, const std::optional<std::string>& from = {},
                                         const std::optional<std::string>& to = {},
                                         const std::optional<std::string>& version_id = {},
                                         const std::optional<std::string>& run_id = {});
  Result<std::vector<PerformanceMetrics>> compare(const std::vector<std::string>& ids_or_names);
  // Trades in exit order, of one run when given. An unknown strategy or run is NotFound.
  Result<std::vector<TradeRecord>> trades(const std::string& id_or_name, const std::optional<std::string>& run_id = {},
                                          int64_t limit = 1000);

  // ---- Runs -------------------------------------------------------------------------------
  // Records the start of a run (status "running") and returns its id.
  Result<std::string> start_run(const std::string& kind, const Json& strategies, const Json& data, const Json& config,
                                const std::string& engine_version);
  // The run records the process that runs it (ProcessIdentity::current()) and a first heartbeat.
  // Ends a run: status finished | failed | interrupted, with the error text and results if any.
  Status finish_run(const std::string& run_id, const std::string& status, const std::string& error, const Json& results);
  // Ends a run that is still "running" as "interrupted" with `error` (the process is ending before
  // it could finish the run: RunShutdown); a run already ended is left alone. Audited.
  Status interrupt_run(const std::string& run_id, const std::string& error);
  // Records that the run's process is alive (runs.heartbeat_at = now) while it is running.
  Status heartbeat_run(const std::string& run_id);
  // Marks every run still "running" whose process is gone as "crashed" (docs/catalog.md, "Runs"):
  // on this host, when its pid is no longer the process that started it; on another host, when its
  // heartbeat is older than `stale_after_s`. Trades it recorded are kept. Returns the runs marked,
  // each with the number of trades it recorded. Audited (crash_run). A read-only catalog marks
  // nothing and returns none.
  Result<std::vector<CrashedRun>> mark_crashed_runs(int64_t stale_after_s = kStaleHeartbeatSeconds);
  // Newest first.
  Result<std::vector<RunRecord>> runs(int64_t limit = 50);
  Result<RunRecord> get_run(const std::string& run_id);
  // The MEM results of strategy `id_or_name`, newest run first (at most `limit`); only run
  // `run_id` when given. An unknown strategy is NotFound; a strategy with no MEM run gives none.
  // Live instances (`algohost serve`): writes the row of `row.instance` (insert or replace) and an
  // audit row `action` (e.g. live_load, live_swap, live_rollback, live_unload, live_canary,
  // live_promote, live_set_param) by `actor` (the API caller), with `detail` as its after_json
  // (who, from, to, outcome), in one transaction.
  Status record_live_instance(const LiveInstance& row, const std::string& action, const std::string& actor,
                              const Json& detail);
  // An audit row about a live instance without changing its row (a refused request, a failed swap).
  Status audit_live(const std::string& instance, const std::string& strategy_name, const std::string& action,
                    const std::string& actor, const Json& detail);
  Result<std::vector<LiveInstance>> live_instances();

  // ---- Run curves and pages (catalog_curves.cpp) ---------------------------------------------
  // Stores a finished run's daily equity curves (one transaction; a curve already stored for the
  // same run, position and arm is replaced). An unknown run is NotFound; an arm other than
  // "enhanced"/"base" InvalidArgument.
  Status record_run_curves(const std::string& run_id, const std::vector<RunCurve>& curves);
  // The run's curves by position, "enhanced" before "base"; none for a run recorded before
  // schema 7 (or one that ended before its curves were written). Unknown run: NotFound.
  Result<std::vector<RunCurve>> run_curves(const std::string& run_id);
  Result<Page<RunRecord>> runs_page(const RunFilter& filter);
  // Unknown run: NotFound. A bad side: InvalidArgument naming it.
  Result<Page<TradeRecord>> run_trades(const RunTradeFilter& filter);
  // The strategy's newest trades whose signal MEM enhanced (entry time, newest first), at most
  // `limit`. Unknown strategy: NotFound.
  Result<std::vector<TradeRecord>> mem_enhanced_trades(const std::string& id_or_name, int64_t limit);
  // Strategies whose origin is learned from this one (learned_from_strategy_id), by name.
  Result<std::vector<StrategyRecord>> learned_from(const std::string& id_or_name);
  // Marks every instance of `run_id` stopped (the host stopped).
  Status stop_live_instances(const std::string& run_id);

  Result<std::vector<MemRunResult>> mem_runs(const std::string& id_or_name,
                                             const std::optional<std::string>& run_id = std::nullopt,
                                             int64_t limit = 1000);
  // Stores a version's measured metrics (from a run) and its backtest results JSON.
  Status update_version_metrics(const std::string& version_id, std::optional<double> sharpe, std::optional<double> win_rate,
                                std::optional<double> max_drawdown, std::optional<double> cagr, const Json& backtest_results);

  // ---- MEM --------------------------------------------------------------------------------
  Result<bool> is_mem_enhanced(const std::string& id_or_name);
  // Marks `id_or_name` as MEM-enhanced; with a base strategy, links base -> it as mem_enhanced_version.
  Status mark_mem_enhanced(const std::string& id_or_name, const std::optional<std::string>& base = std::nullopt);
  Result<std::vector<LearnedPattern>> learned_patterns(const std::string& id_or_name);
  // Upserts patterns by (strategy, pattern_key): conditions, occurrences, wins (win rate follows),
  // first and last seen; pattern_id, learned_strategy_id and created_at of the input are ignored.
  // Refreshes mem_learned_patterns_count. InvalidArgument when wins lie outside [0, occurrences].
  Status store_learned_patterns(const std::string& id_or_name, const std::vector<LearnedPattern>& patterns);
  // Points the base strategy's pattern at the learned strategy made from it.
  Status attach_learned_strategy(const std::string& base, const std::string& pattern_key, const std::string& learned);
  // A strategy's MEM state (an opaque JSON object: model, memory, patterns), replaced whole, with
  // how many outcomes it has learned and the exit time of the last one. Audited by summary.
  Status save_mem_state(const std::string& id_or_name, const Json& state, int64_t learned_outcomes,
                        const std::optional<std::string>& learned_through);
  // nullopt when none was saved.
  Result<std::optional<Json>> mem_state(const std::string& id_or_name);
  // An enhancer plugin's state for a strategy (a JSON object of the host's choosing), by enhancer
  // name, replaced whole and audited by size; nullopt when none was saved.
  Status save_enhancer_state(const std::string& id_or_name, const std::string& enhancer, const Json& state);
  Result<std::optional<Json>> enhancer_state(const std::string& id_or_name, const std::string& enhancer);
  // The measured improvement of MEM for a version (strategy_versions.mem_improvement_pct).
  Status set_mem_improvement(const std::string& version_id, double improvement_pct);

  // ---- Parameters -------------------------------------------------------------------------
  // Changes one parameter of the current version. The value must match the manifest's type and
  // lie within its min and max. changed_by: manual | mem_learning | backtest_optimization.
  Status update_parameter(const std::string& id_or_name, const std::string& parameter, const Json& value,
                          const std::string& reason, const std::string& changed_by = "manual",
                          const std::optional<std::string>& ab_test_group = std::nullopt,
                          const ParameterEvidence& evidence = {});
  // Effective values: the current version's defaults overlaid with the latest changes.
  Result<Json> current_parameters(const std::string& id_or_name);
  // The same for one version (changes are made to, and kept for, the version that was current).
  Result<Json> version_parameters(const std::string& id_or_name, const std::string& version_number);
  // Newest first; all parameters when `parameter` is empty. A parameter that no version of the
  // strategy declares is NotFound.
  Result<std::vector<ParameterChange>> parameter_history(const std::string& id_or_name, const std::string& parameter = "");

  // ---- Relationships ----------------------------------------------------------------------
  Status link(const std::string& parent, const std::string& child, const std::string& type,
              const std::string& description = "", std::optional<double> similarity = std::nullopt);
  // Both directions.
  Result<std::vector<RelatedStrategy>> related(const std::string& id_or_name);

  // ---- One strategy in full ---------------------------------------------------------------
  // The record, its versions, effective parameters, relationships and performance: what
  // `strategies show` and the Python Registry.show() present.
  Result<StrategyDetails> details(const std::string& id_or_name);

  // ---- Audit ------------------------------------------------------------------------------
  // Newest first.
  Result<std::vector<AuditEntry>> audit(const std::optional<std::string>& id_or_name = {}, int64_t limit = 100);

  // Runs `body` in one transaction (nesting the changes it makes: each still writes its audit row,
  // and a failed change rolls back only itself). The whole commits when body returns ok, and
  // rolls back otherwise. For bulk work such as a sync: one commit instead of one per change.
  Status in_transaction(const std::function<Status()>& body);

  sql::Database& database() { return *db_; }

 private:
  Catalog() = default;

  Result<std::string> resolve_id(const std::string& id_or_name);
  Status insert_trades(std::span<const TradeRecord> trades, std::vector<std::string>* ids, bool refresh_summaries);
  Status write_audit(const std::string& action, const std::string& entity_type, const std::string& entity_id,
                     const std::string& strategy_id, const Json& before, const Json& after);
  // Queues the strategy's full-text row to be (re)written by flush_fts(), which runs just before
  // the outermost transaction commits (and before a search inside one).
  void refresh_fts(const std::string& strategy_id, bool is_new = false);
  Status flush_fts();
  // Inserts a relationship inside the caller's transaction, with its audit row.
  Status insert_link(const std::string& parent_id, const std::string& child_id, const std::string& type,
                     const std::string& description, std::optional<double> similarity, bool audit = true);
  Status refresh_summary(const std::string& strategy_id);
  // Strategies matching `where_sql` (with `binds`), ordered by `order_sql`; with `limit_sql`
  // the rows are chosen first and the full records read for those rows only.
  Result<std::vector<StrategyRecord>> query_strategies(const std::string& where_sql,
                                                       const std::vector<Json>& binds,
                                                       const std::string& order_sql, const std::string& limit_sql);
  // Rewrites the JSON mirror of a strategy after a committed change (no-op without data_dir).
  void mirror_strategy(const std::string& strategy_id);

  CatalogOptions options_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<sql::WalCheckpointer> checkpointer_;  // destroyed before db_, whose connection it serves
  std::unique_ptr<FileMirror> mirror_;
  // Search ranking: each strategy's token count from the full-text index, by
  // rowid, so the ranking function does not look it up row by row; reloaded whenever the
  // database changed since it was read.
  std::unique_ptr<internal::FtsDocSizes> doc_sizes_;
  bool fast_rank_ = false;  // algohost_rank is registered on this connection
  std::map<std::string, bool> fts_pending_;  // strategy id -> registered in this transaction
  void enable_fast_rank();
  Status refresh_doc_sizes();
};

// Now as stored: "2026-11-24T10:00:00.123Z".
std::string now_iso();
// A time-ordered (version 7) UUID.
std::string new_uuid();
constexpr size_t kUuidLength = 36;
// The same, written into out[0, kUuidLength) (no terminator).
void new_uuid_into(char* out);

}  // namespace algohost::catalog
