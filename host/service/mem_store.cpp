#include "host/service/mem_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "host/data/timestamp.h"

namespace algohost {

std::filesystem::path mem_state_path(const std::filesystem::path& data_dir, const std::string& strategy_id) {
  return data_dir / "mem_models" / (strategy_id + ".json");
}

Result<std::optional<nlohmann::json>> load_mem_state(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<nlohmann::json>();
  std::ifstream in(file);
  if (!in) return Status::IoError(file.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(file.string() + ": not valid JSON");
  return std::optional<nlohmann::json>(std::move(j));
}

Status save_mem_state(const std::filesystem::path& file, const nlohmann::json& state) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return Status::IoError(file.parent_path().string() + ": " + ec.message());
  const std::filesystem::path tmp = file.string() + ".tmp";
  const std::string text = state.dump(1);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IoError(tmp.string() + ": cannot write");
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t w = ::write(fd, text.data() + off, text.size() - off);
    if (w <= 0) {
      ::close(fd);
      return Status::IoError(tmp.string() + ": write failed");
    }
    off += static_cast<size_t>(w);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Status::IoError(tmp.string() + ": fsync failed");
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Status::IoError(file.string() + ": " + ec.message());
  return Status::Ok();
}

Status store_learned_patterns(catalog::Catalog& c, const std::string& strategy_id, const std::vector<mem::Pattern>& patterns) {
  return c.in_transaction([&]() -> Status {
    auto& db = c.database();
    const std::string now = catalog::now_iso();
    auto up = db.prepare(
        "INSERT INTO mem_learned_patterns (pattern_id, strategy_id, pattern_key, conditions_json, occurrences, wins, "
        "win_rate, first_seen, last_seen, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10) "
        "ON CONFLICT (strategy_id, pattern_key) DO UPDATE SET conditions_json = excluded.conditions_json, "
        "occurrences = excluded.occurrences, wins = excluded.wins, win_rate = excluded.win_rate, "
        "first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at");
    if (!up.ok()) return up.status();
    for (const auto& p : patterns) {
      (*up)->reset();
      (*up)->bind_all(catalog::new_uuid(), strategy_id, p.key(), p.conditions().dump(), p.occurrences, p.wins, p.win_rate(),
                      format_timestamp_ms(p.first_seen_ms), format_timestamp_ms(p.last_seen_ms), now);
      if (Status st = (*up)->run(); !st.ok()) return st;
    }
    auto cnt = db.prepare(
        "UPDATE strategies SET mem_learned_patterns_count = (SELECT count(*) FROM mem_learned_patterns WHERE "
        "strategy_id = ?1), last_mem_update = ?2 WHERE strategy_id = ?1");
    if (!cnt.ok()) return cnt.status();
    (*cnt)->bind_all(strategy_id, now);
    return (*cnt)->run();
  });
}

Result<std::string> promote_learned_strategy(catalog::Catalog& c, const std::string& base_label,
                                             const std::string& base_strategy_id, const mem::Pattern& pattern,
                                             const mem::Standardizer& st, const nlohmann::json& evidence) {
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
  auto id = c.register_strategy(r);
  if (!id.ok()) return id.status();
  if (Status st2 = c.link(base->strategy_id, *id, "derived_from", "MEM pattern " + pattern.key()); !st2.ok()) return st2;
  auto up = c.database().prepare(
      "UPDATE mem_learned_patterns SET learned_strategy_id = ?1 WHERE strategy_id = ?2 AND pattern_key = ?3");
  if (!up.ok()) return up.status();
  (*up)->bind_all(*id, base->strategy_id, pattern.key());
  if (Status st3 = (*up)->run(); !st3.ok()) return st3;
  return *id;
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

Status store_mem_improvement(catalog::Catalog& c, const std::string& version_id, double improvement_pct) {
  auto st = c.database().prepare("UPDATE strategy_versions SET mem_improvement_pct = ?1 WHERE version_id = ?2");
  if (!st.ok()) return st.status();
  (*st)->bind_all(improvement_pct, version_id);
  return (*st)->run();
}

}  // namespace algohost
