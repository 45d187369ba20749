// algohost-worker — runs one plugin instance for a host that started it (host/isolation/
// worker_instance.h). Not meant to be started by hand.
//
//   algohost-worker --fd 3 --host-pid PID
//
// Dies with its host (PR_SET_PDEATHSIG = SIGKILL, checked against --host-pid for a host that died
// before the request took effect), never hands descriptor 3 to anything it starts, and ignores
// SIGPIPE (a host that went away is seen as a closed socket). It exits at once (_exit: no
// destructors, no interpreter finalization) when served out.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host/worker/worker_server.h"

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer a plugin's crash must still end the worker by its signal (the host names
// it): ASan's own SEGV, BUS and FPE handlers would report it and exit with code 1 instead.
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
#endif

int main(int argc, char** argv) {
  int fd = -1;
  long host_pid = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--fd") == 0) fd = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--host-pid") == 0) host_pid = std::atol(argv[i + 1]);
  }
  if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
    std::fprintf(stderr, "algohost-worker: started by algohost with --fd N (a control socket); not meant to be run by hand\n");
    return 2;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (host_pid > 0 && ::getppid() != host_pid) ::_exit(0);  // the host died before the request took effect
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::signal(SIGPIPE, SIG_IGN);
  const int code = algohost::worker::serve(fd);
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(code);
}
