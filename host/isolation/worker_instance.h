// WorkerInstance — a StrategyInstance whose plugin runs in a worker process (`algohost-worker`),
// started by the host for that one instance and watched by it.
//
// Creating one: the worker is spawned (posix_spawn, its own process group; stdin from /dev/null,
// stdout and stderr inherited so a plugin's prints and a sanitizer's report are seen), it applies
// its limits (setrlimit: RLIMIT_AS, RLIMIT_CPU), then loads the manifest FILE again and creates
// the instance through the same loaders, checks and parameter resolution as in-process
// (PluginService::instantiate): the same errors, worded the same, come back as a Status. The
// library (or Python module) is opened only in the worker, never in the host.
//
// Transport: a Unix SOCK_SEQPACKET socketpair for control (one message per request and per reply;
// a closed socket is how the host learns the worker died) and a shared-memory arena (memfd, mapped
// by both; grown by the side that needs more room, the new fd sent over the socket with
// SCM_RIGHTS) for bars and signals, so a batch of N bars is copied once into the arena and its N
// signals read back from it. Every signal read back is checked again in the host.
// Wire format: worker_protocol.h.
//
// Every call behaves as the in-process instance's, result for result (the same signals, the same
// `done` count and error text on a plugin error, call_errors() for Python), with these additions:
//   - the worker died (signal, exit, lost socket): the call fails with PluginError
//       "<label>: worker <pid> killed by signal 11 (SIGSEGV) in on_slice at bar 2024-01-02T00:00:00Z"
//       "<label>: worker <pid> exited with code 3 in on_batch at bars <first> .. <last> (a batch of 812)"
//       "<label>: worker <pid> closed its control socket (killed by the host) in ..." (alive, socket gone)
//     and the instance is failed (every later call returns that failure, no worker is respawned
//     here: restarting is the live host's decision);
//   - a call that exceeds WorkerLimits::call_timeout_ms: the worker's process group is killed
//     (SIGKILL) and the call fails: "<label>: on_slice exceeded the time limit of 500 ms at bar ...;
//     worker <pid> killed";
//   - the "last bar" named is the last bar the host gave the worker (the slice's timestamp; in a
//     batch, its first and last bars and its count, since the worker cannot say how far it got);
//     "before any bar" in create or a state call before any bar.
// export_state / import_state(_from) fail without failing the instance when the plugin refuses
// (as in-process), and fail the instance when the worker died.
//
// Destruction: asks the worker to exit, waits briefly, then kills the process group; reaps it.
// Never throws; never blocks longer than the time limit (plus a short grace).
// One thread at a time, as every StrategyInstance.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/instance/strategy_instance.h"
#include "host/isolation/isolation.h"
#include "registry/manifest/manifest.h"

namespace algohost {

struct WorkerSpawn {
  std::string label;                    // "name@version" (Manifest::id()), for messages before the worker says
  std::filesystem::path manifest_file;  // the worker loads it itself (Manifest::file)
  // Parameter overrides as given to PluginService::instantiate: the worker resolves them itself
  // (resolve_parameters()), so a bad value gives the in-process error, word for word.
  std::map<std::string, std::string> overrides;
  std::filesystem::path python_sdk_dir; // for Python plugins (PluginServiceOptions::python_sdk_dir, resolved)
  uint32_t python_max_consecutive_failures = 5;  // PluginServiceOptions' Python settings, passed on
  double python_call_time_limit_s = 0;
  WorkerLimits limits;
  std::filesystem::path worker;         // resolved worker executable
};

class WorkerInstance;

// The create request a worker is given (strategy or enhancer alike): manifest file, overrides as
// given, Python options and limits.
nlohmann::json worker_create_request(const WorkerSpawn& spawn);

// Spawns a worker and creates the instance in it. The error of a plugin that fails to load or to
// create (as in-process), or of a worker that could not start or died while loading (naming the
// signal or exit code: the truncated-ELF class of crash fails here, not in the host).
Result<std::unique_ptr<StrategyInstance>> spawn_worker_instance(const WorkerSpawn& spawn);

// Counters of the workers this process started, for strategies and enhancers (for /metrics and tests).
struct WorkerStats {
  uint64_t started = 0, died = 0, timed_out = 0;
};
WorkerStats worker_stats();
namespace worker {
// Counted into worker_stats() by the other instances run in workers (worker_channel.h).
void count_worker_started();
void count_worker_died();
void count_worker_timed_out();
}  // namespace worker

// The worker's pid of an instance spawn_worker_instance() made; -1 for any other instance (tests
// kill it from outside).
int worker_pid(const StrategyInstance& inst);

}  // namespace algohost
