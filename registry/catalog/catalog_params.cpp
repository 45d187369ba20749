// Catalog: parameters, relationships, the audit log and one strategy in full.
#include <set>

#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"
#include "registry/manifest/manifest.h"

namespace algohost::catalog {

namespace {

Json opt_json(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

const std::set<std::string> kRelationshipTypes = {"derived_from", "mem_enhanced_version", "combined_with",
                                                   "alternative_to", "replaces", "portfolio_component"};

std::string stored_type(ParamType t) {
  switch (t) {
    case ParamType::kInteger: return "integer";
    case ParamType::kFloat: return "decimal";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kString: return "string";
  }
  return "string";
}

// The constraints the version's manifest declares. The strategy's metadata is the manifest of its
// newest synced (or imported) version; it speaks for the version when it names it.
std::vector<ParamConstraint> version_constraints(const StrategyRecord& s, const VersionRecord& v,
                                                 const std::vector<ParamSpec>& specs) {
  const Json& m = s.metadata;
  if (!m.is_object()) return {};
  auto cons = m.find("constraints");
  auto version = m.find("version");
  if (cons == m.end() || version == m.end() || !version->is_string() || *version != v.version_number) return {};
  std::vector<std::string> declared;
  for (const auto& p : specs) declared.push_back(p.name);
  std::vector<ManifestIssue> issues;  // validated when the manifest was read
  return parse_constraints(*cons, specs, declared, issues);
}

}  // namespace

Result<Json> Catalog::current_parameters(const std::string& id_or_name) {
  auto strategy = get(id_or_name);
  if (!strategy.ok()) return strategy.status();
  if (strategy->current_version.empty())
    return Status::NotFound("strategy '" + strategy->strategy_name + "' has no version yet");
  return version_parameters(strategy->strategy_id, strategy->current_version);
}

Result<Json> Catalog::version_parameters(const std::string& id_or_name, const std::string& version_number) {
  auto version = get_version(id_or_name, version_number);
  if (!version.ok()) return version.status();
  Json values = version->default_parameters.is_object() ? version->default_parameters : Json::object();
  auto st = db_->prepare(
      "SELECT parameter_name, parameter_value FROM strategy_parameters WHERE strategy_id = ? AND version_id = ? "
      "AND applied_to IS NULL ORDER BY applied_from, rowid");
  if (!st.ok()) return st.status();
  (*st)->bind(1, version->strategy_id).bind(2, version->version_id);
  while ((*st)->step()) {
    Json v = Json::parse((*st)->text(1), nullptr, false);
    if (!v.is_discarded()) values[(*st)->text(0)] = v;
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return values;
}

Status Catalog::update_parameter(const std::string& id_or_name, const std::string& parameter, const Json& value,
                                 const std::string& reason, const std::string& changed_by,
                                 const std::optional<std::string>& ab_test_group, const ParameterEvidence& evidence) {
  if (changed_by != "manual" && changed_by != "mem_learning" && changed_by != "backtest_optimization")
    return Status::InvalidArgument("changed_by: '" + changed_by + "' is not one of: manual, mem_learning, backtest_optimization");
  if (reason.empty()) return Status::InvalidArgument("a reason is required for a parameter change");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto strategy = get(id_or_name);
  if (!strategy.ok()) return strategy.status();
  const std::string sid = strategy->strategy_id;
  if (strategy->current_version.empty())
    return Status::NotFound("strategy '" + strategy->strategy_name + "' has no version whose parameters could change");
  auto version = get_version(sid, strategy->current_version);
  if (!version.ok()) return version.status();
  std::vector<ManifestIssue> issues;
  auto specs = parse_parameter_specs(version->parameters.is_null() ? Json::object() : version->parameters, issues);
  const ParamSpec* spec = nullptr;
  for (const auto& s : specs)
    if (s.name == parameter) spec = &s;
  if (!spec) {
    std::string known;
    for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
    return Status::NotFound(strategy->strategy_name + "@" + version->version_number + " has no parameter '" + parameter +
                            "'" + (known.empty() ? "" : " (it has: " + known + ")"));
  }
  if (std::string problem = check_parameter_value(*spec, value); !problem.empty())
    return Status::InvalidArgument("parameter '" + parameter + "': " + problem);

  auto current = current_parameters(sid);
  if (!current.ok()) return current.status();
  // The value together with the others in effect: ranges and the manifest's constraints.
  Json proposed = *current;
  proposed[parameter] = value;
  if (Status c = check_parameter_set(strategy->strategy_name, specs, version_constraints(*strategy, *version, specs), proposed);
      !c.ok())
    return c;
  const Json previous = current->contains(parameter) ? (*current)[parameter] : Json(nullptr);
  const std::string now = now_iso();
  Status st = internal::run(*db_,
                            "UPDATE strategy_parameters SET applied_to = ? WHERE strategy_id = ? AND version_id = ? "
                            "AND parameter_name = ? AND applied_to IS NULL",
                            {now, sid, version->version_id, parameter});
  if (!st.ok()) return st;
  const std::string pid = new_uuid();
  st = internal::run(*db_,
                     "INSERT INTO strategy_parameters (parameter_id, strategy_id, version_id, parameter_name, "
                     "parameter_value, parameter_type, previous_value, applied_from, change_reason, changed_by, "
                     "is_ab_test, ab_test_group, before_sharpe, after_sharpe, improvement_pct, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     {pid, sid, version->version_id, parameter, value.dump(), stored_type(spec->type),
                      previous.is_null() ? Json(nullptr) : Json(previous.dump()), now, reason, changed_by,
                      ab_test_group ? 1 : 0, ab_test_group ? Json(*ab_test_group) : Json(nullptr), opt_json(evidence.before_sharpe),
                      opt_json(evidence.after_sharpe), opt_json(evidence.improvement_pct), now});
  if (!st.ok()) return st;
  st = write_audit("update_parameter", "parameter", pid, sid, Json{{"name", parameter}, {"value", previous}},
                   Json{{"name", parameter}, {"value", value}, {"reason", reason}, {"changed_by", changed_by},
                        {"version", version->version_number}, {"before_sharpe", opt_json(evidence.before_sharpe)},
                        {"after_sharpe", opt_json(evidence.after_sharpe)}, {"improvement_pct", opt_json(evidence.improvement_pct)}});
  if (!st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(sid);
  return Status::Ok();
}

Result<std::vector<ParameterChange>> Catalog::parameter_history(const std::string& id_or_name, const std::string& parameter) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(
      "SELECT parameter_id, strategy_id, version_id, parameter_name, parameter_value, parameter_type, previous_value, "
      "applied_from, applied_to, change_reason, changed_by, is_ab_test, ab_test_group, created_at, before_sharpe, "
      "after_sharpe, improvement_pct "
      "FROM strategy_parameters WHERE strategy_id = ?1 AND (?2 = '' OR parameter_name = ?2) "
      "ORDER BY applied_from DESC, rowid DESC");
  if (!st.ok()) return st.status();
  (*st)->bind(1, *sid).bind(2, parameter);
  std::vector<ParameterChange> out;
  while ((*st)->step()) {
    sql::Statement& s = **st;
    ParameterChange c;
    c.parameter_id = s.text(0);
    c.strategy_id = s.text(1);
    c.version_id = s.text(2);
    c.parameter_name = s.text(3);
    c.parameter_value = s.text(4);
    c.parameter_type = s.text(5);
    c.previous_value = s.opt_text(6);
    c.applied_from = s.text(7);
    c.applied_to = s.opt_text(8);
    c.change_reason = s.opt_text(9);
    c.changed_by = s.text(10);
    c.is_ab_test = s.int64(11) != 0;
    c.ab_test_group = s.opt_text(12);
    c.created_at = s.text(13);
    c.evidence = {s.opt_real(14), s.opt_real(15), s.opt_real(16)};
    out.push_back(std::move(c));
  }
  if (!(*st)->status().ok()) return (*st)->status();
  if (out.empty() && !parameter.empty()) {  // no changes, or no such parameter in any version?
    auto declared = db_->prepare(
        "SELECT 1 FROM strategy_versions v, json_each(v.parameters_json) p WHERE v.strategy_id = ? AND p.key = ? LIMIT 1");
    if (!declared.ok()) return declared.status();
    (*declared)->bind(1, *sid).bind(2, parameter);
    if (!(*declared)->step()) {
      if (!(*declared)->status().ok()) return (*declared)->status();
      return Status::NotFound("no version of strategy '" + id_or_name + "' has a parameter '" + parameter + "'");
    }
  }
  return out;
}

Status Catalog::insert_link(const std::string& parent_id, const std::string& child_id, const std::string& type,
                            const std::string& description, std::optional<double> similarity, bool audit) {
  if (!kRelationshipTypes.count(type)) {
    std::string list;
    for (const auto& t : kRelationshipTypes) list += (list.empty() ? "" : ", ") + t;
    return Status::InvalidArgument("relationship type '" + type + "' is not one of: " + list);
  }
  if (parent_id == child_id) return Status::InvalidArgument("a strategy cannot be linked to itself");
  if (similarity && !(*similarity >= 0 && *similarity <= 1))
    return Status::InvalidArgument("similarity must lie in [0, 1]");
  auto dup = db_->prepare(
      "SELECT relationship_id FROM strategy_relationships WHERE parent_strategy_id = ? AND child_strategy_id = ? "
      "AND relationship_type = ?");
  if (!dup.ok()) return dup.status();
  (*dup)->bind_all(parent_id, child_id, type);
  if ((*dup)->step()) return Status::AlreadyExists("this " + type + " relationship already exists");
  const std::string rid = new_uuid();
  const Json row{{"relationship_id", rid}, {"parent_strategy_id", parent_id}, {"child_strategy_id", child_id},
                 {"relationship_type", type}, {"description", description},
                 {"similarity_score", similarity ? Json(*similarity) : Json(nullptr)}};
  Status st = internal::run(*db_,
                            "INSERT INTO strategy_relationships (relationship_id, parent_strategy_id, child_strategy_id, "
                            "relationship_type, description, similarity_score, created_at) VALUES (?,?,?,?,?,?,?)",
                            {rid, parent_id, child_id, type, description, row["similarity_score"], now_iso()});
  if (!st.ok() || !audit) return st;
  return write_audit("link", "relationship", rid, child_id, nullptr, row);
}

Status Catalog::link(const std::string& parent, const std::string& child, const std::string& type,
                     const std::string& description, std::optional<double> similarity) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto pid = resolve_id(parent);
  if (!pid.ok()) return pid.status();
  auto cid = resolve_id(child);
  if (!cid.ok()) return cid.status();
  Status st = insert_link(*pid, *cid, type, description, similarity);
  if (!st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(*pid);
  mirror_strategy(*cid);
  return Status::Ok();
}

Result<std::vector<RelatedStrategy>> Catalog::related(const std::string& id_or_name) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  struct Row {
    std::string rid, type, other, direction, description, created_at;
    std::optional<double> similarity;
  };
  std::vector<Row> rows;
  {
    auto st = db_->prepare(
        "SELECT relationship_id, relationship_type, child_strategy_id, 'child', description, similarity_score, created_at "
        "FROM strategy_relationships WHERE parent_strategy_id = ?1 UNION ALL "
        "SELECT relationship_id, relationship_type, parent_strategy_id, 'parent', description, similarity_score, created_at "
        "FROM strategy_relationships WHERE child_strategy_id = ?1 ORDER BY 7, 1");
    if (!st.ok()) return st.status();
    (*st)->bind(1, *sid);
    while ((*st)->step())
      rows.push_back({(*st)->text(0), (*st)->text(1), (*st)->text(2), (*st)->text(3), (*st)->text(4), (*st)->text(6),
                      (*st)->opt_real(5)});
    if (!(*st)->status().ok()) return (*st)->status();
  }
  std::vector<RelatedStrategy> out;
  for (const auto& r : rows) {
    auto other = get(r.other);
    if (!other.ok()) return other.status();
    // direction: what the other strategy is to the asked one.
    out.push_back({r.rid, r.type, r.direction, r.description, r.created_at, r.similarity, std::move(*other)});
  }
  return out;
}

Result<std::vector<AuditEntry>> Catalog::audit(const std::optional<std::string>& id_or_name, int64_t limit) {
  std::optional<std::string> sid;
  if (id_or_name) {
    auto r = resolve_id(*id_or_name);
    if (!r.ok()) return r.status();
    sid = *r;
  }
  auto st = db_->prepare(
      "SELECT audit_id, at, actor, action, entity_type, entity_id, strategy_id, before_json, after_json FROM audit_log "
      "WHERE ?1 IS NULL OR strategy_id = ?1 ORDER BY audit_id DESC LIMIT ?2");
  if (!st.ok()) return st.status();
  (*st)->bind_all(sid, limit);
  std::vector<AuditEntry> out;
  while ((*st)->step()) {
    sql::Statement& s = **st;
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                   internal::parse_json_column(s.opt_text(7)), internal::parse_json_column(s.opt_text(8))});
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Result<StrategyDetails> Catalog::details(const std::string& id_or_name) {
  StrategyDetails d;
  auto s = get(id_or_name);
  if (!s.ok()) return s.status();
  d.strategy = std::move(*s);
  const std::string& id = d.strategy.strategy_id;
  auto versions = this->versions(id);
  if (!versions.ok()) return versions.status();
  d.versions = std::move(*versions);
  auto rel = related(id);
  if (!rel.ok()) return rel.status();
  d.related = std::move(*rel);
  if (auto params = current_parameters(id); params.ok()) d.parameters = std::move(*params);
  auto perf = performance(id);
  if (!perf.ok()) return perf.status();
  d.performance = std::move(*perf);
  return d;
}

}  // namespace algohost::catalog
