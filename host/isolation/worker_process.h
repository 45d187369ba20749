// Starting, killing and reaping worker processes, and saying how one ended.
//
// spawn_worker_process() starts `exe` with `args` through posix_spawn, in a process group of its
// own (so that killing the group also ends whatever the plugin started), stdin from /dev/null,
// stdout and stderr inherited, the signal mask emptied and SIGPIPE, SIGINT and SIGTERM at their
// defaults, and `child_fd` as descriptor 3 (worker_protocol.h: kWorkerFd). Every spawn runs on
// one long-lived thread of the host: the worker asks for PR_SET_PDEATHSIG, which fires when the
// THREAD that forked it ends, so a worker spawned from a short-lived thread would otherwise die
// with that thread. Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "registry/common/status.h"

namespace algohost::worker {

Result<pid_t> spawn_worker_process(const std::filesystem::path& exe, const std::vector<std::string>& args, int child_fd);

// SIGKILL to the process group `pid` leads (and to `pid` itself, should it have left the group).
void kill_worker(pid_t pid);

// Waits up to `grace` for `pid` to end by itself, then kills it (kill_worker) and waits for it.
// Returns the wait status, or nullopt when it is not to be had (the process is not a child of this
// one, or was reaped elsewhere: SIGCHLD ignored); *killed_by_us tells whether the host killed it.
std::optional<int> reap_worker(pid_t pid, std::chrono::milliseconds grace, bool* killed_by_us = nullptr);

// "killed by signal 11 (SIGSEGV)", "exited with code 3".
std::string describe_wait_status(int status);

}  // namespace algohost::worker
