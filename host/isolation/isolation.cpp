#include "host/isolation/isolation.h"

#include <cstdlib>
#include <system_error>

namespace algohost {
namespace fs = std::filesystem;

std::optional<Isolation> parse_isolation(const std::string& text) {
  if (text == "inproc") return Isolation::kInProcess;
  if (text == "process") return Isolation::kProcess;
  return std::nullopt;
}

const char* isolation_name(Isolation i) { return i == Isolation::kProcess ? "process" : "inproc"; }

fs::path resolve_worker_path(const fs::path& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("ALGOHOST_WORKER"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = self.parent_path() / "algohost-worker";
    if (fs::is_regular_file(beside, ec)) return beside;
  }
  return ALGOHOST_WORKER_DEFAULT_PATH;
}

WorkerLimits limits_for(const Manifest& m, WorkerLimits defaults) {
  if (m.call_timeout_ms) defaults.call_timeout_ms = *m.call_timeout_ms;
  if (m.memory_limit_mb) defaults.memory_limit_mb = *m.memory_limit_mb;
  if (m.cpu_limit_s) defaults.cpu_limit_s = *m.cpu_limit_s;
  return defaults;
}

}  // namespace algohost
