// WorkerChannel — the host's end of one worker process (algohost-worker), for every instance run
// in a worker (WorkerInstance, worker_instance.h; WorkerEnhancer, worker_enhancer.h): the process,
// its control socket, its arena and its mailbox (worker_protocol.h), one request and its reply at
// a time under the call time limit, and an orderly shutdown. While a batch runs, a caller may
// watch the worker publish its results (Mailbox::batch_progress) and take them as they come.
//
// call() returns the reply, or says how the exchange ended otherwise: the worker died (the wait
// status, reaped), or it exceeded the time limit (then it is killed and reaped). After either the
// channel is gone: every later call() returns kGone at once. Destruction asks the worker to exit,
// waits briefly, then kills its process group and reaps it. Never throws. One thread at a time.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "host/isolation/isolation.h"
#include "host/isolation/worker_protocol.h"

namespace algohost::worker {

class WorkerChannel {
 public:
  // Starts `worker` with a fresh socketpair, a 64 KiB arena and a mailbox.
  static Result<std::unique_ptr<WorkerChannel>> start(const std::filesystem::path& worker, WorkerLimits limits);
  ~WorkerChannel();
  WorkerChannel(const WorkerChannel&) = delete;
  WorkerChannel& operator=(const WorkerChannel&) = delete;

  enum class Outcome { kReply, kDied, kTimedOut, kGone };
  struct Ended {
    Outcome outcome = Outcome::kReply;
    // kDied: "killed by signal 11 (SIGSEGV)", "exited with code 3", "closed its control socket
    // (killed by the host)", "broke the protocol (killed by the host)", ...
    std::string how;
  };

  // Told how many results of the running batch the worker has published so far (up to the limit
  // given to call()), each time that grows; false stops the watching (the reply is still awaited).
  using Progress = std::function<bool(uint64_t ready)>;

  // Makes the arena hold at least `bytes` (the new one goes to the worker with the next request).
  Status reserve(size_t bytes);
  char* arena() const { return arena_.data(); }
  size_t arena_capacity() const { return arena_.capacity(); }

  // Sends `op` (with the header's a/b/c and `text`) and waits for its reply, into `reply`. With
  // `progress`, the batch's published results (at most `limit`) are reported while it runs.
  Ended call(Op op, MsgHeader req, std::string_view text, Message& reply, const Progress* progress = nullptr,
             uint64_t limit = 0);

  pid_t pid() const { return pid_; }
  const WorkerLimits& limits() const { return limits_; }
  bool gone() const { return gone_; }

 private:
  WorkerChannel(pid_t pid, int sock, Arena arena, Arena mailbox, WorkerLimits limits);
  // How an exchange ended before its reply: kDied covers a closed socket (kClosed here) and a
  // broken protocol (kBroken), told apart in the wording.
  enum class Exchange { kReply, kClosed, kBroken, kTimedOut };
  Exchange send_request(const MsgHeader& req, std::string_view text);
  Exchange wait_reply(Message& reply, const Progress* progress, uint64_t limit);

  pid_t pid_;
  int sock_;
  Arena arena_;
  bool send_arena_ = true;  // the worker has not seen this arena yet
  Arena mailbox_;
  Mailbox* box_;
  uint64_t req_seq_ = 0, rep_seen_ = 0;
  Spinner spinner_, batch_spinner_;
  WorkerLimits limits_;
  bool created_ = false;  // the first request (the create) carried the mailbox
  bool gone_ = false;     // dead or killed, and reaped
};

}  // namespace algohost::worker
