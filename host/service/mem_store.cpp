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

Status store_mem_improvement(catalog::Catalog& c, const std::string& version_id, double improvement_pct) {
  auto st = c.database().prepare("UPDATE strategy_versions SET mem_improvement_pct = ?1 WHERE version_id = ?2");
  if (!st.ok()) return st.status();
  (*st)->bind_all(improvement_pct, version_id);
  return (*st)->run();
}

}  // namespace algohost
