#include "host/worker/worker_server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/isolation/worker_protocol.h"
#include "host/python/python_runtime.h"
#include "host/service/plugin_service.h"
#include "registry/manifest/manifest.h"

namespace algohost::worker {
namespace {

// setrlimit(RLIMIT_AS) and RLIMIT_CPU (soft = the limit: SIGXCPU; hard one second later: SIGKILL).
// RLIMIT_AS is skipped under AddressSanitizer, which reserves terabytes of address space.
Status apply_limits(int64_t memory_limit_mb, int64_t cpu_limit_s) {
#if !defined(__SANITIZE_ADDRESS__)
  if (memory_limit_mb > 0) {
    const rlim_t bytes = static_cast<rlim_t>(memory_limit_mb) << 20;
    rlimit r{bytes, bytes};
    if (::setrlimit(RLIMIT_AS, &r) != 0)
      return Status::Internal(std::string("setrlimit(RLIMIT_AS) in the worker: ") + std::strerror(errno));
  }
#else
  (void)memory_limit_mb;
#endif
  if (cpu_limit_s > 0) {
    rlimit r{static_cast<rlim_t>(cpu_limit_s), static_cast<rlim_t>(cpu_limit_s) + 1};
    if (::setrlimit(RLIMIT_CPU, &r) != 0)
      return Status::Internal(std::string("setrlimit(RLIMIT_CPU) in the worker: ") + std::strerror(errno));
  }
  return Status::Ok();
}

// A Python plugin's prints still in sys.stdout's buffer (a pipe is block-buffered) are written out
// before the worker ends with _exit, which would drop them.
void flush_python_output() {
  if (!python::PythonRuntime::started()) return;
  python::GilLock gil;
  PyRun_SimpleString("import sys\nfor _s in (sys.stdout, sys.stderr):\n    try:\n        _s.flush()\n    except Exception:\n        pass\n");
}

class Server {
 public:
  explicit Server(int sock) : sock_(sock) {}
  int run();

 private:
  bool reply(MsgHeader h, const Status& st, std::string_view text = {});
  bool reply_status(const Status& st) { return reply(MsgHeader{}, st); }
  // Makes the arena hold `bytes` for a reply; the new one goes back with it.
  Status reserve(size_t bytes);
  bool handle(Message& m);
  // kCreate (a strategy) or kEnhancerCreate (an enhancer): the same limits, manifest and service.
  bool create(const std::string& request, bool enhancer);
  bool on_slice(const Message& m);
  bool on_batch(const Message& m, bool sparse);
  // The instance's on_batch over `series` into `out`, publishing progress (Mailbox::batch_progress).
  Status run_batch(const ah_series& series, ah_signal* out, uint64_t& done);
  bool export_state();
  bool import_state(const Message& m, bool with_version);
  // Enhancer calls (an enhancer worker holds enh_ instead of inst_).
  bool enhance();
  bool learn();
  bool export_enhancer_state();
  bool import_enhancer_state(const Message& m);
  bool holds_instance() const { return inst_ || enh_; }

  // The next request: from the mailbox (spun on first) or the socket. False when the host is gone.
  enum class Next { kRequest, kClosed, kBad };
  Next next_request(Message& m);

  int sock_;
  Arena arena_;
  bool send_arena_ = false;
  Arena mailbox_;  // the fast path, from kCreate (worker_protocol.h, Mailbox)
  Mailbox* box_ = nullptr;
  uint64_t req_seen_ = 0, rep_seq_ = 0;
  Spinner spinner_;
  std::optional<Manifest> manifest_;
  std::unique_ptr<PluginService> service_;
  std::unique_ptr<StrategyInstance> inst_;  // declared last: destroyed first
  std::unique_ptr<EnhancerInstance> enh_;
  DecodedSlice slice_;
  std::vector<ah_signal> signals_;
  std::vector<IndexedSignal> sparse_;
};

bool Server::reply(MsgHeader h, const Status& st, std::string_view text) {
  h.op = Op::kReply;
  h.code = static_cast<int32_t>(st.code());
  h.call_errors = inst_ ? inst_->call_errors() : 0;
  if (!st.ok()) text = st.message();
  if (box_ && text.empty() && !send_arena_) {
    h.magic = kMagic;
    box_->rep = h;
    box_->rep_seq.store(++rep_seq_);
    if (box_->host_waiting.load()) {
      MsgHeader wake;
      wake.op = Op::kWake;
      return send_message(sock_, wake, {});
    }
    return true;
  }
  const bool ok = send_message(sock_, h, text, send_arena_ ? arena_.fd() : -1);
  send_arena_ = false;
  return ok;
}

Status Server::reserve(size_t bytes) {
  if (arena_.capacity() >= bytes) return Status::Ok();
  auto grown = Arena::create(std::max(bytes, arena_.capacity() * 2));
  if (!grown.ok()) return grown.status();
  arena_ = std::move(*grown);
  send_arena_ = true;
  return Status::Ok();
}

bool Server::create(const std::string& request, bool enhancer) {
  auto doc = nlohmann::json::parse(request, nullptr, false);
  if (!doc.is_object()) return reply_status(Status::Internal("worker: malformed create request"));
  if (Status st = apply_limits(doc.value("memory_limit_mb", int64_t{0}), doc.value("cpu_limit_s", int64_t{0})); !st.ok())
    return reply_status(st);
  const std::filesystem::path file = doc.value("manifest", std::string());
  ManifestReport report = load_manifest(file);
  if (!report.ok()) return reply_status(Status::InvalidArgument(report.error_summary()));
  std::map<std::string, std::string> overrides;
  const nlohmann::json given = doc.value("overrides", nlohmann::json::object());
  for (const auto& [k, v] : given.items())
    if (v.is_string()) overrides[k] = v.get<std::string>();
  PluginServiceOptions opts;
  opts.python_sdk_dir = doc.value("python_sdk_dir", std::string());
  opts.python_max_consecutive_failures = doc.value("python_max_consecutive_failures", uint32_t{5});
  opts.python_call_time_limit_s = doc.value("python_call_time_limit_s", 0.0);
  service_ = std::make_unique<PluginService>(std::move(opts));
  manifest_ = std::move(*report.manifest);  // outlives the instance, as discovery's manifests do in the host
  if (enhancer) {
    auto enh = service_->instantiate_enhancer(*manifest_, overrides);
    if (!enh.ok()) return reply_status(enh.status());
    enh_ = std::move(*enh);
    return reply(MsgHeader{}, Status::Ok(), nlohmann::json{{"label", enh_->label()}}.dump());
  }
  auto inst = service_->instantiate(*manifest_, overrides);
  if (!inst.ok()) return reply_status(inst.status());
  inst_ = std::move(*inst);
  nlohmann::json out = {{"label", inst_->label()},
                        {"diagnostics", inst_->diagnostics()},
                        {"supports_batch", inst_->supports_batch()},
                        {"prefers_sparse", inst_->prefers_sparse_batch()}};
  return reply(MsgHeader{}, Status::Ok(), out.dump());
}

bool Server::on_slice(const Message& m) {
  (void)m;
  if (Status st = decode_slice(arena_.data(), arena_.capacity(), slice_); !st.ok()) return reply_status(st);
  Status st = inst_->on_slice(slice_.slice, signals_);
  MsgHeader h;
  if (Status r = reserve(signals_.size() * sizeof(ah_signal)); !r.ok()) return reply_status(r);
  std::memcpy(arena_.data(), signals_.data(), signals_.size() * sizeof(ah_signal));
  h.a = signals_.size();
  return reply(h, st);
}

Status Server::run_batch(const ah_series& series, ah_signal* out, uint64_t& done) {
  done = 0;
  // A vectorized instance gets the batch whole, as in process; others in slices whose signals
  // the host copies out while the next slice runs.
  if (inst_->prefers_sparse_batch() || series.n <= kBatchSlice || !box_) return inst_->on_batch(series, out, &done);
  for (uint64_t start = 0; start < series.n; start += kBatchSlice) {
    const uint64_t n = std::min(kBatchSlice, series.n - start);
    ah_series part = series;
    part.n = n;
    part.ts_ms += start;
    part.open += start;
    part.high += start;
    part.low += start;
    part.close += start;
    part.volume += start;
    if (part.carry) part.carry += start;
    uint64_t part_done = 0;
    Status st = inst_->on_batch(part, out + start, &part_done);
    if (!st.ok()) {
      done = start + std::min(part_done, n);
      return st;
    }
    done = start + n;
    box_->batch_progress.store(done, std::memory_order_release);
  }
  return Status::Ok();
}

bool Server::on_batch(const Message& m, bool sparse) {
  ah_series series{};
  if (Status st = decode_series(arena_.data(), arena_.capacity(), series); !st.ok()) return reply_status(st);
  const uint64_t out_at = m.h.b;
  const size_t each = sparse ? sizeof(IndexedSignal) : sizeof(ah_signal);
  if (series.n != m.h.a || out_at < align_up(series_bytes(series)) || out_at + series.n * each > arena_.capacity())
    return reply_status(Status::Corruption("worker: batch request does not fit the arena"));
  MsgHeader h;
  uint64_t done = 0;
  if (!sparse) {
    Status st = run_batch(series, reinterpret_cast<ah_signal*>(arena_.data() + out_at), done);
    h.a = done;
    return reply(h, st);
  }
  Status st = inst_->on_batch_sparse(series, sparse_, &done);
  std::memcpy(arena_.data() + out_at, sparse_.data(), std::min<size_t>(sparse_.size(), series.n) * sizeof(IndexedSignal));
  h.a = done;
  h.c = std::min<size_t>(sparse_.size(), series.n);
  return reply(h, st);
}

bool Server::export_state() {
  auto state = inst_->export_state();
  if (!state.ok()) return reply_status(state.status());
  if (Status st = reserve(state->size()); !st.ok()) return reply_status(st);
  std::memcpy(arena_.data(), state->data(), state->size());
  MsgHeader h;
  h.a = state->size();
  return reply(h, Status::Ok());
}

bool Server::import_state(const Message& m, bool with_version) {
  if (m.h.a > arena_.capacity()) return reply_status(Status::Corruption("worker: state exceeds the arena"));
  const std::string_view state(arena_.data(), m.h.a);
  return reply_status(with_version ? inst_->import_state_from(state, m.text) : inst_->import_state(state));
}

bool Server::enhance() {
  ah_enhance_input in{};
  ah_enhance_output out{};
  if (Status st = decode_enhance(arena_.data(), arena_.capacity(), in, out); !st.ok()) return reply_status(st);
  Status st = enh_->enhance(in, out);
  std::memcpy(arena_.data(), &out, sizeof out);  // the arena holds at least the request's output
  return reply(MsgHeader{}, st);
}

bool Server::learn() {
  ah_trade_outcome t{};
  if (Status st = decode_outcome(arena_.data(), arena_.capacity(), t); !st.ok()) return reply_status(st);
  return reply_status(enh_->learn(t));
}

bool Server::export_enhancer_state() {
  auto state = enh_->export_state();
  if (!state.ok()) return reply_status(state.status());
  if (Status st = reserve(state->size()); !st.ok()) return reply_status(st);
  std::memcpy(arena_.data(), state->data(), state->size());
  MsgHeader h;
  h.a = state->size();
  return reply(h, Status::Ok());
}

bool Server::import_enhancer_state(const Message& m) {
  if (m.h.a > arena_.capacity()) return reply_status(Status::Corruption("worker: state exceeds the arena"));
  return reply_status(enh_->import_state(std::string_view(arena_.data(), m.h.a)));
}

bool Server::handle(Message& m) {
  const bool creating = m.h.op == Op::kCreate || m.h.op == Op::kEnhancerCreate;
  if (creating && m.fd >= 0 && !box_) {
    auto adopted = Arena::adopt(m.fd);
    if (!adopted.ok() || adopted->capacity() < sizeof(Mailbox)) return reply_status(Status::Internal("worker: bad mailbox"));
    mailbox_ = std::move(*adopted);
    box_ = reinterpret_cast<Mailbox*>(mailbox_.data());  // constructed by the host
    m.fd = -1;
  }
  if (m.fd >= 0) {
    auto adopted = Arena::adopt(m.fd);
    if (!adopted.ok()) return reply_status(adopted.status());
    arena_ = std::move(*adopted);
  }
  if (creating) return !holds_instance() && create(m.text, m.h.op == Op::kEnhancerCreate);
  if (enh_) {
    switch (m.h.op) {
      case Op::kEnhance: return enhance();
      case Op::kLearn: return learn();
      case Op::kEnhancerExport: return export_enhancer_state();
      case Op::kEnhancerImport: return import_enhancer_state(m);
      default: return false;
    }
  }
  if (!inst_) return false;
  switch (m.h.op) {
    case Op::kSlice: return on_slice(m);
    case Op::kBatch: return on_batch(m, false);
    case Op::kBatchSparse: return on_batch(m, true);
    case Op::kExportState: return export_state();
    case Op::kImportState: return import_state(m, false);
    case Op::kImportStateFrom: return import_state(m, true);
    default: return false;
  }
}

Server::Next Server::next_request(Message& m) {
  auto from_mailbox = [&] {
    req_seen_ = box_->req_seq.load();
    m.h = box_->req;
    m.text.clear();
    m.fd = -1;
    return m.h.magic == kMagic ? Next::kRequest : Next::kBad;
  };
  for (;;) {
    if (box_) {
      if (spinner_.wait_past(box_->req_seq, req_seen_)) return from_mailbox();
      box_->worker_waiting.store(1);
      if (box_->req_seq.load() > req_seen_) {
        box_->worker_waiting.store(0);
        return from_mailbox();
      }
    }
    const RecvResult r = recv_message(sock_, m);
    if (box_) box_->worker_waiting.store(0);
    if (r == RecvResult::kClosed) return Next::kClosed;
    if (r == RecvResult::kBad) return Next::kBad;
    if (m.h.op != Op::kWake) return Next::kRequest;
  }
}

int Server::run() {
  Message m;
  for (;;) {
    const Next next = next_request(m);
    if (next == Next::kClosed) return 0;  // the host went away
    if (next == Next::kBad) return 2;
    if (m.h.op == Op::kExit) {
      inst_.reset();
      enh_.reset();
      flush_python_output();
      return 0;
    }
    if (!handle(m)) return holds_instance() || m.h.op == Op::kCreate || m.h.op == Op::kEnhancerCreate ? 0 : 2;  // reply failed: the host is gone
  }
}

}  // namespace

int serve(int sock) { return Server(sock).run(); }

}  // namespace algohost::worker
