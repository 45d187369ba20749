#include "host/isolation/worker_protocol.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace algohost::worker {

const char* op_name(Op op) {
  switch (op) {
    case Op::kCreate: return "create";
    case Op::kSlice: return "on_slice";
    case Op::kBatch: return "on_batch";
    case Op::kBatchSparse: return "on_batch_sparse";
    case Op::kExportState: return "export_state";
    case Op::kImportState: return "import_state";
    case Op::kImportStateFrom: return "import_state_from";
    case Op::kExit: return "exit";
    case Op::kReply: return "reply";
    case Op::kWake: return "wake";
    case Op::kEnhancerCreate: return "create";
    case Op::kEnhance: return "enhance";
    case Op::kLearn: return "learn";
    case Op::kEnhancerExport: return "export_state";
    case Op::kEnhancerImport: return "import_state";
  }
  return "unknown";
}

bool send_message(int sock, MsgHeader h, std::string_view text, int pass_fd) {
  if (text.size() > kMaxText) text = text.substr(0, kMaxText);
  h.magic = kMagic;
  h.text_len = static_cast<uint32_t>(text.size());
  iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(text.data()), text.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = text.empty() ? 1 : 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    std::memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    const ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n) == sizeof h + text.size();
    if (errno != EINTR) return false;
  }
}

RecvResult recv_message(int sock, Message& out) {
  out.text.resize(kMaxText);
  out.fd = -1;
  iovec iov[2] = {{&out.h, sizeof out.h}, {out.text.data(), out.text.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  for (;;) {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE))) return RecvResult::kClosed;
  if (n < 0) return RecvResult::kBad;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int)))
      std::memcpy(&out.fd, CMSG_DATA(c), sizeof(int));
  const bool truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  if (truncated || static_cast<size_t>(n) < sizeof out.h || out.h.magic != kMagic ||
      out.h.text_len != static_cast<size_t>(n) - sizeof out.h) {
    if (out.fd >= 0) ::close(out.fd);
    out.fd = -1;
    return RecvResult::kBad;
  }
  out.text.resize(out.h.text_len);
  return RecvResult::kOk;
}

// ---- Mailbox ----

int64_t spin_micros() {
  static const int64_t us = [] {
    if (const char* env = std::getenv("ALGOHOST_WORKER_SPIN_US"); env && *env) return std::max<int64_t>(0, std::atoll(env));
    return std::thread::hardware_concurrency() > 1 ? int64_t{50} : int64_t{0};
  }();
  return us;
}

bool Spinner::wait_past(const std::atomic<uint64_t>& seq, uint64_t seen) {
  if (seq.load() > seen) return true;
  const int64_t most = spin_micros();
  if (budget_us_ < 0) budget_us_ = most;
  if (budget_us_ == 0) {
    if (most == 0 || ++idle_waits_ % 64 != 0) return false;
    budget_us_ = most;  // try again: the other side may have a CPU of its own by now
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(budget_us_);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (seq.load(std::memory_order_acquire) > seen) {
        budget_us_ = std::min(most, budget_us_ * 2);
        return true;
      }
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  if (seq.load() > seen) return true;
  budget_us_ = budget_us_ >= 4 ? budget_us_ / 2 : 0;
  return false;
}

// ---- Arena ----

Arena::~Arena() { reset(); }

Arena::Arena(Arena&& o) noexcept : fd_(o.fd_), data_(o.data_), capacity_(o.capacity_) {
  o.fd_ = -1;
  o.data_ = nullptr;
  o.capacity_ = 0;
}

Arena& Arena::operator=(Arena&& o) noexcept {
  if (this != &o) {
    reset();
    std::swap(fd_, o.fd_);
    std::swap(data_, o.data_);
    std::swap(capacity_, o.capacity_);
  }
  return *this;
}

void Arena::reset() {
  if (data_) ::munmap(data_, capacity_);
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  fd_ = -1;
  capacity_ = 0;
}

Result<Arena> Arena::create(size_t capacity) {
  capacity = align_up(capacity < 4096 ? 4096 : capacity, 4096);
  const int fd = ::memfd_create("algohost-arena", MFD_CLOEXEC);
  if (fd < 0) return Status::IoError(std::string("memfd_create: ") + std::strerror(errno));
  if (::ftruncate(fd, static_cast<off_t>(capacity)) != 0) {
    const int e = errno;
    ::close(fd);
    return Status::IoError("ftruncate of the worker arena to " + std::to_string(capacity) + " bytes: " + std::strerror(e));
  }
  return adopt(fd);
}

Result<Arena> Arena::adopt(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    return Status::IoError("the worker arena descriptor is not a mappable file");
  }
  // MAP_POPULATE: the pages are faulted in by one call, not one fault each on first touch.
  void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    ::close(fd);
    return Status::IoError(std::string("mmap of the worker arena: ") + std::strerror(e));
  }
  Arena a;
  a.fd_ = fd;
  a.data_ = static_cast<char*>(p);
  a.capacity_ = static_cast<size_t>(st.st_size);
  return a;
}

// ---- Slices ----

namespace {

struct SliceHead {
  int64_t ts_ms;
  uint32_t n;
  uint32_t has_carry;
  uint64_t symbol_bytes;
};

struct SeriesHead {
  uint64_t n;
  uint32_t has_carry;
  uint32_t symbol_bytes;  // including the NUL
};

size_t symbols_bytes(const ah_slice& s) {
  size_t n = 0;
  for (uint32_t i = 0; i < s.n_symbols; ++i) n += std::strlen(s.symbols[i]) + 1;
  return n;
}

}  // namespace

size_t slice_bytes(const ah_slice& s) {
  return sizeof(SliceHead) + s.n_symbols * (sizeof(ah_bar) + (s.carry ? sizeof(double) : 0) + 1) + symbols_bytes(s);
}

void encode_slice(const ah_slice& s, char* dst) {
  SliceHead head{s.ts_ms, s.n_symbols, s.carry ? 1u : 0u, symbols_bytes(s)};
  std::memcpy(dst, &head, sizeof head);
  char* p = dst + sizeof head;
  std::memcpy(p, s.bars, s.n_symbols * sizeof(ah_bar));
  p += s.n_symbols * sizeof(ah_bar);
  if (s.carry) {
    std::memcpy(p, s.carry, s.n_symbols * sizeof(double));
    p += s.n_symbols * sizeof(double);
  }
  std::memcpy(p, s.has_bar, s.n_symbols);
  p += s.n_symbols;
  for (uint32_t i = 0; i < s.n_symbols; ++i) {
    const size_t len = std::strlen(s.symbols[i]) + 1;
    std::memcpy(p, s.symbols[i], len);
    p += len;
  }
}

Status decode_slice(const char* src, size_t cap, DecodedSlice& out) {
  SliceHead head;
  if (cap < sizeof head) return Status::Corruption("slice: arena too small");
  std::memcpy(&head, src, sizeof head);
  const size_t need = sizeof head + head.n * (sizeof(ah_bar) + (head.has_carry ? sizeof(double) : 0) + 1) + head.symbol_bytes;
  if (head.n > (1u << 20) || need > cap) return Status::Corruption("slice: encoding exceeds the arena");
  const char* p = src + sizeof head;
  out.slice.ts_ms = head.ts_ms;
  out.slice.n_symbols = head.n;
  out.slice.bars = reinterpret_cast<const ah_bar*>(p);
  p += head.n * sizeof(ah_bar);
  out.slice.carry = nullptr;
  if (head.has_carry) {
    out.slice.carry = reinterpret_cast<const double*>(p);
    p += head.n * sizeof(double);
  }
  out.slice.has_bar = reinterpret_cast<const uint8_t*>(p);
  p += head.n;
  const char* end = p + head.symbol_bytes;
  out.symbols.clear();
  for (uint32_t i = 0; i < head.n; ++i) {
    const void* nul = std::memchr(p, 0, static_cast<size_t>(end - p));
    if (!nul) return Status::Corruption("slice: symbol names not terminated");
    out.symbols.push_back(p);
    p = static_cast<const char*>(nul) + 1;
  }
  out.slice.symbols = out.symbols.data();
  return Status::Ok();
}

// ---- Series ----

size_t series_bytes(const ah_series& s) {
  const size_t columns = 6 + (s.carry ? 1 : 0);
  return sizeof(SeriesHead) + s.n * columns * 8 + std::strlen(s.symbol ? s.symbol : "") + 1;
}

void encode_series(const ah_series& s, char* dst) {
  const char* symbol = s.symbol ? s.symbol : "";
  SeriesHead head{s.n, s.carry ? 1u : 0u, static_cast<uint32_t>(std::strlen(symbol) + 1)};
  std::memcpy(dst, &head, sizeof head);
  char* p = dst + sizeof head;
  auto column = [&](const void* col) {
    std::memcpy(p, col, s.n * 8);
    p += s.n * 8;
  };
  column(s.ts_ms);
  column(s.open);
  column(s.high);
  column(s.low);
  column(s.close);
  column(s.volume);
  if (s.carry) column(s.carry);
  std::memcpy(p, symbol, head.symbol_bytes);
}

Status decode_series(const char* src, size_t cap, ah_series& out) {
  SeriesHead head;
  if (cap < sizeof head) return Status::Corruption("series: arena too small");
  std::memcpy(&head, src, sizeof head);
  const size_t columns = 6 + (head.has_carry ? 1 : 0);
  if (head.n > cap / 8 || sizeof head + head.n * columns * 8 + head.symbol_bytes > cap || head.symbol_bytes == 0)
    return Status::Corruption("series: encoding exceeds the arena");
  const char* p = src + sizeof head;
  auto column = [&]() {
    const double* c = reinterpret_cast<const double*>(p);
    p += head.n * 8;
    return c;
  };
  out.n = head.n;
  out.ts_ms = reinterpret_cast<const int64_t*>(p);
  p += head.n * 8;
  out.open = column();
  out.high = column();
  out.low = column();
  out.close = column();
  out.volume = column();
  out.carry = head.has_carry ? column() : nullptr;
  if (p[head.symbol_bytes - 1] != '\0') return Status::Corruption("series: symbol not terminated");
  out.symbol = p;
  return Status::Ok();
}

// ---- Enhancer calls ----

namespace {

const char* or_empty(const char* s) { return s ? s : ""; }

size_t string_bytes(const char* s) { return sizeof(uint32_t) + std::strlen(or_empty(s)) + 1; }

char* put_string(char* p, const char* s) {
  s = or_empty(s);
  const uint32_t len = static_cast<uint32_t>(std::strlen(s));
  std::memcpy(p, &len, sizeof len);
  std::memcpy(p + sizeof len, s, len + 1);
  return p + sizeof len + len + 1;
}

// Reads a string put_string() wrote at `*p`, within [*p, end): points `out` at it in place.
bool take_string(const char*& p, const char* end, const char*& out) {
  uint32_t len = 0;
  if (end - p < static_cast<std::ptrdiff_t>(sizeof len)) return false;
  std::memcpy(&len, p, sizeof len);
  p += sizeof len;
  if (static_cast<size_t>(end - p) < static_cast<size_t>(len) + 1 || p[len] != '\0') return false;
  out = p;
  p += len + 1;
  return true;
}

}  // namespace

size_t enhance_bytes(const ah_enhance_input& in) {
  return sizeof(ah_enhance_output) + sizeof(ah_enhance_input) + string_bytes(in.symbol) + string_bytes(in.strategy);
}

void encode_enhance(const ah_enhance_input& in, const ah_enhance_output& prefilled, char* dst) {
  std::memcpy(dst, &prefilled, sizeof prefilled);
  ah_enhance_input flat = in;
  flat.symbol = nullptr;
  flat.strategy = nullptr;
  std::memcpy(dst + sizeof prefilled, &flat, sizeof flat);
  char* p = put_string(dst + sizeof prefilled + sizeof flat, in.symbol);
  put_string(p, in.strategy);
}

Status decode_enhance(const char* src, size_t cap, ah_enhance_input& in, ah_enhance_output& out) {
  if (cap < sizeof out + sizeof in) return Status::Corruption("enhance: arena too small");
  std::memcpy(&out, src, sizeof out);
  std::memcpy(&in, src + sizeof out, sizeof in);
  const char* p = src + sizeof out + sizeof in;
  const char* end = src + cap;
  if (!take_string(p, end, in.symbol) || !take_string(p, end, in.strategy))
    return Status::Corruption("enhance: strings exceed the arena");
  return Status::Ok();
}

size_t outcome_bytes(const ah_trade_outcome& t) {
  return sizeof(ah_trade_outcome) + string_bytes(t.symbol) + string_bytes(t.exit_reason);
}

void encode_outcome(const ah_trade_outcome& t, char* dst) {
  ah_trade_outcome flat = t;
  flat.symbol = nullptr;
  flat.exit_reason = nullptr;
  std::memcpy(dst, &flat, sizeof flat);
  char* p = put_string(dst + sizeof flat, t.symbol);
  put_string(p, t.exit_reason);
}

Status decode_outcome(const char* src, size_t cap, ah_trade_outcome& t) {
  if (cap < sizeof t) return Status::Corruption("learn: arena too small");
  std::memcpy(&t, src, sizeof t);
  const char* p = src + sizeof t;
  const char* end = src + cap;
  if (!take_string(p, end, t.symbol) || !take_string(p, end, t.exit_reason))
    return Status::Corruption("learn: strings exceed the arena");
  return Status::Ok();
}

std::string describe_bad_worker_signal(const ah_signal& s, uint32_t n_symbols) {
  if (s.symbol_index >= n_symbols)
    return "a signal for symbol index " + std::to_string(s.symbol_index) + " of " + std::to_string(n_symbols);
  if (s.action < AH_HOLD || s.action > AH_TARGET) return "a signal with action " + std::to_string(s.action);
  if (s.n_diag > AH_MAX_DIAGNOSTICS) return "a signal with " + std::to_string(s.n_diag) + " diagnostics";
  return "a signal with a value that is not finite";
}

}  // namespace algohost::worker
