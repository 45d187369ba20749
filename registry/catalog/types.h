// The catalog's records and request types: what the Catalog API takes and returns. Plain values;
// timestamps are ISO-8601 UTC text as stored ("2026-11-24T10:00:00.000Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace algohost::catalog {

using Json = nlohmann::ordered_json;

struct StrategyRecord {
  std::string strategy_id, strategy_name, display_name, description;
  std::string category, sub_category, complexity_level, language, file_path, class_name, namespace_;
  std::string origin, academic_source, created_by, status, search_keywords;
  std::optional<std::string> learned_from_strategy_id, replacement_strategy_id;
  bool is_mem_enhanced = false, requires_short_selling = false, requires_margin = false;
  bool mem_learning_enabled = false;
  std::string current_version;
  int64_t version_count = 0;
  // lifetime_sharpe_ratio (the seed's column name) is the per-trade Sharpe of every recorded
  // trade (PerformanceMetrics::per_trade_sharpe), not an annualized one.
  std::optional<double> lifetime_sharpe_ratio, lifetime_win_rate;
  int64_t total_trades = 0;
  double total_pnl = 0;
  int64_t mem_learned_patterns_count = 0;
  std::optional<std::string> last_mem_update, last_used_at, deprecated_at, deprecation_reason;
  std::string created_at, updated_at;
  std::vector<std::string> tags;
  // false for a strategy described by metadata only (`strategies import`): it is listed, searched
  // and versioned, but has no artifact the host can load.
  bool runnable = true;
  Json metadata;  // the current version's manifest (null when registered by hand)

  Json to_json() const;
};

// What register_strategy() takes. Name, display name and language are required.
struct Registration {
  std::string name, display_name, description;
  std::string category, sub_category, complexity, language, file_path, class_name;
  std::string origin = "built_in";  // built_in | learned | imported | research
  std::string academic_source, created_by, search_keywords;
  std::string status = "experimental";
  std::optional<std::string> learned_from_strategy_id;
  std::vector<std::string> tags;
  bool requires_short_selling = false, requires_margin = false, mem_learning_enabled = false;
  bool runnable = true;  // false: metadata only, no loadable artifact (see StrategyRecord)
  Json metadata;  // manifest, if any
};

// Fields update_strategy() may change; unset ones stay as they are.
struct StrategyUpdate {
  std::optional<std::string> display_name, description, category, sub_category, complexity, status;
  std::optional<std::string> search_keywords, academic_source;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> requires_short_selling, requires_margin, mem_learning_enabled, runnable;
  std::optional<Json> metadata;
};

struct StrategyFilter {
  std::optional<std::string> category, sub_category, language, origin;
  std::vector<std::string> statuses;  // empty = all but deprecated and archived
  bool include_inactive = false;      // with empty statuses: also deprecated and archived
  std::vector<std::string> all_tags;  // every one of these
  std::vector<std::string> any_tags;  // at least one of these
  std::optional<double> min_sharpe, min_win_rate;  // lifetime per-trade Sharpe / win rate at least this
  std::string sort = "name";  // name | sharpe | win_rate | trades | pnl | created | updated | category | versions | status
  bool descending = false;
  int64_t limit = 100, offset = 0;
};

struct SearchHit {
  StrategyRecord strategy;
  double rank = 0;  // bm25: lower is better
};

struct VersionCreate {
  std::string version;  // semver
  std::string changelog, breaking_changes, migration_notes;
  Json parameters;          // the manifest's parameters object (specs)
  Json default_parameters;  // name -> default value
  std::string git_commit_hash, artifact_sha256;
  std::string artifact_path;  // the built artifact; copied to code_snapshots/{version_id}/ by the mirror
  std::string validation_status = "pending";  // passed | failed | pending
  std::string created_by;
  Json backtest_results;
  // An unpublished development build (run --allow-unpublished): recorded so that its trades have
  // a version of their own; never the strategy's current version.
  bool development = false;
};

struct VersionRecord {
  std::string version_id, strategy_id, version_number, version_type;
  std::string code_snapshot, git_commit_hash, artifact_sha256, changelog, breaking_changes, migration_notes;
  Json parameters, default_parameters, backtest_results;
  std::string validation_status;
  std::optional<double> test_coverage, sharpe_ratio, win_rate, max_drawdown, cagr, mem_improvement_pct;
  bool mem_enhanced_version = false, is_active = true;
  bool development = false;  // see VersionCreate::development
  std::string created_by, created_at;
  std::optional<std::string> approved_by, approved_at, deprecated_at;

  Json to_json() const;
};

// One closed trade (a strategy_performance row).
struct TradeRecord {
  std::string strategy_id;
  std::optional<std::string> version_id, run_id, trade_id;
  std::string symbol, timeframe, signal_action = "buy";
  std::optional<double> signal_confidence;
  double entry_price = 0, exit_price = 0, quantity = 0;
  std::string entry_timestamp, exit_timestamp;  // ISO-8601 UTC
  int64_t duration_seconds = 0;
  double pnl = 0, pnl_percentage = 0;
  std::optional<double> max_adverse_excursion, max_favorable_excursion, stop_loss, take_profit;
  bool was_mem_enhanced = false;
  std::optional<double> mem_confidence_boost;
  std::optional<std::string> mem_reasoning, learned_pattern_applied, market_regime;
  std::optional<double> volatility, volume_ratio;
  std::string broker = "paper";
  double slippage = 0, commission = 0;

  Json to_json() const;
};

// Trade-level statistics over a set of recorded trades (formulas in docs/catalog.md).
struct PerformanceMetrics {
  std::string strategy_id, strategy_name;
  std::optional<std::string> from, to;  // the range asked for (exit time)
  int64_t trades = 0, wins = 0, losses = 0;
  double win_rate = 0, total_pnl = 0, average_pnl = 0, average_pnl_pct = 0;
  double average_win = 0, average_loss = 0, max_drawdown = 0;
  std::optional<double> profit_factor;  // gross profit / gross loss; null without losing trades
  // Per-trade, not annualized: mean(pnl%) / sample stdev(pnl%); null under 2 trades or when the
  // spread is (numerically) zero. JSON: "per_trade_sharpe" (and the older key "sharpe_ratio").
  std::optional<double> per_trade_sharpe;
  double total_commission = 0;
  // Of `trades`, those recorded by runs that did not finish (running, interrupted, failed or
  // crashed), and how many such runs: their numbers stop wherever the run stopped.
  int64_t unfinished_trades = 0, unfinished_runs = 0;

  Json to_json() const;
};

// What a parameter change was measured to do before it was written (MEM's replay, an
// optimization): the seed's before_sharpe, after_sharpe and improvement_pct columns.
struct ParameterEvidence {
  std::optional<double> before_sharpe, after_sharpe, improvement_pct;
};

struct ParameterChange {
  std::string parameter_id, strategy_id, version_id, parameter_name, parameter_value, parameter_type;
  std::optional<std::string> previous_value, applied_to, change_reason, ab_test_group;
  ParameterEvidence evidence;
  std::string applied_from, changed_by, created_at;
  bool is_ab_test = false;

  Json to_json() const;
};

struct RelatedStrategy {
  std::string relationship_id, relationship_type, direction;  // direction: "parent" or "child" of the asked one
  std::string description, created_at;
  std::optional<double> similarity_score;
  StrategyRecord strategy;

  Json to_json() const;
};

// One strategy with everything `strategies show` presents.
struct StrategyDetails {
  StrategyRecord strategy;
  std::vector<VersionRecord> versions;  // highest semver first
  std::optional<Json> parameters;       // effective values; none when there is no current version
  std::vector<RelatedStrategy> related;
  PerformanceMetrics performance;       // over all recorded trades

  // The record (with its metadata) plus "versions", "parameters", "related", "performance".
  Json to_json() const;
};

struct AuditEntry {
  int64_t audit_id = 0;
  std::string at, actor, action, entity_type, entity_id, strategy_id;
  Json before, after;

  Json to_json() const;
};

// One daily equity curve of a run (schema 7, table run_curves): what the run's metrics for that
// strategy (or, arm "base" of a MEM run, its base arm's metrics) were computed from. `position`
// is the strategy's index in the run's results.strategies; points are (UTC ms, equity).
struct RunCurve {
  std::string run_id;
  int64_t position = 0;
  std::string arm;       // "enhanced" | "base" (a run without MEM has "base" only)
  std::string strategy;  // the label as run, "rsi@1.0.0"
  std::optional<std::string> strategy_id;
  double starting_capital = 0;
  std::vector<std::pair<int64_t, double>> equity;
};

// Runs listed page by page, newest first: of one kind, and/or that ran a strategy (by name: an
// entry of the run's strategies named "NAME" or "NAME@VERSION").
struct RunFilter {
  std::optional<std::string> kind, strategy_name;
  int64_t limit = 50, offset = 0;
};

// A run's trades page by page, in exit order, with the filters' total before paging. side:
// "buy" | "sell" | "target" (the signal's action) or "long" | "short" (the quantity's sign).
struct RunTradeFilter {
  std::string run_id;
  std::optional<std::string> strategy_id, symbol, side;
  int64_t limit = 50, offset = 0;
};

template <class Row>
struct Page {
  std::vector<Row> rows;
  int64_t total = 0;  // rows matching the filters before limit/offset
};

// One named instance of a strategy in a live host (`algohost serve`): the version running now.
struct LiveInstance {
  std::string instance, strategy_name, version_number;
  std::optional<std::string> strategy_id, version_id;
  std::string status = "running";  // running | failed | stopped | unloaded
  std::optional<std::string> canary_version, run_id;
  std::optional<int64_t> pid;
  std::string updated_at;  // set by the catalog

  Json to_json() const;
};

struct RunRecord {
  std::string run_id, kind, started_at, status, engine_version;  // status: running | finished | failed | interrupted | crashed
  std::optional<std::string> finished_at, error;
  Json strategies, data, config, results;
  // The process that ran it (none for runs recorded before schema 5) and its last heartbeat.
  std::optional<int64_t> pid;
  std::optional<std::string> host, heartbeat_at;

  Json to_json() const;
};

// A run found "running" whose process is gone, now marked "crashed".
struct CrashedRun {
  std::string run_id, started_at, host;
  int64_t pid = 0;
  int64_t trades = 0;  // recorded before it ended, kept
  std::string why;     // "the process ended" | "no heartbeat since ..."
};

// One strategy's result in one MEM run: the entry of the run's results.strategies whose `mem`
// block (both arms on the scoring part, docs/mem.md) is set.
struct MemRunResult {
  std::string run_id, started_at, strategy_label;  // label: name@version as run
  Json mem;
};

struct LearnedPattern {
  std::string pattern_id, strategy_id, pattern_key;
  Json conditions;
  int64_t occurrences = 0, wins = 0;
  double win_rate = 0;
  std::optional<std::string> first_seen, last_seen, learned_strategy_id;
  std::string created_at, updated_at;

  Json to_json() const;
};

}  // namespace algohost::catalog
