#include "host/python/call_time_limit.h"

#include <Python.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>

#include <spdlog/spdlog.h>

namespace algohost::python {
namespace {

std::atomic<bool> g_fired{false};
std::atomic<double> g_limit{0.0};

// Async-signal-safe: an atomic store and PyErr_SetInterruptEx (documented as safe to call from a
// signal handler), which makes the interpreter run the Python handler for SIGALRM.
extern "C" void on_alarm(int) {
  const int saved_errno = errno;
  g_fired.store(true);
  PyErr_SetInterruptEx(SIGALRM);
  errno = saved_errno;
}

const char* kHandler = R"PY(
import signal as _algohost_signal
def _algohost_call_time_limit(signum, frame):
    raise TimeoutError("the call exceeded its time limit (--python-call-timeout)")
_algohost_signal.signal(_algohost_signal.SIGALRM, _algohost_call_time_limit)
del _algohost_signal
)PY";

// Registers the Python handler (signal.signal: main thread only), then puts our C handler in front
// of Python's, without SA_RESTART so a blocking call sees EINTR. Once per process; GIL held.
bool install() {
  static int state = 0;  // 0 not tried, 1 installed, -1 cannot
  if (state != 0) return state > 0;
  state = -1;
  if (!PyGILState_Check()) return false;
  PyObject* main = PyImport_AddModule("__main__");  // borrowed
  PyObject* globals = main ? PyModule_GetDict(main) : nullptr;
  PyObject* r = globals ? PyRun_String(kHandler, Py_file_input, globals, globals) : nullptr;
  if (!r) {
    PyErr_Clear();
    spdlog::warn("--python-call-timeout: Python calls run outside the interpreter's main thread here; no time limit applies");
    return false;
  }
  Py_DECREF(r);
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  if (sigaction(SIGALRM, &sa, nullptr) != 0) return false;
  state = 1;
  return true;
}

// This thread's timer, delivering SIGALRM to this thread only.
timer_t* thread_timer() {
  thread_local timer_t timer;
  thread_local int state = 0;  // 0 none, 1 created, -1 failed
  if (state == 0) {
    sigevent ev{};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
#ifdef sigev_notify_thread_id
    ev.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
#else
    ev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
#endif
    state = timer_create(CLOCK_MONOTONIC, &ev, &timer) == 0 ? 1 : -1;
  }
  return state > 0 ? &timer : nullptr;
}

void set_timer(timer_t* t, double seconds) {
  itimerspec spec{};
  if (seconds > 0) {
    const double whole = std::floor(seconds);
    spec.it_value.tv_sec = static_cast<time_t>(whole);
    spec.it_value.tv_nsec = static_cast<long>((seconds - whole) * 1e9);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  timer_settime(*t, 0, &spec, nullptr);
}

}  // namespace

void set_call_time_limit(double seconds) { g_limit.store(seconds > 0 ? seconds : 0.0); }
double call_time_limit() { return g_limit.load(std::memory_order_relaxed); }

CallTimeLimit::CallTimeLimit(double seconds) {
  if (!(seconds > 0)) return;
  if (!install()) return;
  timer_t* t = thread_timer();
  if (!t) return;
  g_fired.store(false);
  set_timer(t, seconds);
  armed_ = true;
}

CallTimeLimit::~CallTimeLimit() {
  if (!armed_) return;
  set_timer(thread_timer(), 0);
  // The timer expired as the call returned: the TimeoutError it asked for would be raised in the
  // next call instead. Run the pending handler now and drop its error (the call itself succeeded,
  // or already has an error of its own, which is kept).
  if (g_fired.exchange(false) && !PyErr_Occurred()) {
    if (PyErr_CheckSignals() < 0) PyErr_Clear();
  }
}

}  // namespace algohost::python
