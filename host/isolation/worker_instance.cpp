#include "host/isolation/worker_instance.h"

#include <atomic>
#include <cstring>

#include <nlohmann/json.hpp>

#include "host/data/timestamp.h"
#include "host/isolation/worker_channel.h"
#include "host/isolation/worker_protocol.h"

namespace algohost {
namespace fs = std::filesystem;
using worker::Message;
using worker::MsgHeader;
using worker::Op;

namespace {

std::atomic<uint64_t> g_started{0}, g_died{0}, g_timed_out{0};

Status status_from(int32_t code, std::string text) {
  if (code <= 0 || code > static_cast<int32_t>(StatusCode::kInternal)) return Status::Internal(std::move(text));
  return Status(static_cast<StatusCode>(code), std::move(text));
}

}  // namespace

class WorkerInstance final : public StrategyInstance {
 public:
  WorkerInstance(std::unique_ptr<worker::WorkerChannel> channel, std::string manifest_label)
      : channel_(std::move(channel)), label_(std::move(manifest_label)) {}

  // Sends kCreate and reads the reply: label, diagnostics, batch support. Errors as in-process,
  // or the worker's death while loading.
  Status create(const nlohmann::json& request);

  pid_t pid() const { return channel_->pid(); }

  const std::string& label() const override { return label_; }
  const std::vector<std::string>& diagnostics() const override { return diagnostics_; }
  bool supports_batch() const override { return supports_batch_; }
  bool prefers_sparse_batch() const override { return prefers_sparse_; }
  bool prefetchable() const override { return true; }  // one request at a time, from any thread
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
  Status reserve(size_t bytes) {
    Status st = channel_->reserve(bytes);
    return st.ok() ? st : st.with_context(label_);
  }
  char* arena() const { return channel_->arena(); }
  // One request and its reply. Anything but a reply fails the instance (worker dead or killed).
  Status call(Op op, MsgHeader req, std::string_view text, Message& reply,
              const worker::WorkerChannel::Progress* progress = nullptr, uint64_t limit = 0);
  // Where the worker was when it failed: "at bar ..." / "before any bar".
  std::string where() const { return last_bar_.empty() ? "before any bar" : last_bar_; }
  void note_slice(int64_t ts) { last_bar_ = "at bar " + format_timestamp_ms(ts); }
  void note_series(const ah_series& s);
  Status data_failure(Status s) { return fail(std::move(s)); }
  Status bad_signal(const char* call, const std::string& what) const {
    return Status::PluginError(label_ + ": " + call + ": the worker returned " + what);
  }

  std::unique_ptr<worker::WorkerChannel> channel_;
  // A batch's signals, copied out and checked while the worker computes the rest (on_batch).
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
  std::string label_;
  std::vector<std::string> diagnostics_;
  bool supports_batch_ = false, prefers_sparse_ = false;
  uint64_t call_errors_ = 0;
  std::string last_bar_;  // "" until a bar was given
};

void WorkerInstance::note_series(const ah_series& s) {
  if (s.n == 0) return;
  last_bar_ = "at bars " + format_timestamp_ms(s.ts_ms[0]) + " .. " + format_timestamp_ms(s.ts_ms[s.n - 1]) + " (a batch of " +
              std::to_string(s.n) + ")";
}

Status WorkerInstance::call(Op op, MsgHeader req, std::string_view text, Message& reply,
                            const worker::WorkerChannel::Progress* progress, uint64_t limit) {
  if (failed()) return failure();
  const worker::WorkerChannel::Ended ended = channel_->call(op, req, text, reply, progress, limit);
  using Outcome = worker::WorkerChannel::Outcome;
  if (ended.outcome == Outcome::kReply) {
    call_errors_ = reply.h.call_errors;
    return Status::Ok();
  }
  if (ended.outcome == Outcome::kGone) return fail(Status::PluginError(label_ + ": worker is gone"));
  const std::string worker_text = "worker " + std::to_string(channel_->pid());
  if (ended.outcome == Outcome::kTimedOut)
    return fail(Status::PluginError(label_ + ": " + worker::op_name(op) + " exceeded the time limit of " +
                                    std::to_string(channel_->limits().call_timeout_ms) + " ms " + where() + "; " +
                                    worker_text + " " + ended.how));
  return fail(Status::PluginError(label_ + ": " + worker_text + " " + ended.how + " in " + worker::op_name(op) + " " +
                                  where()));
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
  worker::encode_slice(slice, arena());
  note_slice(slice.ts_ms);
  Message reply;
  MsgHeader req;
  req.a = slice.n_symbols;
  if (Status st = call(Op::kSlice, req, {}, reply); !st.ok()) return st;
  if (reply.h.code != 0) return data_failure(status_from(reply.h.code, std::move(reply.text)));
  const uint64_t n = reply.h.a;
  if (n > channel_->arena_capacity() / sizeof(ah_signal))
    return data_failure(Status::PluginError(label_ + ": on_slice: the worker returned " + std::to_string(n) + " signals"));
  out.resize(n);
  std::memcpy(out.data(), arena(), n * sizeof(ah_signal));
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
  worker::encode_series(series, arena());
  note_series(series);
  Message reply;
  MsgHeader req;
  req.a = series.n;
  req.b = out_at;
  BatchCopy copy{out, out_at, series.n};
  // The arena is the one the batch was written to: the worker replaces it only in a reply.
  const char* batch_arena = arena();
  const worker::WorkerChannel::Progress take = [&](uint64_t ready) { return copy.take(batch_arena, ready); };
  if (Status st = call(Op::kBatch, req, {}, reply, &take, series.n); !st.ok()) return st;
  const uint64_t valid = std::min<uint64_t>(reply.h.a, series.n);
  if (!copy.take(arena(), std::max(valid, copy.copied)))
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
  worker::encode_series(series, arena());
  note_series(series);
  Message reply;
  MsgHeader req;
  req.a = series.n;
  req.b = out_at;
  if (Status st = call(Op::kBatchSparse, req, {}, reply); !st.ok()) return st;
  const uint64_t count = std::min<uint64_t>(reply.h.c, series.n);
  out.resize(count);
  std::memcpy(out.data(), arena() + out_at, count * sizeof(IndexedSignal));
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
  if (reply.h.a > channel_->arena_capacity())
    return fail(Status::PluginError(label_ + ": export_state: the worker returned " + std::to_string(reply.h.a) + " bytes"));
  return std::string(arena(), reply.h.a);
}

Status WorkerInstance::import_state(std::string_view state) { return import_call(Op::kImportState, state, {}); }

Status WorkerInstance::import_state_from(std::string_view state, const std::string& from_version) {
  return import_call(Op::kImportStateFrom, state, from_version);
}

Status WorkerInstance::import_call(Op op, std::string_view state, const std::string& from_version) {
  if (failed()) return failure();
  if (Status st = reserve(state.size()); !st.ok()) return st;
  std::memcpy(arena(), state.data(), state.size());
  Message reply;
  MsgHeader req;
  req.a = state.size();
  if (Status st = call(op, req, from_version, reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  return Status::Ok();
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
  auto channel = worker::WorkerChannel::start(spawn.worker, spawn.limits);
  if (!channel.ok()) return channel.status();
  // Until the worker says, the plugin is named as the host knows it.
  auto inst = std::make_unique<WorkerInstance>(std::move(*channel),
                                               spawn.label.empty() ? spawn.manifest_file.string() : spawn.label);
  Status st = inst->create(worker_create_request(spawn));
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
