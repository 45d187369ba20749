#include "host/isolation/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

extern char** environ;

namespace algohost::worker {
namespace {

// The one thread every worker is spawned from (see the header: PR_SET_PDEATHSIG). Never ends; its
// state is never destroyed (a detached thread may still wait on it while the process exits).
class Spawner {
 public:
  static Spawner& instance() {
    static Spawner* s = new Spawner();
    return *s;
  }
  // Runs `job` on the spawner thread and waits for it.
  void run(const std::function<void()>& job) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return job_ == nullptr; });
    job_ = &job;
    done_ = false;
    cv_.notify_all();
    cv_.wait(lock, [&] { return done_; });
    job_ = nullptr;
    cv_.notify_all();
  }

 private:
  Spawner() { std::thread([this] { loop(); }).detach(); }
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return job_ != nullptr && !done_; });
      (*job_)();
      done_ = true;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;
  bool done_ = false;
};

}  // namespace

Result<pid_t> spawn_worker_process(const std::filesystem::path& exe, const std::vector<std::string>& args, int child_fd) {
  std::vector<std::string> argv_text;
  argv_text.push_back(exe.string());
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, child_fd, 3);  // dup2 clears FD_CLOEXEC on 3
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int rc = 0;
  Spawner::instance().run([&] { rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ); });
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::IoError("cannot start the worker " + exe.string() + ": " + strerror(rc));
  return pid;
}

void kill_worker(pid_t pid) {
  if (pid <= 0) return;
  ::killpg(pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

std::optional<int> reap_worker(pid_t pid, std::chrono::milliseconds grace, bool* killed_by_us) {
  if (killed_by_us) *killed_by_us = false;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;  // not our child (already reaped)
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(5)) pause *= 2;
  }
  if (killed_by_us) *killed_by_us = true;
  kill_worker(pid);
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return std::nullopt;
  return status;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) + " (SIG" + (abbrev ? abbrev : "?") + ")" +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

}  // namespace algohost::worker
