#include "host/isolation/worker_channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "host/isolation/worker_instance.h"
#include "host/isolation/worker_process.h"

namespace algohost::worker {
namespace {

constexpr auto kExitGrace = std::chrono::milliseconds(500);   // a worker asked to exit, before it is killed
constexpr auto kDeathGrace = std::chrono::milliseconds(1000);  // a worker whose socket closed, to be reaped

}  // namespace

WorkerChannel::WorkerChannel(pid_t pid, int sock, Arena arena, Arena mailbox, WorkerLimits limits)
    : pid_(pid), sock_(sock), arena_(std::move(arena)), mailbox_(std::move(mailbox)),
      box_(new (mailbox_.data()) Mailbox()), limits_(limits) {}

Result<std::unique_ptr<WorkerChannel>> WorkerChannel::start(const std::filesystem::path& worker, WorkerLimits limits) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    return Status::IoError(std::string("socketpair for a worker: ") + std::strerror(errno));
  auto arena = Arena::create(64 * 1024);
  auto mailbox = Arena::create(sizeof(Mailbox));
  if (!arena.ok() || !mailbox.ok()) {
    ::close(fds[0]);
    ::close(fds[1]);
    return arena.ok() ? mailbox.status() : arena.status();
  }
  auto pid = spawn_worker_process(worker, {"--fd", std::to_string(kWorkerFd), "--host-pid", std::to_string(::getpid())}, fds[1]);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  count_worker_started();
  return std::unique_ptr<WorkerChannel>(new WorkerChannel(*pid, fds[0], std::move(*arena), std::move(*mailbox), limits));
}

Status WorkerChannel::reserve(size_t bytes) {
  if (arena_.capacity() >= bytes) return Status::Ok();
  auto grown = Arena::create(std::max(bytes, arena_.capacity() * 2));
  if (!grown.ok()) return grown.status();
  arena_ = std::move(*grown);
  send_arena_ = true;
  return Status::Ok();
}

WorkerChannel::Exchange WorkerChannel::send_request(const MsgHeader& req, std::string_view text) {
  if (created_ && req.op != Op::kExit && !send_arena_ && text.empty()) {
    box_->req = req;
    box_->req.magic = kMagic;
    box_->req_seq.store(++req_seq_);
    if (box_->worker_waiting.load()) {
      MsgHeader wake;
      wake.op = Op::kWake;
      send_message(sock_, wake, {});  // a failure shows as a closed socket below
    }
    return Exchange::kReply;
  }
  // The first request carries the mailbox; the worker adopts the arena with the next one.
  const int fd = !created_ ? mailbox_.fd() : send_arena_ ? arena_.fd() : -1;
  if (!send_message(sock_, req, text, fd))
    return errno == EPIPE || errno == ECONNRESET ? Exchange::kClosed : Exchange::kBroken;
  if (created_) send_arena_ = false;
  created_ = true;
  return Exchange::kReply;
}

WorkerChannel::Exchange WorkerChannel::wait_reply(Message& reply, const Progress* progress, uint64_t limit) {
  auto take_mailbox_reply = [&] {
    rep_seen_ = box_->rep_seq.load();
    reply.h = box_->rep;
    reply.text.clear();
    reply.fd = -1;
    box_->host_waiting.store(0);
    return reply.h.magic == kMagic && reply.h.op == Op::kReply ? Exchange::kReply : Exchange::kBroken;
  };
  // A batch: its results as the worker publishes them, while it computes the next ones.
  for (uint64_t seen = 0; progress && box_->rep_seq.load() <= rep_seen_;) {
    const uint64_t ready = std::min(box_->batch_progress.load(std::memory_order_acquire), limit);
    if (ready > seen) {
      if (!(*progress)(ready)) break;
      seen = ready;
      continue;
    }
    if (!batch_spinner_.wait_past(box_->batch_progress, seen)) break;
  }
  if (spinner_.wait_past(box_->rep_seq, rep_seen_)) return take_mailbox_reply();
  box_->host_waiting.store(1);
  const bool timed = limits_.call_timeout_ms > 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.call_timeout_ms);
  for (;;) {
    if (box_->rep_seq.load() > rep_seen_) return take_mailbox_reply();
    int wait_ms = -1;
    if (timed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return Exchange::kTimedOut;
      wait_ms = static_cast<int>(std::min<int64_t>(left + 1, 1 << 30));
    }
    pollfd p{sock_, POLLIN, 0};
    const int r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Exchange::kBroken;
    if (r == 0) continue;  // the deadline check above decides
    switch (recv_message(sock_, reply)) {
      case RecvResult::kOk:
        break;
      case RecvResult::kClosed:
        return Exchange::kClosed;
      case RecvResult::kBad:
        return Exchange::kBroken;
    }
    if (reply.fd >= 0) {
      auto adopted = Arena::adopt(reply.fd);
      if (!adopted.ok()) return Exchange::kBroken;
      arena_ = std::move(*adopted);
    }
    if (reply.h.op == Op::kWake) continue;  // look at the mailbox again
    box_->host_waiting.store(0);
    return reply.h.op == Op::kReply ? Exchange::kReply : Exchange::kBroken;
  }
}

WorkerChannel::Ended WorkerChannel::call(Op op, MsgHeader req, std::string_view text, Message& reply,
                                         const Progress* progress, uint64_t limit) {
  if (gone_) return {Outcome::kGone, "is gone"};
  req.op = op;
  if (progress) box_->batch_progress.store(0);
  Exchange ex = send_request(req, text);
  if (ex == Exchange::kReply) ex = wait_reply(reply, progress, limit);
  if (ex == Exchange::kReply) return {};
  if (ex == Exchange::kTimedOut) {
    kill_worker(pid_);
    reap_worker(pid_, std::chrono::milliseconds(0));
    gone_ = true;
    count_worker_timed_out();
    return {Outcome::kTimedOut, "killed"};
  }
  // Died, or broke the protocol: reap it (a live one is killed after the grace) and say how it ended.
  bool killed_by_us = false;
  const std::optional<int> status =
      reap_worker(pid_, ex == Exchange::kClosed ? kDeathGrace : std::chrono::milliseconds(0), &killed_by_us);
  gone_ = true;
  count_worker_died();
  std::string how = killed_by_us ? (ex == Exchange::kClosed ? "closed its control socket (killed by the host)"
                                                            : "broke the protocol (killed by the host)")
                    : status     ? describe_wait_status(*status)
                                 : std::string("ended (its exit status was collected elsewhere)");
  return {Outcome::kDied, std::move(how)};
}

WorkerChannel::~WorkerChannel() {
  if (!gone_) {
    MsgHeader req;
    req.op = Op::kExit;
    if (send_message(sock_, req, {})) {
      pollfd p{sock_, POLLIN, 0};  // the worker's end closes when it exits
      const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        Message m;
        if (recv_message(sock_, m) == RecvResult::kClosed) break;
        if (m.fd >= 0) ::close(m.fd);
      }
    }
    reap_worker(pid_, std::chrono::milliseconds(50));
  }
  if (sock_ >= 0) ::close(sock_);
}

}  // namespace algohost::worker
