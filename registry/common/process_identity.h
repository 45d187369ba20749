// ProcessIdentity — which process, on which machine, ran something (a run in the catalog), told
// apart from a later process that happens to get the same pid.
//
// `start` is "<boot id>:<start time in clock ticks since boot>" read from /proc: a pid reused
// after the process ended, or after a reboot, has another start. Where /proc cannot be read,
// `start` is "" and only the pid is compared (kill(pid, 0)).
#pragma once

#include <cstdint>
#include <string>

namespace algohost {

struct ProcessIdentity {
  int64_t pid = 0;
  std::string host;   // gethostname()
  std::string start;  // see above; "" when unknown

  // This process. Cheap after the first call (cached).
  static const ProcessIdentity& current();
};

enum class Liveness {
  kAlive,    // the same process is still running on this host
  kGone,     // it ended (no such pid, or the pid now belongs to another process)
  kUnknown,  // another host: only a heartbeat can tell
};

// Whether `p` (recorded earlier, perhaps by another process) is still running. Thread-safe.
Liveness liveness_of(const ProcessIdentity& p);

}  // namespace algohost
