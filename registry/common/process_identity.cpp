#include "registry/common/process_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace algohost {
namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Field 22 of /proc/PID/stat (starttime); "" when the process does not exist or /proc is absent.
// The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
std::string start_ticks(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return "";
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (rest >> field); ++i)
    if (i == 22) return field;
  return "";
}

std::string start_of(int64_t pid, const std::string& boot) {
  const std::string ticks = start_ticks(pid);
  return ticks.empty() || boot.empty() ? std::string() : boot + ":" + ticks;
}

}  // namespace

const ProcessIdentity& ProcessIdentity::current() {
  static const ProcessIdentity self = [] {
    ProcessIdentity p;
    p.pid = static_cast<int64_t>(getpid());
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) p.host = name;
    p.start = start_of(p.pid, boot_id());
    return p;
  }();
  return self;
}

Liveness liveness_of(const ProcessIdentity& p) {
  if (p.host != ProcessIdentity::current().host) return Liveness::kUnknown;
  if (p.pid <= 0) return Liveness::kGone;
  if (!p.start.empty()) {
    const std::string boot = boot_id();
    if (!boot.empty()) return start_of(p.pid, boot) == p.start ? Liveness::kAlive : Liveness::kGone;
  }
  // No /proc: the pid alone (EPERM means it exists under another user).
  if (kill(static_cast<pid_t>(p.pid), 0) == 0 || errno == EPERM) return Liveness::kAlive;
  return Liveness::kGone;
}

}  // namespace algohost
