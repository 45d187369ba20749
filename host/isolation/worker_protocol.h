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
//                `done` signals at b (all n on success).
//   kBatchSparse as kBatch. reply: a = done, c = IndexedSignals at b.
//   kExportState reply: a = state bytes, at arena offset 0.
//   kImportState arena: the state, a = its bytes. kImportStateFrom: the same, text = from_version.
//   kExit        no reply: the worker destroys its instance and exits.
// Every reply: code = StatusCode (kOk or the call's error, text = its message), call_errors =
// the instance's call_errors().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// A signal read back from a worker, held to what a plugin may return (the worker's instance has
// already checked it; a worker is never trusted): the symbol index below n_symbols, a known
// action, finite numbers, the reason NUL-terminated, n_diag within range. Fixes the reason's
// terminator in place.
Status check_worker_signal(ah_signal& s, uint32_t n_symbols);

}  // namespace algohost::worker
