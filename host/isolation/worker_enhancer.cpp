#include "host/isolation/worker_enhancer.h"

#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

#include "host/data/timestamp.h"
#include "host/isolation/worker_channel.h"
#include "host/isolation/worker_protocol.h"

namespace algohost {
using worker::Message;
using worker::MsgHeader;
using worker::Op;
using worker::WorkerChannel;

namespace {

Status status_from(int32_t code, std::string text) {
  if (code <= 0 || code > static_cast<int32_t>(StatusCode::kInternal)) return Status::Internal(std::move(text));
  return Status(static_cast<StatusCode>(code), std::move(text));
}

class WorkerEnhancer final : public EnhancerInstance {
 public:
  WorkerEnhancer(std::unique_ptr<WorkerChannel> channel, std::string label)
      : channel_(std::move(channel)), label_(std::move(label)) {}

  // Sends kEnhancerCreate and reads the label back. Errors as in process, or the worker's death.
  Status create(const nlohmann::json& request);
  pid_t pid() const { return channel_->pid(); }

  const std::string& label() const override { return label_; }
  Status enhance(const ah_enhance_input& in, ah_enhance_output& out) override;
  Status learn(const ah_trade_outcome& outcome) override;
  Result<std::string> export_state() override;
  Status import_state(std::string_view state) override;

 private:
  // One request and its reply; not OK when the worker died or timed out (the instance is then
  // dead for good) or was dead already. `where`: " at bar ..." and the like, for the message.
  Status call(Op op, MsgHeader req, std::string_view text, const std::string& where, Message& reply);

  std::unique_ptr<WorkerChannel> channel_;
  std::string label_;
  std::optional<Status> dead_;  // the death of the worker, returned by every later call
};

Status WorkerEnhancer::call(Op op, MsgHeader req, std::string_view text, const std::string& where, Message& reply) {
  if (dead_) return *dead_;
  const WorkerChannel::Ended ended = channel_->call(op, req, text, reply);
  if (ended.outcome == WorkerChannel::Outcome::kReply) return Status::Ok();
  const std::string worker_text = "worker " + std::to_string(channel_->pid());
  const std::string call_name = worker::op_name(op);
  if (ended.outcome == WorkerChannel::Outcome::kTimedOut)
    dead_ = Status::PluginError(label_ + ": " + call_name + " exceeded the time limit of " +
                                std::to_string(channel_->limits().call_timeout_ms) + " ms" + where + "; " + worker_text + " " +
                                ended.how);
  else
    dead_ = Status::PluginError(label_ + ": " + worker_text + " " + ended.how + " in " + call_name + where);
  return *dead_;
}

Status WorkerEnhancer::create(const nlohmann::json& request) {
  Message reply;
  if (Status st = call(Op::kEnhancerCreate, MsgHeader{}, request.dump(), "", reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  auto doc = nlohmann::json::parse(reply.text, nullptr, false);
  if (!doc.is_object() || !doc.contains("label") || !doc["label"].is_string())
    return Status::Internal(label_ + ": the worker's create reply is malformed");
  label_ = doc["label"].get<std::string>();
  return Status::Ok();
}

Status WorkerEnhancer::enhance(const ah_enhance_input& in, ah_enhance_output& out) {
  if (dead_) return *dead_;
  if (Status st = channel_->reserve(worker::enhance_bytes(in)); !st.ok()) return st.with_context(label_ + ": enhance");
  worker::encode_enhance(in, out, channel_->arena());
  Message reply;
  if (Status st = call(Op::kEnhance, MsgHeader{}, {}, " at bar " + format_timestamp_ms(in.ts_ms), reply); !st.ok()) return st;
  if (channel_->arena_capacity() < sizeof out)
    return Status::PluginError(label_ + ": enhance: the worker's arena cannot hold an output");
  // The plugin's output as it left it, success or not (as in process); the caller checks it.
  std::memcpy(&out, channel_->arena(), sizeof out);
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  return Status::Ok();
}

Status WorkerEnhancer::learn(const ah_trade_outcome& outcome) {
  if (dead_) return *dead_;
  if (Status st = channel_->reserve(worker::outcome_bytes(outcome)); !st.ok()) return st.with_context(label_ + ": learn");
  worker::encode_outcome(outcome, channel_->arena());
  Message reply;
  const std::string where = " of the trade closed at " + format_timestamp_ms(outcome.exit_ts_ms);
  if (Status st = call(Op::kLearn, MsgHeader{}, {}, where, reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  return Status::Ok();
}

Result<std::string> WorkerEnhancer::export_state() {
  Message reply;
  if (Status st = call(Op::kEnhancerExport, MsgHeader{}, {}, "", reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  if (reply.h.a > channel_->arena_capacity())
    return Status::PluginError(label_ + ": export_state: the worker returned " + std::to_string(reply.h.a) + " bytes");
  return std::string(channel_->arena(), reply.h.a);
}

Status WorkerEnhancer::import_state(std::string_view state) {
  if (dead_) return *dead_;
  if (Status st = channel_->reserve(state.size()); !st.ok()) return st.with_context(label_ + ": import_state");
  if (!state.empty()) std::memcpy(channel_->arena(), state.data(), state.size());
  Message reply;
  MsgHeader req;
  req.a = state.size();
  if (Status st = call(Op::kEnhancerImport, req, {}, "", reply); !st.ok()) return st;
  if (reply.h.code != 0) return status_from(reply.h.code, std::move(reply.text));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<EnhancerInstance>> spawn_worker_enhancer(const WorkerSpawn& spawn) {
  auto channel = WorkerChannel::start(spawn.worker, spawn.limits);
  if (!channel.ok()) return channel.status();
  // Until the worker says, the enhancer is named as the host knows it.
  auto inst = std::make_unique<WorkerEnhancer>(std::move(*channel), spawn.label.empty() ? spawn.manifest_file.string() : spawn.label);
  const nlohmann::json request = worker_create_request(spawn);
  if (Status st = inst->create(request); !st.ok()) return st;
  return std::unique_ptr<EnhancerInstance>(std::move(inst));
}

int worker_pid(const EnhancerInstance& inst) {
  const auto* w = dynamic_cast<const WorkerEnhancer*>(&inst);
  return w ? static_cast<int>(w->pid()) : -1;
}

}  // namespace algohost
