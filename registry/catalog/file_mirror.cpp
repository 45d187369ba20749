#include "registry/catalog/file_mirror.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace algohost::catalog {
namespace fs = std::filesystem;

Status write_file_atomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::IoError(path.parent_path().string() + ": " + ec.message());
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(tmp.string() + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Status::IoError(tmp.string() + ": " + std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status st = Status::IoError(tmp.string() + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::IoError(path.string() + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return st;
  }
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

std::string FileMirror::snapshot_path(const std::string& version_id, const std::string& artifact) const {
  return (fs::path("code_snapshots") / version_id / fs::path(artifact).filename()).string();
}

void FileMirror::write_snapshot(const VersionRecord& v, const std::string& artifact) {
  const fs::path dir = root_ / "code_snapshots" / v.version_id;
  Json params{{"version_id", v.version_id}, {"version", v.version_number}, {"parameters", v.parameters},
              {"default_parameters", v.default_parameters}};
  Status st = write_file_atomically(dir / "parameters.json", params.dump(2) + "\n");
  if (st.ok() && !artifact.empty()) {
    std::ifstream in(artifact, std::ios::binary);
    if (!in) {
      st = Status::NotFound(artifact + ": cannot read the artifact to snapshot");
    } else {
      std::ostringstream bytes;
      bytes << in.rdbuf();
      st = write_file_atomically(dir / fs::path(artifact).filename(), bytes.str());
    }
  }
  if (!st.ok()) spdlog::warn("catalog mirror: {}", st.message());
}

// The document reads back through the manifest reader (load_manifest with ManifestUse::kMetadata):
// an absent value is written as null, never as "" (which would not be one of a field's values).
Json FileMirror::metadata_document(const StrategyRecord& s, const std::vector<VersionRecord>& versions) {
  const Json& m = s.metadata.is_object() ? s.metadata : Json::object();
  auto from_manifest = [&](const char* key) { return m.contains(key) ? m[key] : Json(nullptr); };
  auto text = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
  Json implementation = from_manifest("implementation");
  if (implementation.is_null())
    implementation = Json{{"language", text(s.language)}, {"file_path", text(s.file_path)}, {"class_name", text(s.class_name)}};
  Json perf = from_manifest("performance");
  if (!perf.is_object()) perf = Json::object();
  perf["live_trading"] = Json{{"total_trades", s.total_trades},
                              {"live_sharpe", s.lifetime_sharpe_ratio ? Json(*s.lifetime_sharpe_ratio) : Json(nullptr)},
                              {"live_win_rate", s.lifetime_win_rate ? Json(*s.lifetime_win_rate) : Json(nullptr)},
                              {"total_pnl", s.total_pnl}};
  Json mem = from_manifest("mem_integration");
  if (!mem.is_object()) mem = Json::object();
  mem["enabled"] = mem.value("enabled", false) || s.mem_learning_enabled;
  mem["is_mem_enhanced"] = s.is_mem_enhanced;
  mem["learned_patterns_count"] = s.mem_learned_patterns_count;
  Json version_list = Json::array();
  for (const auto& v : versions)
    version_list.push_back({{"version_id", v.version_id}, {"version", v.version_number},
                            {"artifact_sha256", v.artifact_sha256}, {"created_at", v.created_at}});
  Json strategy{{"id", s.strategy_id},
                {"name", s.strategy_name},
                {"display_name", s.display_name},
                {"version", text(s.current_version)},
                {"status", s.status},
                {"description", s.description},
                {"origin", s.origin},
                {"runnable", s.runnable},
                {"classification", {{"category", text(s.category)},
                                    {"sub_category", text(s.sub_category)},
                                    {"complexity", text(s.complexity_level)},
                                    {"tags", s.tags},
                                    {"asset_classes", m.contains("classification") && m["classification"].contains("asset_classes")
                                                          ? m["classification"]["asset_classes"] : Json::array()}}},
                {"implementation", implementation},
                {"academic_foundation", from_manifest("academic_foundation")},
                {"parameters", from_manifest("parameters")},
                {"constraints", from_manifest("constraints")},
                {"performance", perf},
                {"mem_integration", mem},
                {"requirements", from_manifest("requirements")},
                {"risk_profile", from_manifest("risk_profile")},
                {"versions", version_list},
                {"metadata", {{"created_by", s.created_by},
                              {"created_at", s.created_at},
                              {"last_updated", s.updated_at},
                              {"deprecation_date", s.deprecated_at ? Json(*s.deprecated_at) : Json(nullptr)},
                              {"deprecation_reason", s.deprecation_reason ? Json(*s.deprecation_reason) : Json(nullptr)},
                              {"replacement_strategy_id",
                               s.replacement_strategy_id ? Json(*s.replacement_strategy_id) : Json(nullptr)}}}};
  return Json{{"schema_version", "1.0.0"}, {"strategy", strategy}};
}

void FileMirror::write_strategy(const StrategyRecord& s, const std::vector<VersionRecord>& versions,
                                const PerformanceMetrics* performance) {
  Status st = write_file_atomically(root_ / "metadata" / (s.strategy_id + ".json"),
                                    metadata_document(s, versions).dump(2) + "\n");
  if (st.ok() && performance)
    st = write_file_atomically(root_ / "performance_cache" / (s.strategy_id + "_metrics.json"),
                               performance->to_json().dump(2) + "\n");
  if (!st.ok()) spdlog::warn("catalog mirror: {}", st.message());
}

}  // namespace algohost::catalog
