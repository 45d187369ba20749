#include "host/service/mem_store.h"

#include <climits>
#include <fstream>
#include <sstream>

#include "host/data/timestamp.h"

namespace algohost {

namespace {

catalog::Json to_catalog_json(const nlohmann::json& j) { return catalog::Json::parse(j.dump()); }

}  // namespace

Result<std::optional<SavedMemState>> load_mem_state(catalog::Catalog& c, const std::filesystem::path& data_dir,
                                                    const std::string& strategy_id) {
  auto stored = c.mem_state(strategy_id);
  if (!stored.ok()) return stored.status();
  if (*stored) return std::optional<SavedMemState>(SavedMemState{nlohmann::json::parse((**stored).dump()), "catalog"});
  const std::filesystem::path file = data_dir / "mem_models" / (strategy_id + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<SavedMemState>();
  std::ifstream in(file);
  if (!in) return Status::IoError(file.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument(file.string() + ": not a JSON object");
  return std::optional<SavedMemState>(SavedMemState{std::move(j), file.string()});
}

Status save_mem_state(catalog::Catalog& c, const std::string& strategy_id, const nlohmann::json& state, int64_t learned,
                      int64_t last_exit_ms) {
  return c.save_mem_state(strategy_id, to_catalog_json(state), learned,
                          last_exit_ms == INT64_MIN ? std::nullopt : std::optional<std::string>(format_timestamp_ms(last_exit_ms)));
}

Status store_learned_patterns(catalog::Catalog& c, const std::string& strategy_id, const std::vector<mem::Pattern>& patterns) {
  std::vector<catalog::LearnedPattern> rows;
  for (const auto& p : patterns) {
    catalog::LearnedPattern r;
    r.pattern_key = p.key();
    r.conditions = to_catalog_json(p.conditions());
    r.occurrences = p.occurrences;
    r.wins = p.wins;
    r.first_seen = format_timestamp_ms(p.first_seen_ms);
    r.last_seen = format_timestamp_ms(p.last_seen_ms);
    rows.push_back(std::move(r));
  }
  return c.store_learned_patterns(strategy_id, rows);
}

Result<std::string> promote_learned_strategy(catalog::Catalog& c, const std::string& base_label,
                                             const std::string& base_strategy_id, const std::string& base_artifact,
                                             const mem::Pattern& pattern, const mem::Standardizer& st,
                                             const nlohmann::json& evidence) {
  const std::string base_name = base_label.substr(0, base_label.find('@'));
  std::string slug;
  for (char ch : pattern.key()) slug += ch == '=' ? '-' : ch == '&' ? '.' : ch;
  const std::string name = base_name + "-learned-" + slug;
  if (auto existing = c.get(name); existing.ok()) return existing->strategy_id;
  auto base = c.get(base_strategy_id);
  if (!base.ok()) return base.status();
  catalog::Registration r;
  r.name = name;
  r.display_name = base->display_name + " when " + pattern.key();
  r.description = base_label + " with its entries filtered by the MEM pattern " + pattern.key() +
                  " (learned by MEM, passed out of sample)";
  r.category = base->category;
  r.sub_category = base->sub_category;
  r.complexity = base->complexity_level;
  r.language = base->language;
  r.origin = "learned";
  r.created_by = "mem_learning";
  r.learned_from_strategy_id = base->strategy_id;
  r.tags = {"learned", "mem"};
  nlohmann::json items = pattern.items;
  r.metadata = catalog::Json{{"learned", {{"base", base_label}, {"pattern", pattern.key()},
                                          {"conditions", catalog::Json::parse(pattern.conditions().dump())},
                                          {"items", catalog::Json::parse(items.dump())},
                                          {"standardizer", catalog::Json::parse(st.to_json().dump())},
                                          {"evidence", catalog::Json::parse(evidence.dump())}}}};
  auto base_version = c.get_version(base->strategy_id, base_label.substr(base_label.find('@') + 1));
  if (!base_version.ok()) return base_version.status().with_context("learned strategy " + name);
  catalog::VersionCreate v;
  v.version = "1.0.0";
  v.changelog = "learned by MEM from " + base_label + ": entries where " + pattern.key();
  v.parameters = base_version->parameters;
  v.default_parameters = base_version->default_parameters;
  v.artifact_sha256 = base_version->artifact_sha256;
  v.artifact_path = base_artifact;
  v.validation_status = "passed";
  v.created_by = "mem_learning";
  std::string id;
  Status st2 = c.in_transaction([&]() -> Status {
    auto registered = c.register_strategy(r);
    if (!registered.ok()) return registered.status();
    id = *registered;
    if (auto created = c.create_version(id, v); !created.ok()) return created.status();
    if (Status s = c.link(base->strategy_id, id, "derived_from", "MEM pattern " + pattern.key()); !s.ok()) return s;
    // The pattern's row (upserted with the counts it was promoted on) points at what it became.
    if (Status s = store_learned_patterns(c, base->strategy_id, {pattern}); !s.ok()) return s;
    return c.attach_learned_strategy(base->strategy_id, pattern.key(), id);
  });
  if (!st2.ok()) return st2;
  return id;
}

Result<LearnedSpec> find_learned_strategy(catalog::Catalog& c, const std::string& name_or_id) {
  auto rec = c.get(name_or_id);
  if (!rec.ok()) return rec.status();
  if (rec->origin != "learned" || !rec->metadata.is_object() || !rec->metadata.contains("learned"))
    return Status::NotFound(name_or_id + " is not a learned strategy");
  try {
    const auto& l = rec->metadata["learned"];
    LearnedSpec s;
    s.strategy_id = rec->strategy_id;
    s.name = rec->strategy_name;
    s.base = l.at("base").get<std::string>();
    s.pattern.items = l.at("items").get<std::vector<uint8_t>>();
    s.pattern.finalize();
    s.standardizer = mem::Standardizer::from_json(nlohmann::json::parse(l.at("standardizer").dump()));
    return s;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(name_or_id + ": metadata.learned: " + e.what());
  }
}

}  // namespace algohost
