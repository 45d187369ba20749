// Catalog: MEM — the enhanced flag, learned patterns, each strategy's saved MEM state (and its
// enhancer plugins' states) and the measured improvement of a version. Every change writes its
// audit row in its transaction.
#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"

namespace algohost::catalog {

namespace {

// The JSON object in the first column of the row `q` (bound, not yet stepped) selects; nullopt
// when there is no row; Corruption, naming `what`, when the stored text is not a JSON object.
Result<std::optional<Json>> read_saved_object(sql::Statement& q, const std::string& what) {
  if (!q.step()) {
    if (!q.status().ok()) return q.status();
    return std::optional<Json>();
  }
  Json state = Json::parse(q.text(0), nullptr, false);
  if (state.is_discarded() || !state.is_object()) return Status::Corruption(what + " is not a JSON object");
  return std::optional<Json>(std::move(state));
}

}  // namespace

Result<bool> Catalog::is_mem_enhanced(const std::string& id_or_name) {
  auto s = get(id_or_name);
  if (!s.ok()) return s.status();
  return s->is_mem_enhanced;
}

Status Catalog::mark_mem_enhanced(const std::string& id_or_name, const std::optional<std::string>& base) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get(id_or_name);
  if (!before.ok()) return before.status();
  const std::string sid = before->strategy_id;
  Status st = internal::run(*db_,
                            "UPDATE strategies SET is_mem_enhanced = 1, mem_learning_enabled = 1, last_mem_update = ?, "
                            "updated_at = ? WHERE strategy_id = ?",
                            {now_iso(), now_iso(), sid});
  if (!st.ok()) return st;
  std::optional<std::string> base_id;
  if (base) {
    auto b = resolve_id(*base);
    if (!b.ok()) return b.status().with_context("base strategy");
    base_id = *b;
    // Part of this change: its audit row below records the base.
    st = insert_link(*b, sid, "mem_enhanced_version", "MEM-enhanced version of " + *base, std::nullopt, /*audit=*/false);
    if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return st;
  }
  auto after = get(sid);
  if (!after.ok()) return after.status();
  Json after_json = after->to_json();
  if (base_id) after_json["mem_base_strategy_id"] = *base_id;
  if (st = write_audit("mark_mem_enhanced", "strategy", sid, sid, before->to_json(), after_json); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(sid);
  if (base_id) mirror_strategy(*base_id);
  return Status::Ok();
}

Result<std::vector<LearnedPattern>> Catalog::learned_patterns(const std::string& id_or_name) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(
      "SELECT pattern_id, strategy_id, pattern_key, conditions_json, occurrences, wins, win_rate, first_seen, last_seen, "
      "learned_strategy_id, created_at, updated_at FROM mem_learned_patterns WHERE strategy_id = ? "
      "ORDER BY win_rate DESC, occurrences DESC, pattern_key");
  if (!st.ok()) return st.status();
  (*st)->bind(1, *sid);
  std::vector<LearnedPattern> out;
  while ((*st)->step()) {
    sql::Statement& s = **st;
    out.push_back({s.text(0), s.text(1), s.text(2), internal::parse_json_column(s.opt_text(3)), s.int64(4), s.int64(5),
                   s.real(6), s.opt_text(7), s.opt_text(8), s.opt_text(9), s.text(10), s.text(11)});
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Status Catalog::save_mem_state(const std::string& id_or_name, const Json& state, int64_t learned_outcomes,
                               const std::optional<std::string>& learned_through) {
  if (!state.is_object()) return Status::InvalidArgument("MEM state: expected a JSON object");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  const std::string now = now_iso();
  Json before = nullptr;
  {
    auto q = db_->prepare("SELECT learned_outcomes, learned_through, updated_at FROM mem_models WHERE strategy_id = ?");
    if (!q.ok()) return q.status();
    (*q)->bind(1, *sid);
    if ((*q)->step())
      before = Json{{"learned_outcomes", (*q)->int64(0)},
                    {"learned_through", (*q)->opt_text(1) ? Json(*(*q)->opt_text(1)) : Json(nullptr)},
                    {"updated_at", (*q)->text(2)}};
    if (!(*q)->status().ok()) return (*q)->status();
  }
  const std::string text = state.dump();
  Status st = internal::run(*db_,
                            "INSERT INTO mem_models (strategy_id, state_json, learned_outcomes, learned_through, "
                            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (strategy_id) DO UPDATE SET "
                            "state_json = excluded.state_json, learned_outcomes = excluded.learned_outcomes, "
                            "learned_through = excluded.learned_through, updated_at = excluded.updated_at",
                            {*sid, text, learned_outcomes, learned_through ? Json(*learned_through) : Json(nullptr), now});
  if (!st.ok()) return st;
  if (st = internal::run(*db_, "UPDATE strategies SET last_mem_update = ?1 WHERE strategy_id = ?2", {now, *sid}); !st.ok())
    return st;
  // The state itself can be large (memory, patterns): the audit row records its summary and size.
  const Json after{{"learned_outcomes", learned_outcomes},
                   {"learned_through", learned_through ? Json(*learned_through) : Json(nullptr)},
                   {"updated_at", now},
                   {"state_bytes", static_cast<int64_t>(text.size())}};
  if (st = write_audit("save_mem_state", "mem_model", *sid, *sid, before, after); !st.ok()) return st;
  return txn.commit();
}

Result<std::optional<Json>> Catalog::mem_state(const std::string& id_or_name) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto q = db_->prepare("SELECT state_json FROM mem_models WHERE strategy_id = ?");
  if (!q.ok()) return q.status();
  (*q)->bind(1, *sid);
  return read_saved_object(**q, "mem_models: the saved MEM state of strategy " + *sid);
}

Status Catalog::save_enhancer_state(const std::string& id_or_name, const std::string& enhancer, const Json& state) {
  if (enhancer.empty()) return Status::InvalidArgument("enhancer: a name is required");
  if (!state.is_object()) return Status::InvalidArgument("enhancer state: expected a JSON object");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  const std::string now = now_iso();
  const std::string text = state.dump();
  Status st = internal::run(*db_,
                            "INSERT INTO enhancer_states (strategy_id, enhancer, state_json, updated_at) VALUES "
                            "(?1, ?2, ?3, ?4) ON CONFLICT (strategy_id, enhancer) DO UPDATE SET "
                            "state_json = excluded.state_json, updated_at = excluded.updated_at",
                            {*sid, enhancer, text, now});
  if (!st.ok()) return st;
  if (st = write_audit("save_enhancer_state", "enhancer_state", enhancer, *sid, nullptr,
                       Json{{"enhancer", enhancer}, {"updated_at", now}, {"state_bytes", static_cast<int64_t>(text.size())}});
      !st.ok())
    return st;
  return txn.commit();
}

Result<std::optional<Json>> Catalog::enhancer_state(const std::string& id_or_name, const std::string& enhancer) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto q = db_->prepare("SELECT state_json FROM enhancer_states WHERE strategy_id = ? AND enhancer = ?");
  if (!q.ok()) return q.status();
  (*q)->bind(1, *sid).bind(2, enhancer);
  return read_saved_object(**q, "enhancer_states: the saved state of " + enhancer + " for strategy " + *sid);
}

Status Catalog::store_learned_patterns(const std::string& id_or_name, const std::vector<LearnedPattern>& patterns) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  const std::string now = now_iso();
  Json keys = Json::array();
  for (const auto& p : patterns) {
    if (p.pattern_key.empty()) return Status::InvalidArgument("learned pattern: pattern_key is required");
    if (p.occurrences < 0 || p.wins < 0 || p.wins > p.occurrences)
      return Status::InvalidArgument("learned pattern " + p.pattern_key + ": wins must lie within [0, occurrences]");
    Status st = internal::run(
        *db_,
        "INSERT INTO mem_learned_patterns (pattern_id, strategy_id, pattern_key, conditions_json, occurrences, wins, "
        "win_rate, first_seen, last_seen, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10) "
        "ON CONFLICT (strategy_id, pattern_key) DO UPDATE SET conditions_json = excluded.conditions_json, "
        "occurrences = excluded.occurrences, wins = excluded.wins, win_rate = excluded.win_rate, "
        "first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at",
        {new_uuid(), *sid, p.pattern_key, (p.conditions.is_null() ? Json::object() : p.conditions).dump(), p.occurrences,
         p.wins, p.occurrences ? static_cast<double>(p.wins) / static_cast<double>(p.occurrences) : 0.0,
         p.first_seen ? Json(*p.first_seen) : Json(nullptr), p.last_seen ? Json(*p.last_seen) : Json(nullptr), now});
    if (!st.ok()) return st;
    keys.push_back(p.pattern_key);
  }
  Status st = internal::run(*db_,
                            "UPDATE strategies SET mem_learned_patterns_count = (SELECT count(*) FROM "
                            "mem_learned_patterns WHERE strategy_id = ?1), last_mem_update = ?2 WHERE strategy_id = ?1",
                            {*sid, now});
  if (!st.ok()) return st;
  if (st = write_audit("store_learned_patterns", "strategy", *sid, *sid, nullptr, Json{{"patterns", keys}}); !st.ok())
    return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(*sid);
  return Status::Ok();
}

Status Catalog::attach_learned_strategy(const std::string& base, const std::string& pattern_key,
                                        const std::string& learned) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto base_id = resolve_id(base);
  if (!base_id.ok()) return base_id.status();
  auto learned_id = resolve_id(learned);
  if (!learned_id.ok()) return learned_id.status().with_context("learned strategy");
  Status st = internal::run(*db_,
                            "UPDATE mem_learned_patterns SET learned_strategy_id = ?1, updated_at = ?2 "
                            "WHERE strategy_id = ?3 AND pattern_key = ?4",
                            {*learned_id, now_iso(), *base_id, pattern_key});
  if (!st.ok()) return st;
  if (db_->changes() == 0) return Status::NotFound("strategy " + base + " has no learned pattern '" + pattern_key + "'");
  if (st = write_audit("attach_learned_strategy", "pattern", pattern_key, *base_id, nullptr,
                       Json{{"pattern_key", pattern_key}, {"learned_strategy_id", *learned_id}});
      !st.ok())
    return st;
  return txn.commit();
}

Status Catalog::set_mem_improvement(const std::string& version_id, double improvement_pct) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get_version(version_id);
  if (!before.ok()) return before.status();
  Status st = internal::run(*db_, "UPDATE strategy_versions SET mem_improvement_pct = ?1 WHERE version_id = ?2",
                            {improvement_pct, version_id});
  if (!st.ok()) return st;
  VersionRecord after = *before;
  after.mem_improvement_pct = improvement_pct;
  if (st = write_audit("set_mem_improvement", "version", version_id, before->strategy_id, before->to_json(),
                       after.to_json());
      !st.ok())
    return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(before->strategy_id);
  return Status::Ok();
}

}  // namespace algohost::catalog
