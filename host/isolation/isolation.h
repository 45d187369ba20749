// Plugin isolation (issue 15, docs/architecture.md "Isolation"): how a plugin is run — in the
// host's process, or in a worker process of its own (`algohost-worker`) that the host starts and
// watches, so that a crash, a hang or a runaway allocation in a plugin fails that plugin alone.
//
// Where the setting comes from, most specific first: `--isolate` (run) or a serve config entry's
// "isolation", the manifest's "isolation" (runtime.isolation), then the default: in `serve`,
// plugins from outside the built-in folder run in a process; in `run`, in the host's process.
// Limits come from the manifest's "runtime" object, overridable the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "registry/manifest/manifest.h"

namespace algohost {

enum class Isolation { kInProcess, kProcess };

// "inproc" | "process"; nullopt for anything else.
std::optional<Isolation> parse_isolation(const std::string& text);
const char* isolation_name(Isolation i);

struct WorkerLimits {
  // Wall-clock limit of one call into the plugin (on_slice, on_batch, export/import, creating the
  // instance), in milliseconds: past it the worker is killed and the call fails. 0 = none.
  int64_t call_timeout_ms = 30'000;
  // RLIMIT_AS of the worker, in MiB: an allocation past it fails inside the plugin (C++:
  // std::bad_alloc; Python: MemoryError) or kills the worker, never the host. 0 = none.
  int64_t memory_limit_mb = 16'384;
  // RLIMIT_CPU of the worker, in seconds of CPU time over its life (SIGXCPU, then SIGKILL). 0 = none.
  int64_t cpu_limit_s = 0;
};

struct IsolationOptions {
  Isolation mode = Isolation::kInProcess;
  WorkerLimits limits;
  // The worker executable; "" = $ALGOHOST_WORKER, else `algohost-worker` beside the running
  // executable (/proc/self/exe), else ALGOHOST_WORKER_DEFAULT_PATH (the build tree's, compiled in).
  std::filesystem::path worker;
};

// The worker executable IsolationOptions::worker names (resolved as described there).
std::filesystem::path resolve_worker_path(const std::filesystem::path& given);

// `defaults` with the manifest's "runtime" limits (call_timeout_ms, memory_limit_mb, cpu_limit_s)
// put over them where the manifest sets them.
WorkerLimits limits_for(const Manifest& m, WorkerLimits defaults);

}  // namespace algohost
