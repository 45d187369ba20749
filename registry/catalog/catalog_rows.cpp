// Row readers, column lists and JSON renderings of the catalog's records.
#include "registry/catalog/catalog_internal.h"

namespace algohost::catalog {
namespace internal {

const char* const kStrategyColumns =
    "s.strategy_id, s.strategy_name, s.display_name, s.description, s.category, s.sub_category, "
    "s.complexity_level, s.language, s.file_path, s.class_name, s.namespace, s.origin, s.academic_source, "
    "s.learned_from_strategy_id, s.created_by, s.status, s.is_mem_enhanced, s.requires_short_selling, "
    "s.requires_margin, s.search_keywords, s.current_version, s.version_count, s.lifetime_sharpe_ratio, "
    "s.lifetime_win_rate, s.total_trades, s.total_pnl, s.mem_learning_enabled, s.mem_learned_patterns_count, "
    "s.last_mem_update, s.created_at, s.updated_at, s.last_used_at, s.deprecated_at, s.deprecation_reason, "
    "s.replacement_strategy_id, s.runnable, s.metadata_json, "
    "(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM strategy_tags t WHERE t.strategy_id = s.strategy_id ORDER BY tag))";
const int kStrategyColumnCount = 38;

StrategyRecord read_strategy(sql::Statement& st) {
  StrategyRecord r;
  int c = 0;
  r.strategy_id = st.text(c++);
  r.strategy_name = st.text(c++);
  r.display_name = st.text(c++);
  r.description = st.text(c++);
  r.category = st.text(c++);
  r.sub_category = st.text(c++);
  r.complexity_level = st.text(c++);
  r.language = st.text(c++);
  r.file_path = st.text(c++);
  r.class_name = st.text(c++);
  r.namespace_ = st.text(c++);
  r.origin = st.text(c++);
  r.academic_source = st.text(c++);
  r.learned_from_strategy_id = st.opt_text(c++);
  r.created_by = st.text(c++);
  r.status = st.text(c++);
  r.is_mem_enhanced = st.int64(c++) != 0;
  r.requires_short_selling = st.int64(c++) != 0;
  r.requires_margin = st.int64(c++) != 0;
  r.search_keywords = st.text(c++);
  r.current_version = st.text(c++);
  r.version_count = st.int64(c++);
  r.lifetime_sharpe_ratio = st.opt_real(c++);
  r.lifetime_win_rate = st.opt_real(c++);
  r.total_trades = st.int64(c++);
  r.total_pnl = st.real(c++);
  r.mem_learning_enabled = st.int64(c++) != 0;
  r.mem_learned_patterns_count = st.int64(c++);
  r.last_mem_update = st.opt_text(c++);
  r.created_at = st.text(c++);
  r.updated_at = st.text(c++);
  r.last_used_at = st.opt_text(c++);
  r.deprecated_at = st.opt_text(c++);
  r.deprecation_reason = st.opt_text(c++);
  r.replacement_strategy_id = st.opt_text(c++);
  r.runnable = st.int64(c++) != 0;
  r.metadata = parse_json_column(st.opt_text(c++));
  std::string tags = st.text(c++);
  size_t pos = 0;
  while (!tags.empty() && pos <= tags.size()) {
    size_t next = tags.find('\x1f', pos);
    r.tags.push_back(tags.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return r;
}

const char* const kVersionColumns =
    "v.version_id, v.strategy_id, v.version_number, v.version_type, v.code_snapshot, v.git_commit_hash, "
    "v.artifact_sha256, v.changelog, v.breaking_changes, v.migration_notes, v.parameters_json, "
    "v.default_parameters_json, v.backtest_results_json, v.validation_status, v.test_coverage, v.sharpe_ratio, "
    "v.win_rate, v.max_drawdown, v.cagr, v.mem_enhanced_version, v.mem_improvement_pct, v.created_by, "
    "v.created_at, v.approved_by, v.approved_at, v.is_active, v.deprecated_at, v.development";

VersionRecord read_version(sql::Statement& st) {
  VersionRecord v;
  int c = 0;
  v.version_id = st.text(c++);
  v.strategy_id = st.text(c++);
  v.version_number = st.text(c++);
  v.version_type = st.text(c++);
  v.code_snapshot = st.text(c++);
  v.git_commit_hash = st.text(c++);
  v.artifact_sha256 = st.text(c++);
  v.changelog = st.text(c++);
  v.breaking_changes = st.text(c++);
  v.migration_notes = st.text(c++);
  v.parameters = parse_json_column(st.opt_text(c++));
  v.default_parameters = parse_json_column(st.opt_text(c++));
  v.backtest_results = parse_json_column(st.opt_text(c++));
  v.validation_status = st.text(c++);
  v.test_coverage = st.opt_real(c++);
  v.sharpe_ratio = st.opt_real(c++);
  v.win_rate = st.opt_real(c++);
  v.max_drawdown = st.opt_real(c++);
  v.cagr = st.opt_real(c++);
  v.mem_enhanced_version = st.int64(c++) != 0;
  v.mem_improvement_pct = st.opt_real(c++);
  v.created_by = st.text(c++);
  v.created_at = st.text(c++);
  v.approved_by = st.opt_text(c++);
  v.approved_at = st.opt_text(c++);
  v.is_active = st.int64(c++) != 0;
  v.deprecated_at = st.opt_text(c++);
  v.development = st.int64(c++) != 0;
  return v;
}

const char* const kTradeColumns =
    "p.strategy_id, p.version_id, p.run_id, p.trade_id, p.symbol, p.timeframe, p.signal_action, "
    "p.signal_confidence, p.entry_price, p.exit_price, p.quantity, p.entry_timestamp, p.exit_timestamp, "
    "p.duration_seconds, p.pnl, p.pnl_percentage, p.max_adverse_excursion, p.max_favorable_excursion, "
    "p.stop_loss, p.take_profit, p.was_mem_enhanced, p.mem_confidence_boost, p.mem_reasoning, "
    "p.learned_pattern_applied, p.market_regime, p.volatility, p.volume_ratio, p.broker, p.slippage, p.commission";

TradeRecord read_trade(sql::Statement& st) {
  TradeRecord t;
  int c = 0;
  t.strategy_id = st.text(c++);
  t.version_id = st.opt_text(c++);
  t.run_id = st.opt_text(c++);
  t.trade_id = st.opt_text(c++);
  t.symbol = st.text(c++);
  t.timeframe = st.text(c++);
  t.signal_action = st.text(c++);
  t.signal_confidence = st.opt_real(c++);
  t.entry_price = st.real(c++);
  t.exit_price = st.real(c++);
  t.quantity = st.real(c++);
  t.entry_timestamp = st.text(c++);
  t.exit_timestamp = st.text(c++);
  t.duration_seconds = st.int64(c++);
  t.pnl = st.real(c++);
  t.pnl_percentage = st.real(c++);
  t.max_adverse_excursion = st.opt_real(c++);
  t.max_favorable_excursion = st.opt_real(c++);
  t.stop_loss = st.opt_real(c++);
  t.take_profit = st.opt_real(c++);
  t.was_mem_enhanced = st.int64(c++) != 0;
  t.mem_confidence_boost = st.opt_real(c++);
  t.mem_reasoning = st.opt_text(c++);
  t.learned_pattern_applied = st.opt_text(c++);
  t.market_regime = st.opt_text(c++);
  t.volatility = st.opt_real(c++);
  t.volume_ratio = st.opt_real(c++);
  t.broker = st.text(c++);
  t.slippage = st.real(c++);
  t.commission = st.real(c++);
  return t;
}

void bind_json(sql::Statement& st, int i, const Json& v) {
  if (v.is_null()) st.bind(i, nullptr);
  else if (v.is_string()) st.bind(i, v.get_ref<const std::string&>());
  else if (v.is_boolean()) st.bind(i, v.get<bool>());
  else if (v.is_number_integer()) st.bind(i, v.get<int64_t>());
  else if (v.is_number()) st.bind(i, v.get<double>());
  else st.bind(i, v.dump());
}

Json parse_json_column(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json j = Json::parse(*text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

Status run(sql::Database& db, const std::string& sql, const std::vector<Json>& binds) {
  auto st = db.prepare(sql);
  if (!st.ok()) return st.status();
  for (size_t i = 0; i < binds.size(); ++i) bind_json(**st, static_cast<int>(i + 1), binds[i]);
  return (*st)->run();
}

}  // namespace internal

namespace {
template <class T>
Json opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Builds a JSON object member by member without ordered_json's search for an existing key on each
// insert, nor the copies an initializer list makes: the keys below are distinct literals. The
// strategy and version records are rendered on every audited change, so this is on the
// registration path.
class ObjectBuilder {
 public:
  explicit ObjectBuilder(size_t members) { this->members().reserve(members); }
  template <class V>
  ObjectBuilder& add(const char* key, V&& value) {
    members().emplace_back(key, Json(std::forward<V>(value)));
    return *this;
  }
  Json take() { return std::move(json_); }

 private:
  using Members = std::vector<std::pair<const std::string, Json>>;  // ordered_json's object storage
  Members& members() { return static_cast<Members&>(json_.get_ref<Json::object_t&>()); }
  Json json_ = Json::object();
};
}  // namespace

Json StrategyRecord::to_json() const {
  return ObjectBuilder(36)
      .add("strategy_id", strategy_id)
      .add("strategy_name", strategy_name)
      .add("display_name", display_name)
      .add("description", description)
      .add("category", category)
      .add("sub_category", sub_category)
      .add("complexity_level", complexity_level)
      .add("language", language)
      .add("file_path", file_path)
      .add("class_name", class_name)
      .add("origin", origin)
      .add("academic_source", academic_source)
      .add("learned_from_strategy_id", opt(learned_from_strategy_id))
      .add("created_by", created_by)
      .add("status", status)
      .add("is_mem_enhanced", is_mem_enhanced)
      .add("requires_short_selling", requires_short_selling)
      .add("requires_margin", requires_margin)
      .add("tags", tags)
      .add("search_keywords", search_keywords)
      .add("current_version", current_version)
      .add("version_count", version_count)
      .add("lifetime_per_trade_sharpe", opt(lifetime_sharpe_ratio))
      .add("lifetime_sharpe_ratio", opt(lifetime_sharpe_ratio))  // the column's (seed's) name, same value
      .add("lifetime_win_rate", opt(lifetime_win_rate))
      .add("total_trades", total_trades)
      .add("total_pnl", total_pnl)
      .add("mem_learning_enabled", mem_learning_enabled)
      .add("mem_learned_patterns_count", mem_learned_patterns_count)
      .add("last_mem_update", opt(last_mem_update))
      .add("created_at", created_at)
      .add("updated_at", updated_at)
      .add("last_used_at", opt(last_used_at))
      .add("deprecated_at", opt(deprecated_at))
      .add("deprecation_reason", opt(deprecation_reason))
      .add("replacement_strategy_id", opt(replacement_strategy_id))
      .add("runnable", runnable)
      .take();
}

Json VersionRecord::to_json() const {
  return ObjectBuilder(28)
      .add("version_id", version_id)
      .add("strategy_id", strategy_id)
      .add("version_number", version_number)
      .add("version_type", version_type)
      .add("git_commit_hash", git_commit_hash)
      .add("artifact_sha256", artifact_sha256)
      .add("code_snapshot", code_snapshot)
      .add("changelog", changelog)
      .add("breaking_changes", breaking_changes)
      .add("migration_notes", migration_notes)
      .add("parameters", parameters)
      .add("default_parameters", default_parameters)
      .add("backtest_results", backtest_results)
      .add("validation_status", validation_status)
      .add("test_coverage", opt(test_coverage))
      .add("sharpe_ratio", opt(sharpe_ratio))
      .add("win_rate", opt(win_rate))
      .add("max_drawdown", opt(max_drawdown))
      .add("cagr", opt(cagr))
      .add("mem_enhanced_version", mem_enhanced_version)
      .add("mem_improvement_pct", opt(mem_improvement_pct))
      .add("created_by", created_by)
      .add("created_at", created_at)
      .add("approved_by", opt(approved_by))
      .add("approved_at", opt(approved_at))
      .add("is_active", is_active)
      .add("deprecated_at", opt(deprecated_at))
      .add("development", development)
      .take();
}

Json TradeRecord::to_json() const {
  return Json{{"strategy_id", strategy_id}, {"version_id", opt(version_id)}, {"run_id", opt(run_id)},
              {"trade_id", opt(trade_id)}, {"symbol", symbol}, {"timeframe", timeframe},
              {"signal_action", signal_action}, {"signal_confidence", opt(signal_confidence)},
              {"entry_price", entry_price}, {"exit_price", exit_price}, {"quantity", quantity},
              {"entry_timestamp", entry_timestamp}, {"exit_timestamp", exit_timestamp},
              {"duration_seconds", duration_seconds}, {"pnl", pnl}, {"pnl_percentage", pnl_percentage},
              {"max_adverse_excursion", opt(max_adverse_excursion)},
              {"max_favorable_excursion", opt(max_favorable_excursion)}, {"stop_loss", opt(stop_loss)},
              {"take_profit", opt(take_profit)}, {"was_mem_enhanced", was_mem_enhanced},
              {"mem_confidence_boost", opt(mem_confidence_boost)}, {"mem_reasoning", opt(mem_reasoning)},
              {"learned_pattern_applied", opt(learned_pattern_applied)}, {"market_regime", opt(market_regime)},
              {"volatility", opt(volatility)}, {"volume_ratio", opt(volume_ratio)}, {"broker", broker},
              {"slippage", slippage}, {"commission", commission}};
}

Json PerformanceMetrics::to_json() const {
  return Json{{"strategy_id", strategy_id}, {"strategy_name", strategy_name}, {"from", opt(from)}, {"to", opt(to)},
              {"trades", trades}, {"wins", wins}, {"losses", losses}, {"win_rate", win_rate},
              {"total_pnl", total_pnl}, {"average_pnl", average_pnl}, {"average_pnl_pct", average_pnl_pct},
              {"average_win", average_win}, {"average_loss", average_loss}, {"profit_factor", opt(profit_factor)},
              {"max_drawdown", max_drawdown}, {"per_trade_sharpe", opt(per_trade_sharpe)},
              {"sharpe_ratio", opt(per_trade_sharpe)},  // the older name of per_trade_sharpe, kept for scripts
              {"total_commission", total_commission}, {"unfinished_trades", unfinished_trades},
              {"unfinished_runs", unfinished_runs}};
}

Json ParameterChange::to_json() const {
  return Json{{"parameter_id", parameter_id}, {"strategy_id", strategy_id}, {"version_id", version_id},
              {"parameter_name", parameter_name}, {"parameter_value", parameter_value},
              {"parameter_type", parameter_type}, {"previous_value", opt(previous_value)},
              {"applied_from", applied_from}, {"applied_to", opt(applied_to)}, {"change_reason", opt(change_reason)},
              {"changed_by", changed_by}, {"is_ab_test", is_ab_test}, {"ab_test_group", opt(ab_test_group)},
              {"before_sharpe", opt(evidence.before_sharpe)}, {"after_sharpe", opt(evidence.after_sharpe)},
              {"improvement_pct", opt(evidence.improvement_pct)}, {"created_at", created_at}};
}

Json StrategyDetails::to_json() const {
  Json j = strategy.to_json();
  j["metadata"] = strategy.metadata;
  j["versions"] = Json::array();
  for (const auto& v : versions) j["versions"].push_back(v.to_json());
  j["parameters"] = parameters ? *parameters : Json(nullptr);
  j["related"] = Json::array();
  for (const auto& r : related) j["related"].push_back(r.to_json());
  j["performance"] = performance.to_json();
  return j;
}

Json RelatedStrategy::to_json() const {
  return Json{{"relationship_id", relationship_id}, {"relationship_type", relationship_type},
              {"direction", direction}, {"description", description}, {"similarity_score", opt(similarity_score)},
              {"created_at", created_at}, {"strategy_id", strategy.strategy_id},
              {"strategy_name", strategy.strategy_name}, {"status", strategy.status}};
}

Json AuditEntry::to_json() const {
  return Json{{"audit_id", audit_id}, {"at", at}, {"actor", actor}, {"action", action},
              {"entity_type", entity_type}, {"entity_id", entity_id}, {"strategy_id", strategy_id},
              {"before", before}, {"after", after}};
}

Json RunRecord::to_json() const {
  return Json{{"run_id", run_id}, {"kind", kind}, {"started_at", started_at}, {"finished_at", opt(finished_at)},
              {"status", status}, {"engine_version", engine_version}, {"error", opt(error)},
              {"strategies", strategies}, {"data", data}, {"config", config}, {"results", results},
              {"pid", pid ? Json(*pid) : Json(nullptr)}, {"host", opt(host)}, {"heartbeat_at", opt(heartbeat_at)}};
}

Json LearnedPattern::to_json() const {
  return Json{{"pattern_id", pattern_id}, {"strategy_id", strategy_id}, {"pattern_key", pattern_key},
              {"conditions", conditions}, {"occurrences", occurrences}, {"wins", wins}, {"win_rate", win_rate},
              {"first_seen", opt(first_seen)}, {"last_seen", opt(last_seen)},
              {"learned_strategy_id", opt(learned_strategy_id)}, {"created_at", created_at}, {"updated_at", updated_at}};
}

}  // namespace algohost::catalog
