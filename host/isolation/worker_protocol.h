// The wire protocol between the host and an `algohost-worker` (worker_instance.h).
//
// Control: a Unix SOCK_SEQPACKET socketpair; one message per request and one per reply, each a
// MsgHeader followed by up to kMaxText bytes of text (a JSON document, an error message, a
// version). A message may carry one file descriptor (SCM_RIGHTS): a new arena that replaces the
// receiver's (the host grows it before a request that needs more room; the worker before a reply
// that does, e.g. a large exported state).
//
// Data: the arena, a memfd mapped MAP_SHARED by both processes. A request's bars are written into
// it once (encode_slice / encode_series), the worker reads them in place, and writes its signals
// (or state bytes) back into it; the reply's header says how many. Only one side touches the arena
// at a time: the host between a reply and its next request, the worker while it handles a request.
//
// Requests and their replies (a, b, c of the header):
//   kCreate      text: JSON {manifest, overrides, python_sdk_dir, python_max_consecutive_failures,
//                python_call_time_limit_s, memory_limit_mb, cpu_limit_s}.
//                reply text: JSON {label, diagnostics, supports_batch, prefers_sparse}, or the error.
//   kSlice       arena: encode_slice. reply: a = signals, at arena offset 0.
//   kBatch       arena: encode_series; b = offset of the output. reply: a = done; the first
//                `done` signals at b (all n on success). Mailbox::batch_progress while it runs.
//   kBatchSparse as kBatch. reply: a = done, c = IndexedSignals at b.
//   kExportState reply: a = state bytes, at arena offset 0.
//   kImportState arena: the state, a = its bytes. kImportStateFrom: the same, text = from_version.
//   kExit        no reply: the worker destroys its instance and exits.
// An enhancer worker (worker_enhancer.h) holds one EnhancerInstance instead, and takes:
//   kEnhancerCreate  as kCreate (the manifest's kind is "enhancer"). reply text: JSON {label}.
//   kEnhance     arena: encode_enhance (the input, its strings, the pre-filled output).
//                reply: the ah_enhance_output at arena offset 0.
//   kLearn       arena: encode_outcome (the trade and its strings).
//   kEnhancerExport / kEnhancerImport  as kExportState / kImportState.
// Every reply: code = StatusCode (kOk or the call's error, text = its message), call_errors =
// the instance's call_errors().
//
// Fast path (the mailbox): a one-page memfd, sent with kCreate, holding one request header and one
// reply header with a sequence number each (Mailbox). A request without text or descriptor is
// written there and its sequence bumped; a reply without text or descriptor likewise. The waiting
// side spins on the sequence for a few microseconds (Spinner) before it blocks on the socket;
// a side about to block says so (*_waiting), and the other then also sends kWake over the socket
// (a Dekker handshake: both flags and sequences are sequentially consistent, so a wake-up is never
// lost; a spurious kWake is ignored). The socket stays the fallback wake-up and the death detector.
#pragma once

#include <atomic>
#include <cmath>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <algohost/enhancer_api.h>
#include <algohost/strategy_api.h>

#include "host/instance/strategy_instance.h"
#include "registry/common/status.h"

namespace algohost::worker {

inline constexpr uint32_t kMagic = 0x41485731;  // "AHW1"
inline constexpr size_t kMaxText = 60 * 1024;   // longer text is cut (SEQPACKET messages are bounded)
inline constexpr int kWorkerFd = 3;             // the worker's end of the socketpair, in the worker

enum class Op : uint32_t {
  kCreate = 1,
  kSlice,
  kBatch,
  kBatchSparse,
  kExportState,
  kImportState,
  kImportStateFrom,
  kExit,
  kReply,
  kWake,  // "look at the mailbox": no payload, never answered
  // Enhancer instances (worker_enhancer.h); appended so the strategy ops keep their values.
  kEnhancerCreate,
  kEnhance,
  kLearn,
  kEnhancerExport,
  kEnhancerImport,
};
const char* op_name(Op op);

struct MsgHeader {
  uint32_t magic = kMagic;
  Op op = Op::kReply;
  int32_t code = 0;  // StatusCode, in replies
  uint32_t text_len = 0;
  uint64_t a = 0, b = 0, c = 0;
  uint64_t call_errors = 0;
};

struct Message {
  MsgHeader h;
  std::string text;
  int fd = -1;  // a received descriptor (owned by the receiver), or -1
};

// Sends one message (MSG_NOSIGNAL; retried on EINTR). `pass_fd` >= 0 is sent with it. False with
// errno set when the peer is gone or the socket failed.
bool send_message(int sock, MsgHeader h, std::string_view text, int pass_fd = -1);

enum class RecvResult { kOk, kClosed, kBad };
// Receives one message (retried on EINTR). kClosed when the peer closed its end (or reset it),
// kBad for a malformed message (wrong magic, truncated).
RecvResult recv_message(int sock, Message& out);

// A memfd mapped read-write and shared. Move-only; unmaps and closes when destroyed.
class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(Arena&& o) noexcept;
  Arena& operator=(Arena&& o) noexcept;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  static Result<Arena> create(size_t capacity);
  // Maps the whole of a received memfd (takes the descriptor).
  static Result<Arena> adopt(int fd);

  char* data() const { return data_; }
  size_t capacity() const { return capacity_; }
  int fd() const { return fd_; }
  bool valid() const { return data_ != nullptr; }

 private:
  void reset();
  int fd_ = -1;
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

// The mailbox page (see the top of this file). Host writes req then bumps req_seq; the worker
// writes rep then bumps rep_seq.
struct Mailbox {
  alignas(64) std::atomic<uint64_t> req_seq{0};
  std::atomic<uint32_t> worker_waiting{0};  // the worker is (about to be) blocked on the socket
  alignas(64) std::atomic<uint64_t> rep_seq{0};
  std::atomic<uint32_t> host_waiting{0};    // the host is (about to be) blocked on the socket
  // kBatch: how many of the batch's signals are already in the arena (the worker runs a batch in
  // slices of kBatchSlice bars and publishes each), so that the host copies them out while the
  // worker computes the next. Reset to 0 by the host before each request.
  alignas(64) std::atomic<uint64_t> batch_progress{0};
  alignas(64) MsgHeader req;
  alignas(64) MsgHeader rep;
};
// Bars per on_batch call inside the worker for a kBatch request (the instance continues from its
// state between calls, as the StrategyInstance contract says; the engine chunks the same way).
inline constexpr uint64_t kBatchSlice = 512;
static_assert(sizeof(Mailbox) <= 4096);
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free);

// The longest a side spins on the mailbox before it blocks on the socket: 50 us, or
// $ALGOHOST_WORKER_SPIN_US; 0 on a one-CPU machine.
int64_t spin_micros();

// One side's spinning, adapted to what it achieves: a spin that sees the other side's answer keeps
// (or doubles back up to spin_micros()) the budget; one that times out halves it, down to none.
// Spinning only pays when the two processes run on two CPUs at once: when the scheduler puts them
// on one (a busy machine), each spin only delays the other side, so the budget falls to zero and
// the socket carries every wake-up; every 64th wait then tries a full spin again.
class Spinner {
 public:
  // Spins until `seq` passes `seen` or the budget elapses; true when it passed.
  bool wait_past(const std::atomic<uint64_t>& seq, uint64_t seen);

 private:
  int64_t budget_us_ = -1;  // -1: spin_micros(), on first use
  uint32_t idle_waits_ = 0;
};

inline size_t align_up(size_t n, size_t to = 64) { return (n + to - 1) / to * to; }

// Slices: bytes needed, and the encoding into `dst` (which has at least that many bytes).
size_t slice_bytes(const ah_slice& slice);
void encode_slice(const ah_slice& slice, char* dst);
// A slice decoded in place: its pointers point into the arena (and `symbols` into this object).
struct DecodedSlice {
  ah_slice slice{};
  std::vector<const char*> symbols;
};
Status decode_slice(const char* src, size_t cap, DecodedSlice& out);

// Series: bytes needed, and the encoding.
size_t series_bytes(const ah_series& series);
void encode_series(const ah_series& series, char* dst);
Status decode_series(const char* src, size_t cap, ah_series& out);

// Enhancer calls: ah_enhance_input and ah_trade_outcome point at strings (symbol, strategy,
// exit_reason); the encoding holds the struct (pointers cleared), then each string as a u32 length
// and its bytes and a NUL. A kEnhance request's pre-filled output comes first, at offset 0, where
// the worker also writes the reply's output.
size_t enhance_bytes(const ah_enhance_input& in);
void encode_enhance(const ah_enhance_input& in, const ah_enhance_output& prefilled, char* dst);
// Decoded in place: the input's pointers point into the arena; `out` is the pre-filled output.
Status decode_enhance(const char* src, size_t cap, ah_enhance_input& in, ah_enhance_output& out);
size_t outcome_bytes(const ah_trade_outcome& t);
void encode_outcome(const ah_trade_outcome& t, char* dst);
Status decode_outcome(const char* src, size_t cap, ah_trade_outcome& t);

// A signal read back from a worker, held to what a plugin may return (the worker's instance has
// already checked it; a worker is never trusted): the symbol index below n_symbols, a known
// action, finite numbers, the reason NUL-terminated, n_diag within range. Fixes the reason's
// terminator in place. Inline: it runs once per bar of a batch.
inline bool worker_signal_ok(ah_signal& s, uint32_t n_symbols) {
  s.reason[AH_REASON_LEN - 1] = '\0';
  return s.symbol_index < n_symbols && s.action >= AH_HOLD && s.action <= AH_TARGET && s.n_diag <= AH_MAX_DIAGNOSTICS &&
         std::isfinite(s.target_position) && std::isfinite(s.confidence) && std::isfinite(s.position_size) &&
         std::isfinite(s.stop_loss) && std::isfinite(s.take_profit);
}
// What is wrong with a signal worker_signal_ok() refused.
std::string describe_bad_worker_signal(const ah_signal& s, uint32_t n_symbols);

}  // namespace algohost::worker
