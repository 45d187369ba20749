// WorkerEnhancer — an EnhancerInstance whose plugin runs in a worker process (`algohost-worker`),
// one worker per instance, over the same executable and wire protocol as WorkerInstance
// (worker_instance.h, worker_protocol.h: kEnhancerCreate, kEnhance, kLearn, kEnhancerExport,
// kEnhancerImport) and the same WorkerSpawn description.
//
// Creating one: the worker is spawned, applies its limits, loads the manifest FILE and creates
// the enhancer through PluginService::instantiate_enhancer: the same loaders, checks, parameter
// resolution and errors as in process. The library (or Python module) is opened only in the worker.
//
// Calls: enhance() sends the input (its strings — symbol, strategy — copied into the arena) and
// the pre-filled output, and takes back the output the plugin left, byte for byte: the caller
// checks it against the contract as it checks an in-process plugin's (plugin_enhancer_stage.h), so
// an output out of contract fails the same way. learn() sends the trade (symbol, exit_reason
// copied). A plugin's own error comes back worded as in process and leaves the instance usable.
//
// A worker that dies, or a call past WorkerLimits::call_timeout_ms (the worker is then killed),
// fails the call with a PluginError
//   "<label>: worker <pid> killed by signal 11 (SIGSEGV) in enhance at bar 2024-01-02T00:00:00Z"
//   "<label>: worker <pid> exited with code 3 in learn of the trade closed at 2024-01-03T00:00:00Z"
//   "<label>: enhance exceeded the time limit of 2000 ms at bar ...; worker <pid> killed"
// and every later call fails at once with that same error: a dead enhancer is not respawned (the
// stage's failure counting then disables it, as for any failing enhancer).
// Destruction asks the worker to exit, then kills and reaps it. Never throws. One thread at a time.
#pragma once

#include <memory>

#include "host/instance/enhancer_instance.h"
#include "host/isolation/worker_instance.h"

namespace algohost {

// Spawns a worker and creates the enhancer in it (spawn.manifest_file names an enhancer manifest).
// The error of a plugin that fails to load or to create (as in process), or of a worker that could
// not start or died while loading.
Result<std::unique_ptr<EnhancerInstance>> spawn_worker_enhancer(const WorkerSpawn& spawn);

// The worker's pid of an enhancer spawn_worker_enhancer() made; -1 for any other (tests).
int worker_pid(const EnhancerInstance& inst);

}  // namespace algohost
