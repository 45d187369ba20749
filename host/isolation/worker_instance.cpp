#include "host/isolation/worker_instance.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "host/data/timestamp.h"
#include "host/isolation/worker_process.h"
#include "host/isolation/worker_protocol.h"

namespace algohost {
namespace fs = std::filesystem;
using worker::Arena;
using worker::Message;
using worker::MsgHeader;
using worker::Op;

namespace {

std::atomic<uint64_t> g_started{0}, g_died{0}, g_timed_out{0};

constexpr auto kExitGrace = std::chrono::milliseconds(500);  // a worker asked to exit, before it is killed
constexpr auto kDeathGrace = std::chrono::milliseconds(1000);  // a worker whose socket closed, to be reaped

Status status_from(int32_t code, std::string text) {
  if (code <= 0 || code > static_cast<int32_t>(StatusCode::kInternal)) return Status::Internal(std::move(text));
  return Status(static_cast<StatusCode>(code), std::move(text));
}

// The outcome of one exchange with the worker.
enum class Exchange { kReply, kDied, kTimedOut, kBroken };

}  // namespace

class WorkerInstance final : public StrategyInstance {
 public:
  WorkerInstance(pid_t pid, int sock, Arena arena, Arena mailbox, WorkerLimits limits, std::string manifest_label)
      : pid_(pid), sock_(sock), arena_(std::move(arena)), mailbox_(std::move(mailbox)),
        box_(new (mailbox_.data()) worker::Mailbox()), limits_(limits), label_(std::move(manifest_label)) {}

  ~WorkerInstance() override { shut_down(); }

  // Sends kCreate and reads the reply: label, diagnostics, batch support. Errors as in-process,
  // or the worker's death while loading.
  Status create(const nlohmann::json& request);

  pid_t pid() const { return pid_; }

  const std::string& label() const override { return label_; }
  const std::vector<std::string>& diagnostics() const override { return diagnostics_; }
  bool supports_batch() const override { return supports_batch_; }
  bool prefers_sparse_batch() const override { return prefers_sparse_; }
  uint64_t call_errors() const override { return call_errors_; }

  Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) override;
  Status on_batch(const ah_series& series, ah_signal* out, uint64_t* done = nullptr) override;
  Status on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done = nullptr) override;
  Result<std::string> export_state() override;
  Status import_state(std::string_view state) override;
  Status import_state_from(std::string_view state, const std::string& from_version) override;

 private:
  // import_state (kImportState) or import_state_from (kImportStateFrom, `from_version` as given).
  Status import_call(Op op, std::string_view state, const std::string& from_version);
  // Makes the arena hold at least `bytes`; the new one goes to the worker with the next request.
  Status reserve(size_t bytes);
  // One request and its reply. Not kReply: the instance is failed (worker dead or killed).
  Status call(Op op, MsgHeader req, std::string_view text, Message& reply);
  Exchange exchange(const MsgHeader& req, std::string_view text, Message& reply);
  // Sends a request: through the mailbox when it can (no text, no descriptor), else the socket.
  bool send_request(const MsgHeader& req, std::string_view text);
  // Waits for the reply: spins on the mailbox, then blocks on the socket (which also says when
  // the worker died) until the time limit.
  Exchange wait_reply(Message& reply);
  // Where the worker was when it failed: "at bar ..." / "before any bar".
  std::string where() const;
  void note_slice(int64_t ts) { last_bar_ = "at bar " + format_timestamp_ms(ts); }
  void note_series(const ah_series& s);
  Status data_failure(Status s) { return fail(std::move(s)); }
  Status bad_signal(const char* call, const std::string& what) const {
    return Status::PluginError(label_ + ": " + call + ": the worker returned " + what);
  }
  void shut_down();

  pid_t pid_;
  int sock_;
  Arena arena_;
  bool send_arena_ = true;  // the worker has not seen this arena yet
  Arena mailbox_;           // the fast path (worker_protocol.h, Mailbox); sent with kCreate
  worker::Mailbox* box_;
  uint64_t req_seq_ = 0, rep_seen_ = 0;  // mailbox requests sent, mailbox replies taken
  worker::Spinner spinner_, batch_spinner_;
  // The batch being copied out while the worker runs it (on_batch), or null.
  struct BatchCopy {
    ah_signal* out;
    size_t out_at;
    uint64_t n;
    uint64_t copied = 0;
    uint64_t bad_at = 0;
    bool bad = false;
    // Copies and checks signals [copied, upto) from the arena; false (bad_at set) on a refusal.
    bool take(const char* arena, uint64_t upto) {
      if (bad) return false;
      upto = std::min(upto, n);
      if (upto <= copied) return true;
      std::memcpy(out + copied, arena + out_at + copied * sizeof(ah_signal), (upto - copied) * sizeof(ah_signal));
      for (uint64_t i = copied; i < upto; ++i)
        if (!worker::worker_signal_ok(out[i], 1)) {
          bad = true;
          bad_at = i;
          return false;
        }
      copied = upto;
      return true;
    }
  };
  BatchCopy* copying_ = nullptr;
  WorkerLimits limits_;
  std::string label_;
  std::vector<std::string> diagnostics_;
  bool supports_batch_ = false, prefers_sparse_ = false;
  uint64_t call_errors_ = 0;
  std::string last_bar_;  // "" until a bar was given
  bool gone_ = false;     // reaped
};

Status WorkerInstance::reserve(size_t bytes) {
  if (arena_.capacity() >= bytes) return Status::Ok();
  auto grown = Arena::create(std::max(bytes, arena_.capacity() * 2));
  if (!grown.ok()) return grown.status().with_context(label_);
  arena_ = std::move(*grown);
  send_arena_ = true;
  return Status::Ok();
}

void WorkerInstance::note_series(const ah_series& s) {
  if (s.n == 0) return;
  last_bar_ = "at bars " + format_timestamp_ms(s.ts_ms[0]) + " .. " + format_timestamp_ms(s.ts_ms[s.n - 1]) + " (a batch of " +
              std::to_string(s.n) + ")";
}

std::string WorkerInstance::where() const { return last_bar_.empty() ? "before any bar" : last_bar_; }

bool WorkerInstance::send_request(const MsgHeader& req, std::string_view text) {
  if (req.op != Op::kCreate && req.op != Op::kExit && !send_arena_ && text.empty()) {
    box_->req = req;
    box_->req.magic = worker::kMagic;
    box_->req_seq.store(++req_seq_);
    if (box_->worker_waiting.load()) {
      MsgHeader wake;
      wake.op = Op::kWake;
      worker::send_message(sock_, wake, {});  // a failure shows as a closed socket below
    }
    return true;
  }
  const int fd = req.op == Op::kCreate ? mailbox_.fd() : send_arena_ ? arena_.fd() : -1;
  if (!worker::send_message(sock_, req, text, fd)) return false;
  if (req.op != Op::kCreate) send_arena_ = false;
  return true;
}

Exchange WorkerInstance::wait_reply(Message& reply) {
  auto take_mailbox_reply = [&] {
    rep_seen_ = box_->rep_seq.load();
    reply.h = box_->rep;
    reply.text.clear();
    reply.fd = -1;
    box_->host_waiting.store(0);
    return reply.h.magic == worker::kMagic && reply.h.op == Op::kReply ? Exchange::kReply : Exchange::kBroken;
  };
  // A batch: copy its signals out as the worker publishes them, while it computes the next ones.
  while (copying_ && box_->rep_seq.load() <= rep_seen_) {
    const uint64_t ready = std::min(box_->batch_progress.load(std::memory_order_acquire), copying_->n);
    if (ready > copying_->copied) {
      if (!copying_->take(arena_.data(), ready)) break;  // refused: said once the reply is in
      continue;
    }
    if (!batch_spinner_.wait_past(box_->batch_progress, copying_->copied)) break;
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
    switch (worker::recv_message(sock_, reply)) {
      case worker::RecvResult::kOk:
        break;
      case worker::RecvResult::kClosed:
        return Exchange::kDied;
      case worker::RecvResult::kBad:
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

Exchange WorkerInstance::exchange(const MsgHeader& req, std::string_view text, Message& reply) {
  if (!send_request(req, text)) return errno == EPIPE || errno == ECONNRESET ? Exchange::kDied : Exchange::kBroken;
  const Exchange ex = wait_reply(reply);
  if (ex == Exchange::kReply) call_errors_ = reply.h.call_errors;
  return ex;
}

Status WorkerInstance::call(Op op, MsgHeader req, std::string_view text, Message& reply) {
  if (failed()) return failure();
  if (gone_) return fail(Status::PluginError(label_ + ": worker is gone"));
  req.op = op;
  const Exchange ex = exchange(req, text, reply);
  if (ex == Exchange::kReply) return Status::Ok();
  const std::string call_name = worker::op_name(op);
  const std::string worker_text = "worker " + std::to_string(pid_);
  if (ex == Exchange::kTimedOut) {
    worker::kill_worker(pid_);
    worker::reap_worker(pid_, std::chrono::milliseconds(0));
    gone_ = true;
    ++g_timed_out;
    return fail(Status::PluginError(label_ + ": " + call_name + " exceeded the time limit of " +
                                    std::to_string(limits_.call_timeout_ms) + " ms " + where() + "; " + worker_text + " killed"));
  }
  bool killed_by_us = false;
  const std::optional<int> status = worker::reap_worker(pid_, ex == Exchange::kDied ? kDeathGrace : std::chrono::milliseconds(0), &killed_by_us);
  gone_ = true;
  ++g_died;
  std::string how = killed_by_us ? (ex == Exchange::kDied ? "closed its control socket (killed by the host)"
                                                          : "broke the protocol (killed by the host)")
                   : status ? worker::describe_wait_status(*status)
                            : std::string("ended (its exit status was collected elsewhere)");
  return fail(Status::PluginError(label_ + ": " + worker_text + " " + how + " in " + call_name + " " + where()));
}

Status WorkerInstance::create(const nlohmann::json& request) {
  Message reply;
  Status st = call(Op::kCreate, MsgHeader{}, request.dump(), reply);
  if (!st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  auto doc = nlohmann::json::parse(reply.text, nullptr, false);
  if (!doc.is_object() || !doc.contains("label") || !doc["label"].is_string())
    return Status::Internal(label_ + ": the worker's create reply is malformed");
  label_ = doc["label"].get<std::string>();
  for (const auto& d : doc.value("diagnostics", nlohmann::json::array()))
    if (d.is_string()) diagnostics_.push_back(d.get<std::string>());
  supports_batch_ = doc.value("supports_batch", false);
  prefers_sparse_ = doc.value("prefers_sparse", false);
  return Status::Ok();
}

Status WorkerInstance::on_slice(const ah_slice& slice, std::vector<ah_signal>& out) {
  out.clear();
  if (failed()) return failure();
  const size_t in = worker::slice_bytes(slice);
  if (Status st = reserve(in); !st.ok()) return data_failure(st);
  worker::encode_slice(slice, arena_.data());
  note_slice(slice.ts_ms);
  Message reply;
  MsgHeader req;
  req.a = slice.n_symbols;
  if (Status st = call(Op::kSlice, req, {}, reply); !st.ok()) return st;
  if (reply.h.code != 0) return data_failure(status_from(reply.h.code, std::move(reply.text)));
  const uint64_t n = reply.h.a;
  if (n > arena_.capacity() / sizeof(ah_signal))
    return data_failure(Status::PluginError(label_ + ": on_slice: the worker returned " + std::to_string(n) + " signals"));
  out.resize(n);
  std::memcpy(out.data(), arena_.data(), n * sizeof(ah_signal));
  for (auto& s : out)
    if (!worker::worker_signal_ok(s, slice.n_symbols))
      return data_failure(bad_signal("on_slice", worker::describe_bad_worker_signal(s, slice.n_symbols)));
  return Status::Ok();
}

Status WorkerInstance::on_batch(const ah_series& series, ah_signal* out, uint64_t* done) {
  if (done) *done = 0;
  if (failed()) return failure();
  const size_t out_at = worker::align_up(worker::series_bytes(series));
  if (Status st = reserve(out_at + series.n * sizeof(ah_signal)); !st.ok()) return data_failure(st);
  worker::encode_series(series, arena_.data());
  note_series(series);
  Message reply;
  MsgHeader req;
  req.a = series.n;
  req.b = out_at;
  BatchCopy copy{out, out_at, series.n};
  box_->batch_progress.store(0);
  copying_ = &copy;
  Status st = call(Op::kBatch, req, {}, reply);
  copying_ = nullptr;
  if (!st.ok()) return st;
  const uint64_t valid = std::min<uint64_t>(reply.h.a, series.n);
  if (!copy.take(arena_.data(), std::max(valid, copy.copied)))
    return data_failure(bad_signal("on_batch", worker::describe_bad_worker_signal(out[copy.bad_at], 1)));
  if (done) *done = valid;
  if (reply.h.code != 0) return data_failure(status_from(reply.h.code, std::move(reply.text)));
  return Status::Ok();
}

Status WorkerInstance::on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done) {
  if (!prefers_sparse_) return StrategyInstance::on_batch_sparse(series, out, done);  // on_batch in chunks
  out.clear();
  if (done) *done = 0;
  if (failed()) return failure();
  const size_t out_at = worker::align_up(worker::series_bytes(series));
  if (Status st = reserve(out_at + series.n * sizeof(IndexedSignal)); !st.ok()) return data_failure(st);
  worker::encode_series(series, arena_.data());
  note_series(series);
  Message reply;
  MsgHeader req;
  req.a = series.n;
  req.b = out_at;
  if (Status st = call(Op::kBatchSparse, req, {}, reply); !st.ok()) return st;
  const uint64_t count = std::min<uint64_t>(reply.h.c, series.n);
  out.resize(count);
  std::memcpy(out.data(), arena_.data() + out_at, count * sizeof(IndexedSignal));
  for (auto& s : out)
    if (!worker::worker_signal_ok(s.signal, 1) || s.index >= series.n)
      return data_failure(bad_signal("on_batch_sparse", s.index >= series.n ? "a bar index out of range"
                                                                            : worker::describe_bad_worker_signal(s.signal, 1)));
  if (done) *done = std::min<uint64_t>(reply.h.a, series.n);
  if (reply.h.code != 0) return data_failure(status_from(reply.h.code, std::move(reply.text)));
  return Status::Ok();
}

Result<std::string> WorkerInstance::export_state() {
  Message reply;
  if (Status st = call(Op::kExportState, MsgHeader{}, {}, reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  if (reply.h.a > arena_.capacity())
    return fail(Status::PluginError(label_ + ": export_state: the worker returned " + std::to_string(reply.h.a) + " bytes"));
  return std::string(arena_.data(), reply.h.a);
}

Status WorkerInstance::import_state(std::string_view state) { return import_call(Op::kImportState, state, {}); }

Status WorkerInstance::import_state_from(std::string_view state, const std::string& from_version) {
  return import_call(Op::kImportStateFrom, state, from_version);
}

Status WorkerInstance::import_call(Op op, std::string_view state, const std::string& from_version) {
  if (failed()) return failure();
  if (Status st = reserve(state.size()); !st.ok()) return st;
  std::memcpy(arena_.data(), state.data(), state.size());
  Message reply;
  MsgHeader req;
  req.a = state.size();
  if (Status st = call(op, req, from_version, reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  return Status::Ok();
}

void WorkerInstance::shut_down() {
  if (!gone_) {
    MsgHeader req;
    req.op = Op::kExit;
    if (worker::send_message(sock_, req, {})) {
      pollfd p{sock_, POLLIN, 0};  // the worker's end closes when it exits
      const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        Message m;
        if (worker::recv_message(sock_, m) == worker::RecvResult::kClosed) break;
        if (m.fd >= 0) ::close(m.fd);
      }
    }
    worker::reap_worker(pid_, std::chrono::milliseconds(50));
    gone_ = true;
  }
  if (sock_ >= 0) ::close(sock_);
  sock_ = -1;
}

nlohmann::json worker_create_request(const WorkerSpawn& spawn) {
  nlohmann::json overrides = nlohmann::json::object();
  for (const auto& [k, v] : spawn.overrides) overrides[k] = v;
  return {
      {"manifest", spawn.manifest_file.string()},
      {"overrides", overrides},
      {"python_sdk_dir", spawn.python_sdk_dir.string()},
      {"python_max_consecutive_failures", spawn.python_max_consecutive_failures},
      {"python_call_time_limit_s", spawn.python_call_time_limit_s},
      {"memory_limit_mb", spawn.limits.memory_limit_mb},
      {"cpu_limit_s", spawn.limits.cpu_limit_s},
  };
}

Result<std::unique_ptr<StrategyInstance>> spawn_worker_instance(const WorkerSpawn& spawn) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    return Status::IoError(std::string("socketpair for a worker: ") + std::strerror(errno));
  auto arena = Arena::create(64 * 1024);
  auto mailbox = Arena::create(sizeof(worker::Mailbox));
  if (!arena.ok() || !mailbox.ok()) {
    ::close(fds[0]);
    ::close(fds[1]);
    return arena.ok() ? mailbox.status() : arena.status();
  }
  auto pid = worker::spawn_worker_process(spawn.worker, {"--fd", std::to_string(worker::kWorkerFd), "--host-pid",
                                                         std::to_string(::getpid())},
                                          fds[1]);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  ++g_started;
  // Until the worker says, the plugin is named as the host knows it.
  auto inst = std::make_unique<WorkerInstance>(*pid, fds[0], std::move(*arena), std::move(*mailbox), spawn.limits, spawn.label.empty() ? spawn.manifest_file.string() : spawn.label);
  const nlohmann::json request = worker_create_request(spawn);
  Status st = inst->create(request);
  if (!st.ok()) return st;
  return std::unique_ptr<StrategyInstance>(std::move(inst));
}

void worker::count_worker_started() { ++g_started; }
void worker::count_worker_died() { ++g_died; }
void worker::count_worker_timed_out() { ++g_timed_out; }

WorkerStats worker_stats() { return WorkerStats{g_started.load(), g_died.load(), g_timed_out.load()}; }

int worker_pid(const StrategyInstance& inst) {
  const auto* w = dynamic_cast<const WorkerInstance*>(&inst);
  return w ? static_cast<int>(w->pid()) : -1;
}

}  // namespace algohost
