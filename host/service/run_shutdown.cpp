#include "host/service/run_shutdown.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "host/recorder/recorder.h"
#include "registry/catalog/catalog.h"

namespace algohost {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};   // SIGINT and SIGTERM received
std::atomic<int> g_last_signal{0};
int g_pipe[2] = {-1, -1};        // the handler writes the signal number to end now; the watchdog reads
struct sigaction g_old_int, g_old_term;

// Async-signal-safe: atomics, write(2).
extern "C" void on_signal(int signo) {
  const int saved_errno = errno;
  g_stop.store(true);
  g_last_signal.store(signo);
  const int n = g_signals.fetch_add(1) + 1;
  if (signo == SIGTERM || n >= 2) {
    const unsigned char b = static_cast<unsigned char>(signo);
    (void)!write(g_pipe[1], &b, 1);
  } else {
    static const char msg[] = "\nstopping after the current bar (Ctrl-C again, or SIGTERM, to end now)\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  }
  errno = saved_errno;
}

}  // namespace

RunShutdown::RunShutdown() {
  g_stop.store(false);
  g_signals.store(0);
  g_last_signal.store(0);
  if (pipe2(g_pipe, O_CLOEXEC) != 0) g_pipe[0] = g_pipe[1] = -1;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking call in the main thread sees EINTR
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  watchdog_ = std::thread([this] { watch(); });
}

RunShutdown::~RunShutdown() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  const unsigned char quit = 0;  // wakes the watchdog to return
  if (g_pipe[1] >= 0) (void)!write(g_pipe[1], &quit, 1);
  if (watchdog_.joinable()) watchdog_.join();
  for (int& fd : g_pipe)
    if (fd >= 0) close(std::exchange(fd, -1));
}

const std::atomic<bool>* RunShutdown::stop_flag() const { return &g_stop; }
int RunShutdown::signal_number() const { return g_last_signal.load(); }

void RunShutdown::attach_run(const std::filesystem::path& catalog_file, const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  catalog_file_ = catalog_file;
  run_id_ = run_id;
}

void RunShutdown::attach_recorder(Recorder* recorder) {
  std::lock_guard<std::mutex> lock(mu_);
  recorder_ = recorder;
}

void RunShutdown::watch() {
  // The signal mask of this thread: none of ours, so the handler runs on the main thread (where
  // its EINTR interrupts what blocks there).
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  if (g_pipe[0] < 0) return;
  unsigned char b = 0;
  while (true) {
    const ssize_t n = read(g_pipe[0], &b, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || b == 0) return;  // destroyed: the process is ending on its own
    break;
  }
  // Ending now was asked: give the main thread kGrace to finish by itself (the destructor's quit
  // byte arrives then), else end the process from here.
  pollfd p{g_pipe[0], POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(kGrace.count())) > 0) {
    unsigned char again = 0;
    if (read(g_pipe[0], &again, 1) == 1 && again == 0) return;
  }
  end_now(b);
}

void RunShutdown::end_now(int signo) {
  std::unique_lock<std::mutex> lock(mu_);  // never released: the process ends here
  static const char msg[] = "\nalgohost: a plugin call has not returned; ending now\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  bool flushed = true;
  if (recorder_) flushed = recorder_->flush_for(kFlushLimit);
  if (!run_id_.empty()) {
    catalog::CatalogOptions o;
    o.actor = "shutdown";
    o.busy_timeout_ms = 400;
    auto c = catalog::Catalog::open(catalog_file_, o);
    if (c.ok()) {
      const std::string why = std::string("ended by ") + (signo == SIGTERM ? "SIGTERM" : "a second SIGINT") +
                              " while a plugin call had not returned; the trades recorded until then are kept" +
                              (flushed ? "" : " (the last ones queued may be missing)");
      (void)(*c)->interrupt_run(run_id_, why);
    }
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(128 + signo);
}

}  // namespace algohost
