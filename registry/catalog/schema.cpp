#include "registry/catalog/schema.h"

#include <string>

namespace algohost::catalog {
namespace {

// Migration 1: the seed's five tables adapted to SQLite, plus tags, audit, runs, learned
// patterns and full-text search. UUIDs are TEXT, timestamps ISO-8601 TEXT (UTC), JSON columns
// are TEXT checked with json_valid, booleans INTEGER 0/1.
const char* kMigration1 = R"SQL(
CREATE TABLE strategies (
  strategy_id TEXT PRIMARY KEY,
  strategy_name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  sub_category TEXT,
  complexity_level TEXT CHECK (complexity_level IN ('simple', 'moderate', 'complex')),
  language TEXT CHECK (language IN ('cpp', 'python', 'multi')),
  file_path TEXT,
  class_name TEXT,
  namespace TEXT,
  origin TEXT NOT NULL DEFAULT 'built_in' CHECK (origin IN ('built_in', 'learned', 'imported', 'research')),
  academic_source TEXT,
  learned_from_strategy_id TEXT REFERENCES strategies(strategy_id),
  created_by TEXT,
  status TEXT NOT NULL DEFAULT 'experimental' CHECK (status IN ('active', 'deprecated', 'experimental', 'archived')),
  is_mem_enhanced INTEGER NOT NULL DEFAULT 0 CHECK (is_mem_enhanced IN (0, 1)),
  requires_short_selling INTEGER NOT NULL DEFAULT 0 CHECK (requires_short_selling IN (0, 1)),
  requires_margin INTEGER NOT NULL DEFAULT 0 CHECK (requires_margin IN (0, 1)),
  search_keywords TEXT,
  current_version TEXT,
  version_count INTEGER NOT NULL DEFAULT 0,
  lifetime_sharpe_ratio REAL,
  lifetime_win_rate REAL,
  total_trades INTEGER NOT NULL DEFAULT 0,
  total_pnl REAL NOT NULL DEFAULT 0,
  mem_learning_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mem_learning_enabled IN (0, 1)),
  mem_learned_patterns_count INTEGER NOT NULL DEFAULT 0,
  last_mem_update TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT,
  deprecated_at TEXT,
  deprecation_reason TEXT,
  replacement_strategy_id TEXT REFERENCES strategies(strategy_id),
  metadata_json TEXT CHECK (metadata_json IS NULL OR json_valid(metadata_json))
);
CREATE INDEX idx_strategies_category ON strategies(category, status);
CREATE INDEX idx_strategies_language ON strategies(language);
CREATE INDEX idx_strategies_origin ON strategies(origin);
CREATE INDEX idx_strategies_status ON strategies(status);
CREATE INDEX idx_strategies_performance ON strategies(lifetime_sharpe_ratio DESC, lifetime_win_rate DESC);
-- "best in a category": category filter and Sharpe order from one index, no sort
CREATE INDEX idx_strategies_category_sharpe ON strategies(category, lifetime_sharpe_ratio DESC, strategy_name);

CREATE TABLE strategy_tags (
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (strategy_id, tag)
) WITHOUT ROWID;
CREATE INDEX idx_tags_tag ON strategy_tags(tag, strategy_id);

CREATE TABLE strategy_versions (
  version_id TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  version_number TEXT NOT NULL,
  version_major INTEGER NOT NULL,
  version_minor INTEGER NOT NULL,
  version_patch INTEGER NOT NULL,
  version_prerelease TEXT NOT NULL DEFAULT '',
  version_type TEXT CHECK (version_type IN ('initial', 'major', 'minor', 'patch', 'prerelease')),
  code_snapshot TEXT,
  git_commit_hash TEXT,
  artifact_sha256 TEXT,
  changelog TEXT,
  breaking_changes TEXT,
  migration_notes TEXT,
  parameters_json TEXT CHECK (parameters_json IS NULL OR json_valid(parameters_json)),
  default_parameters_json TEXT CHECK (default_parameters_json IS NULL OR json_valid(default_parameters_json)),
  backtest_results_json TEXT CHECK (backtest_results_json IS NULL OR json_valid(backtest_results_json)),
  validation_status TEXT NOT NULL DEFAULT 'pending' CHECK (validation_status IN ('passed', 'failed', 'pending')),
  test_coverage REAL,
  sharpe_ratio REAL,
  win_rate REAL,
  max_drawdown REAL,
  cagr REAL,
  mem_enhanced_version INTEGER NOT NULL DEFAULT 0 CHECK (mem_enhanced_version IN (0, 1)),
  mem_improvement_pct REAL,
  created_by TEXT,
  created_at TEXT NOT NULL,
  approved_by TEXT,
  approved_at TEXT,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  deprecated_at TEXT,
  UNIQUE (strategy_id, version_number)
);
CREATE INDEX idx_versions_strategy ON strategy_versions(strategy_id, version_major DESC, version_minor DESC, version_patch DESC);
CREATE INDEX idx_versions_active ON strategy_versions(is_active, created_at DESC);

CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
  strategies_json TEXT NOT NULL CHECK (json_valid(strategies_json)),
  data_json TEXT CHECK (data_json IS NULL OR json_valid(data_json)),
  config_json TEXT CHECK (config_json IS NULL OR json_valid(config_json)),
  results_json TEXT CHECK (results_json IS NULL OR json_valid(results_json)),
  engine_version TEXT NOT NULL,
  error TEXT
);
CREATE INDEX idx_runs_started ON runs(started_at DESC);

CREATE TABLE strategy_performance (
  performance_id TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  version_id TEXT REFERENCES strategy_versions(version_id),
  run_id TEXT REFERENCES runs(run_id),
  trade_id TEXT,
  symbol TEXT,
  timeframe TEXT,
  signal_action TEXT CHECK (signal_action IN ('buy', 'sell', 'hold', 'target')),
  signal_confidence REAL,
  entry_price REAL,
  exit_price REAL,
  quantity REAL,
  entry_timestamp TEXT,
  exit_timestamp TEXT,
  duration_seconds INTEGER,
  pnl REAL,
  pnl_percentage REAL,
  is_win INTEGER CHECK (is_win IN (0, 1)),
  max_adverse_excursion REAL,
  max_favorable_excursion REAL,
  stop_loss REAL,
  take_profit REAL,
  was_mem_enhanced INTEGER NOT NULL DEFAULT 0 CHECK (was_mem_enhanced IN (0, 1)),
  mem_confidence_boost REAL,
  mem_reasoning TEXT,
  learned_pattern_applied TEXT,
  market_regime TEXT,
  volatility REAL,
  volume_ratio REAL,
  broker TEXT,
  slippage REAL,
  commission REAL,
  recorded_at TEXT NOT NULL
) WITHOUT ROWID;
-- performance_id is a time-ordered (v7) UUID, so the table itself grows at its right end.
-- The seed's symbol and MEM indexes are left out: no query reads by them, and each index costs
-- the recorder throughput on every trade (docs/catalog.md).
CREATE INDEX idx_perf_strategy ON strategy_performance(strategy_id, exit_timestamp);
CREATE INDEX idx_perf_version ON strategy_performance(version_id, exit_timestamp);
CREATE INDEX idx_perf_run ON strategy_performance(run_id);

CREATE TABLE strategy_parameters (
  parameter_id TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  version_id TEXT REFERENCES strategy_versions(version_id),
  parameter_name TEXT NOT NULL,
  parameter_value TEXT,
  parameter_type TEXT CHECK (parameter_type IN ('integer', 'decimal', 'boolean', 'string')),
  previous_value TEXT,
  applied_from TEXT NOT NULL,
  applied_to TEXT,
  change_reason TEXT,
  changed_by TEXT NOT NULL CHECK (changed_by IN ('manual', 'mem_learning', 'backtest_optimization')),
  before_sharpe REAL,
  after_sharpe REAL,
  improvement_pct REAL,
  is_ab_test INTEGER NOT NULL DEFAULT 0 CHECK (is_ab_test IN (0, 1)),
  ab_test_group TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX idx_params_strategy ON strategy_parameters(strategy_id, parameter_name, applied_from DESC);

CREATE TABLE strategy_relationships (
  relationship_id TEXT PRIMARY KEY,
  parent_strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  child_strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  relationship_type TEXT NOT NULL CHECK (relationship_type IN ('derived_from', 'mem_enhanced_version',
      'combined_with', 'alternative_to', 'replaces', 'portfolio_component')),
  description TEXT,
  similarity_score REAL CHECK (similarity_score IS NULL OR (similarity_score >= 0 AND similarity_score <= 1)),
  created_at TEXT NOT NULL,
  CHECK (parent_strategy_id != child_strategy_id),
  UNIQUE (parent_strategy_id, child_strategy_id, relationship_type)
);
CREATE INDEX idx_relationships_parent ON strategy_relationships(parent_strategy_id);
CREATE INDEX idx_relationships_child ON strategy_relationships(child_strategy_id);
CREATE INDEX idx_relationships_type ON strategy_relationships(relationship_type);

CREATE TABLE mem_learned_patterns (
  pattern_id TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  pattern_key TEXT NOT NULL,
  conditions_json TEXT NOT NULL CHECK (json_valid(conditions_json)),
  occurrences INTEGER NOT NULL,
  wins INTEGER NOT NULL,
  win_rate REAL NOT NULL,
  first_seen TEXT,
  last_seen TEXT,
  learned_strategy_id TEXT REFERENCES strategies(strategy_id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (strategy_id, pattern_key)
);

CREATE TABLE audit_log (
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT,
  strategy_id TEXT,
  before_json TEXT CHECK (before_json IS NULL OR json_valid(before_json)),
  after_json TEXT CHECK (after_json IS NULL OR json_valid(after_json))
);
CREATE INDEX idx_audit_strategy ON audit_log(strategy_id, audit_id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Full-text index; its rowid is the strategy's rowid. Ranked by bm25 with weights 10 (name),
-- 5 (display name), 1 (description), 2 (keywords), 3 (tags).
CREATE VIRTUAL TABLE strategies_fts USING fts5(
  strategy_name, display_name, description, search_keywords, tags,
  tokenize = 'unicode61 remove_diacritics 2 tokenchars ''_''');
INSERT INTO strategies_fts (strategies_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0, 2.0, 3.0)');
)SQL";

// Migration 2: strategy_performance is keyed by (strategy_id, exit_timestamp, performance_id), the
// order every query reads it in, and has no other index. Each trade is one b-tree insert instead of
// four (the table by performance_id plus three indexes), and a strategy's trades are read in exit
// order straight from the table. The version and run filters are only ever applied within one
// strategy, so they need no index of their own. performance_id stays a generated v7 UUID.
const char* kMigration2 = R"SQL(
CREATE TABLE strategy_performance_v2 (
  performance_id TEXT NOT NULL,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  version_id TEXT REFERENCES strategy_versions(version_id),
  run_id TEXT REFERENCES runs(run_id),
  trade_id TEXT,
  symbol TEXT,
  timeframe TEXT,
  signal_action TEXT CHECK (signal_action IN ('buy', 'sell', 'hold', 'target')),
  signal_confidence REAL,
  entry_price REAL,
  exit_price REAL,
  quantity REAL,
  entry_timestamp TEXT,
  exit_timestamp TEXT NOT NULL,
  duration_seconds INTEGER,
  pnl REAL,
  pnl_percentage REAL,
  is_win INTEGER CHECK (is_win IN (0, 1)),
  max_adverse_excursion REAL,
  max_favorable_excursion REAL,
  stop_loss REAL,
  take_profit REAL,
  was_mem_enhanced INTEGER NOT NULL DEFAULT 0 CHECK (was_mem_enhanced IN (0, 1)),
  mem_confidence_boost REAL,
  mem_reasoning TEXT,
  learned_pattern_applied TEXT,
  market_regime TEXT,
  volatility REAL,
  volume_ratio REAL,
  broker TEXT,
  slippage REAL,
  commission REAL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (strategy_id, exit_timestamp, performance_id)
) WITHOUT ROWID;
INSERT INTO strategy_performance_v2 (performance_id, strategy_id, version_id, run_id, trade_id, symbol, timeframe,
  signal_action, signal_confidence, entry_price, exit_price, quantity, entry_timestamp, exit_timestamp,
  duration_seconds, pnl, pnl_percentage, is_win, max_adverse_excursion, max_favorable_excursion, stop_loss,
  take_profit, was_mem_enhanced, mem_confidence_boost, mem_reasoning, learned_pattern_applied, market_regime,
  volatility, volume_ratio, broker, slippage, commission, recorded_at)
SELECT performance_id, strategy_id, version_id, run_id, trade_id, symbol, timeframe,
  signal_action, signal_confidence, entry_price, exit_price, quantity, entry_timestamp, exit_timestamp,
  duration_seconds, pnl, pnl_percentage, is_win, max_adverse_excursion, max_favorable_excursion, stop_loss,
  take_profit, was_mem_enhanced, mem_confidence_boost, mem_reasoning, learned_pattern_applied, market_regime,
  volatility, volume_ratio, broker, slippage, commission, recorded_at
FROM strategy_performance;
DROP TABLE strategy_performance;
ALTER TABLE strategy_performance_v2 RENAME TO strategy_performance;
)SQL";

// Migration 3: registration cost and MEM state.
//  - strategies and strategy_versions are rebuilt with their enumerated CHECKs written as OR
//    chains: SQLite evaluates `x IN ('a', 'b', 'c')` (three or more constants) by building a
//    temporary b-tree for every row written, the largest single cost of registering. Rowids are
//    kept (the full-text index shares the strategy's rowid).
//  - indexes no query uses are not recreated: strategies by language, origin, status and
//    (category, status) (low-selectivity columns a listing scans as fast), strategy_versions by
//    semver parts and by activity (versions are read by strategy and number, and sorted in C++).
//  - mem_models: each strategy's MEM state (model, standardizer, memory, patterns), so that a
//    restart continues where it stopped (host/mem/mem_stage.h).
// Runs with foreign keys off (migrate() turns them off around it), as SQLite's documented way to
// rebuild a table that others reference; a foreign_key_check before commit proves nothing broke.
const char* kMigration3 = R"SQL(
CREATE TABLE strategies_v3 (
  strategy_id TEXT PRIMARY KEY,
  strategy_name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  sub_category TEXT,
  complexity_level TEXT CHECK (complexity_level = 'simple' OR complexity_level = 'moderate' OR complexity_level = 'complex'),
  language TEXT CHECK (language = 'cpp' OR language = 'python' OR language = 'multi'),
  file_path TEXT,
  class_name TEXT,
  namespace TEXT,
  origin TEXT NOT NULL DEFAULT 'built_in' CHECK (origin = 'built_in' OR origin = 'learned' OR origin = 'imported' OR origin = 'research'),
  academic_source TEXT,
  learned_from_strategy_id TEXT REFERENCES strategies(strategy_id),
  created_by TEXT,
  status TEXT NOT NULL DEFAULT 'experimental' CHECK (status = 'active' OR status = 'deprecated' OR status = 'experimental' OR status = 'archived'),
  is_mem_enhanced INTEGER NOT NULL DEFAULT 0 CHECK (is_mem_enhanced IN (0, 1)),
  requires_short_selling INTEGER NOT NULL DEFAULT 0 CHECK (requires_short_selling IN (0, 1)),
  requires_margin INTEGER NOT NULL DEFAULT 0 CHECK (requires_margin IN (0, 1)),
  search_keywords TEXT,
  current_version TEXT,
  version_count INTEGER NOT NULL DEFAULT 0,
  lifetime_sharpe_ratio REAL,
  lifetime_win_rate REAL,
  total_trades INTEGER NOT NULL DEFAULT 0,
  total_pnl REAL NOT NULL DEFAULT 0,
  mem_learning_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mem_learning_enabled IN (0, 1)),
  mem_learned_patterns_count INTEGER NOT NULL DEFAULT 0,
  last_mem_update TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT,
  deprecated_at TEXT,
  deprecation_reason TEXT,
  replacement_strategy_id TEXT REFERENCES strategies(strategy_id),
  metadata_json TEXT CHECK (metadata_json IS NULL OR json_valid(metadata_json))
);

INSERT INTO strategies_v3 (rowid, strategy_id, strategy_name, display_name, description, category, sub_category, complexity_level, language, file_path, class_name, namespace, origin, academic_source, learned_from_strategy_id, created_by, status, is_mem_enhanced, requires_short_selling, requires_margin, search_keywords, current_version, version_count, lifetime_sharpe_ratio, lifetime_win_rate, total_trades, total_pnl, mem_learning_enabled, mem_learned_patterns_count, last_mem_update, created_at, updated_at, last_used_at, deprecated_at, deprecation_reason, replacement_strategy_id, metadata_json)
SELECT rowid, strategy_id, strategy_name, display_name, description, category, sub_category, complexity_level, language, file_path, class_name, namespace, origin, academic_source, learned_from_strategy_id, created_by, status, is_mem_enhanced, requires_short_selling, requires_margin, search_keywords, current_version, version_count, lifetime_sharpe_ratio, lifetime_win_rate, total_trades, total_pnl, mem_learning_enabled, mem_learned_patterns_count, last_mem_update, created_at, updated_at, last_used_at, deprecated_at, deprecation_reason, replacement_strategy_id, metadata_json FROM strategies;
DROP TABLE strategies;
ALTER TABLE strategies_v3 RENAME TO strategies;

CREATE INDEX idx_strategies_performance ON strategies(lifetime_sharpe_ratio DESC, lifetime_win_rate DESC);
CREATE INDEX idx_strategies_category_sharpe ON strategies(category, lifetime_sharpe_ratio DESC, strategy_name);

CREATE TABLE strategy_versions_v3 (
  version_id TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  version_number TEXT NOT NULL,
  version_major INTEGER NOT NULL,
  version_minor INTEGER NOT NULL,
  version_patch INTEGER NOT NULL,
  version_prerelease TEXT NOT NULL DEFAULT '',
  version_type TEXT CHECK (version_type = 'initial' OR version_type = 'major' OR version_type = 'minor' OR version_type = 'patch' OR version_type = 'prerelease'),
  code_snapshot TEXT,
  git_commit_hash TEXT,
  artifact_sha256 TEXT,
  changelog TEXT,
  breaking_changes TEXT,
  migration_notes TEXT,
  parameters_json TEXT CHECK (parameters_json IS NULL OR json_valid(parameters_json)),
  default_parameters_json TEXT CHECK (default_parameters_json IS NULL OR json_valid(default_parameters_json)),
  backtest_results_json TEXT CHECK (backtest_results_json IS NULL OR json_valid(backtest_results_json)),
  validation_status TEXT NOT NULL DEFAULT 'pending' CHECK (validation_status = 'passed' OR validation_status = 'failed' OR validation_status = 'pending'),
  test_coverage REAL,
  sharpe_ratio REAL,
  win_rate REAL,
  max_drawdown REAL,
  cagr REAL,
  mem_enhanced_version INTEGER NOT NULL DEFAULT 0 CHECK (mem_enhanced_version IN (0, 1)),
  mem_improvement_pct REAL,
  created_by TEXT,
  created_at TEXT NOT NULL,
  approved_by TEXT,
  approved_at TEXT,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  deprecated_at TEXT,
  UNIQUE (strategy_id, version_number)
);

INSERT INTO strategy_versions_v3 (rowid, version_id, strategy_id, version_number, version_major, version_minor, version_patch, version_prerelease, version_type, code_snapshot, git_commit_hash, artifact_sha256, changelog, breaking_changes, migration_notes, parameters_json, default_parameters_json, backtest_results_json, validation_status, test_coverage, sharpe_ratio, win_rate, max_drawdown, cagr, mem_enhanced_version, mem_improvement_pct, created_by, created_at, approved_by, approved_at, is_active, deprecated_at)
SELECT rowid, version_id, strategy_id, version_number, version_major, version_minor, version_patch, version_prerelease, version_type, code_snapshot, git_commit_hash, artifact_sha256, changelog, breaking_changes, migration_notes, parameters_json, default_parameters_json, backtest_results_json, validation_status, test_coverage, sharpe_ratio, win_rate, max_drawdown, cagr, mem_enhanced_version, mem_improvement_pct, created_by, created_at, approved_by, approved_at, is_active, deprecated_at FROM strategy_versions;
DROP TABLE strategy_versions;
ALTER TABLE strategy_versions_v3 RENAME TO strategy_versions;

CREATE TABLE mem_models (
  strategy_id TEXT PRIMARY KEY REFERENCES strategies(strategy_id),
  state_json TEXT NOT NULL CHECK (json_valid(state_json)),
  learned_outcomes INTEGER NOT NULL DEFAULT 0,
  learned_through TEXT,
  updated_at TEXT NOT NULL
);
)SQL";

// Migration 4: enhancer_states — the saved state of an enhancer plugin for one strategy (one row
// per strategy and enhancer name), kept beside the built-in stage's mem_models.
const char* kMigration4 = R"SQL(
CREATE TABLE enhancer_states (
  strategy_id TEXT NOT NULL REFERENCES strategies(strategy_id),
  enhancer TEXT NOT NULL,
  state_json TEXT NOT NULL CHECK (json_valid(state_json)),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (strategy_id, enhancer)
) WITHOUT ROWID;
)SQL";

// Migration 5 (issue 12: trust in what the catalog records and in how runs end):
//  - runs rebuilt: status may be 'crashed' (the process ended without finishing the run), and each
//    run records the process that ran it (pid, host, process_start: the boot id and the process's
//    start time, so a reused pid is not taken for the run's process) and a heartbeat;
//  - strategy_versions.development: 1 for an unpublished development build (run with
//    --allow-unpublished under a published name@version whose artifact differs); its trades are
//    recorded against it, never against the published version;
//  - strategies.runnable: 0 for a strategy described by metadata only (strategies import), which has
//    no artifact the host can load.
// Runs with foreign keys off (strategy_performance references runs).
const char* kMigration5 = R"SQL(
CREATE TABLE runs_v5 (
  run_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status = 'running' OR status = 'finished' OR status = 'failed' OR status = 'interrupted' OR status = 'crashed'),
  strategies_json TEXT NOT NULL CHECK (json_valid(strategies_json)),
  data_json TEXT CHECK (data_json IS NULL OR json_valid(data_json)),
  config_json TEXT CHECK (config_json IS NULL OR json_valid(config_json)),
  results_json TEXT CHECK (results_json IS NULL OR json_valid(results_json)),
  engine_version TEXT NOT NULL,
  error TEXT,
  pid INTEGER,
  host TEXT,
  process_start TEXT,
  heartbeat_at TEXT
);
INSERT INTO runs_v5 (rowid, run_id, kind, started_at, finished_at, status, strategies_json, data_json, config_json, results_json, engine_version, error)
SELECT rowid, run_id, kind, started_at, finished_at, status, strategies_json, data_json, config_json, results_json, engine_version, error FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE INDEX idx_runs_started ON runs(started_at DESC);
CREATE INDEX idx_runs_running ON runs(status) WHERE status = 'running';

ALTER TABLE strategy_versions ADD COLUMN development INTEGER NOT NULL DEFAULT 0 CHECK (development IN (0, 1));
ALTER TABLE strategies ADD COLUMN runnable INTEGER NOT NULL DEFAULT 1 CHECK (runnable IN (0, 1));
)SQL";

// Migration 6 (issue 14, the live host): live_instances holds, per named instance of a strategy
// running in an `algohost serve` host, the version that runs now (and a canary beside it), so the
// running version is visible in the catalog; swaps, rollbacks and promotions rewrite the row and
// write an audit row each. The serve session's run (runs.kind = 'serve') names the process.
const char* kMigration6 = R"SQL(
CREATE TABLE live_instances (
  instance TEXT PRIMARY KEY,
  strategy_id TEXT REFERENCES strategies(strategy_id),
  strategy_name TEXT NOT NULL,
  version_number TEXT NOT NULL,
  version_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'failed', 'stopped', 'unloaded')),
  canary_version TEXT,
  run_id TEXT,
  pid INTEGER,
  updated_at TEXT NOT NULL
);
)SQL";

// Migration 7 (issue 16, the dashboard and the report):
//  - run_curves: a run's daily equity curves, written at the run's end — per strategy of the run
//    (position = its index in results.strategies) the curve its metrics were computed from, and for
//    a MEM run the base arm's too; points as a JSON array of [UTC ms, equity];
//  - indexes for the strategy listing's sorts by creation, last update, category (NULLs last) and
//    status, each with the name (the tie-break) and the status (the default filter), so that the
//    dashboard pages through 100,000 strategies without sorting them.
const char* kMigration7 = R"SQL(
CREATE TABLE run_curves (
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  position INTEGER NOT NULL,
  arm TEXT NOT NULL CHECK (arm = 'enhanced' OR arm = 'base'),
  strategy TEXT NOT NULL,
  strategy_id TEXT,
  starting_capital REAL NOT NULL,
  equity_json TEXT NOT NULL CHECK (json_valid(equity_json)),
  PRIMARY KEY (run_id, position, arm)
) WITHOUT ROWID;
CREATE INDEX idx_strategies_created ON strategies(created_at, strategy_name, status);
CREATE INDEX idx_strategies_updated ON strategies(updated_at, strategy_name, status);
CREATE INDEX idx_strategies_category_name ON strategies((category IS NULL), category, strategy_name, status);
CREATE INDEX idx_strategies_status_name ON strategies(status, strategy_name);
)SQL";

struct Migration {
  const char* sql;
  bool rebuilds_tables;  // needs foreign keys off while it runs
};
const Migration kMigrations[] = {
    {kMigration1, false}, {kMigration2, false}, {kMigration3, true}, {kMigration4, false}, {kMigration5, true}, {kMigration6, false},
    {kMigration7, false}};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion, "one migration per schema version");

}  // namespace

namespace {

Result<int64_t> user_version(sql::Database& db) {
  // Released before migrating: a statement left active would lock the tables a migration drops.
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  const int64_t v = (*stmt)->step() ? (*stmt)->int64(0) : 0;
  if (!(*stmt)->status().ok()) return (*stmt)->status();
  return v;
}

Status newer_than_known(const std::string& file, int64_t version) {
  return Status::FailedPrecondition(file + ": catalog schema version " + std::to_string(version) +
                                    " is newer than this algohost understands (" + std::to_string(kSchemaVersion) +
                                    "); upgrade algohost");
}

}  // namespace

Status migrate(sql::Database& db, bool read_only, int target) {
  if (target < 0 || target > kSchemaVersion) target = kSchemaVersion;
  auto seen = user_version(db);
  if (!seen.ok()) return seen.status();
  const std::string file = db.path().string();
  if (*seen > kSchemaVersion) return newer_than_known(file, *seen);
  if (*seen >= target) return Status::Ok();
  if (read_only)
    return Status::FailedPrecondition(file + ": catalog schema version " + std::to_string(*seen) +
                                      " needs migrating to " + std::to_string(kSchemaVersion) +
                                      ", but the catalog was opened read-only");
  // Another process may be migrating the same file (two commands started at once on a new
  // catalog): every migration runs in one write transaction (BEGIN IMMEDIATE, which waits for the
  // busy timeout), and the version is read again under that lock; what another process did first
  // is not done again.
  bool rebuilds = false;
  for (int64_t v = *seen; v < target; ++v) rebuilds = rebuilds || kMigrations[v].rebuilds_tables;
  // PRAGMA foreign_keys is a no-op inside a transaction: it is switched around it.
  if (rebuilds) {
    if (Status st = db.exec("PRAGMA foreign_keys = OFF"); !st.ok()) return st.with_context(file + ": migration");
  }
  int64_t at = *seen;
  Status st = [&]() -> Status {
    sql::Transaction txn(db);
    if (!txn.status().ok()) return txn.status();
    auto locked = user_version(db);
    if (!locked.ok()) return locked.status();
    if (*locked > kSchemaVersion) return newer_than_known(file, *locked);
    for (at = *locked; at < target; ++at) {
      const Migration& m = kMigrations[at];
      if (Status s = db.exec(m.sql); !s.ok()) return s;
      if (m.rebuilds_tables) {
        auto check = db.prepare("PRAGMA foreign_key_check");
        if (!check.ok()) return check.status();
        if ((*check)->step())
          return Status::Corruption("a foreign key no longer resolves in table " + (*check)->text(0));
        if (!(*check)->status().ok()) return (*check)->status();
      }
      if (Status s = db.exec("PRAGMA user_version = " + std::to_string(at + 1)); !s.ok()) return s;
    }
    return txn.commit();
  }();
  if (rebuilds) {
    if (Status on = db.exec("PRAGMA foreign_keys = ON"); !on.ok() && st.ok()) st = on;
  }
  if (!st.ok()) return st.with_context(file + ": migration " + std::to_string(at + 1));
  return Status::Ok();
}

}  // namespace algohost::catalog
