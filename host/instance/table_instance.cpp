#include "host/instance/table_instance.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "host/instance/table_create.h"

namespace algohost {

Result<std::unique_ptr<TableInstance>> TableInstance::create(const ah_strategy_api* api,
                                                             std::shared_ptr<const void> keepalive,
                                                             std::string label,
                                                             const std::string& params_json) {
  auto inst = create_through_table<ah_strategy_api, ah_instance>(api, label, params_json);
  if (!inst.ok()) return inst.status();
  std::unique_ptr<TableInstance> out(new TableInstance(api, *inst, std::move(keepalive), std::move(label)));
  return out;
}

TableInstance::TableInstance(const ah_strategy_api* api, ah_instance* inst,
                             std::shared_ptr<const void> keepalive, std::string label)
    : api_(api), inst_(inst), keepalive_(std::move(keepalive)), label_(std::move(label)) {
  const char* d = api_->describe(inst_);
  auto doc = nlohmann::json::parse(d ? d : "{}", nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    spdlog::warn("{}: describe() returned malformed JSON; no diagnostic names", label_);
    return;
  }
  if (auto it = doc.find("diagnostics"); it != doc.end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string() && diagnostics_.size() < AH_MAX_DIAGNOSTICS) diagnostics_.push_back(n.get<std::string>());
  if (auto it = doc.find("batch"); it != doc.end() && it->is_boolean()) supports_batch_ = it->get<bool>();
}

TableInstance::~TableInstance() {
  if (inst_) api_->destroy(inst_);
}

Status TableInstance::call_error(const char* call, int32_t rc) const {
  const char* e = api_->last_error(inst_);
  std::string why = (e && *e) ? std::string(e) : ("status " + std::to_string(rc));
  return call_failure(label_, call, why);
}

Status TableInstance::state_call_status(const char* call, int32_t rc) const {
  if (rc == AH_OK) return Status::Ok();
  if (rc == AH_UNSUPPORTED) {
    const char* e = api_->last_error(inst_);
    std::string msg = label_;
    msg += ": ";
    msg += call;
    msg += " is not supported";
    if (e && *e) {
      msg += ": ";
      msg += e;
    }
    return Status::Unsupported(std::move(msg));
  }
  return call_error(call, rc);
}

namespace {

// The common case in one branch-light test; check_signal() finds the reason when it fails.
inline bool signal_in_contract(const ah_signal& s, uint32_t n_symbols) {
  return static_cast<uint32_t>(s.action) <= AH_TARGET && s.symbol_index < n_symbols &&
         s.confidence >= 0.0 && s.confidence <= 1.0 && s.position_size >= 0.0 && s.position_size <= 1.0 &&
         std::fabs(s.target_position) <= 10.0 && s.stop_loss >= 0.0 && s.stop_loss < HUGE_VAL &&
         s.take_profit >= 0.0 && s.take_profit < HUGE_VAL && s.n_diag <= AH_MAX_DIAGNOSTICS &&
         (s.reason[AH_REASON_LEN - 1] == '\0' || std::memchr(s.reason, '\0', AH_REASON_LEN) != nullptr);
}

}  // namespace

Status TableInstance::check_signal(const char* call, const ah_signal& s, uint32_t n_symbols) {
  if (signal_in_contract(s, n_symbols)) [[likely]]
    return Status::Ok();
  auto bad = [&](const std::string& what) {
    return fail(Status::PluginError(label_ + ": " + call + " returned a bad signal: " + what));
  };
  if (s.action < AH_HOLD || s.action > AH_TARGET) return bad("action " + std::to_string(s.action));
  if (s.symbol_index >= n_symbols)
    return bad("symbol_index " + std::to_string(s.symbol_index) + " of " + std::to_string(n_symbols));
  if (!(s.confidence >= 0.0 && s.confidence <= 1.0)) return bad("confidence " + std::to_string(s.confidence) + " outside [0, 1]");
  if (!(s.position_size >= 0.0 && s.position_size <= 1.0)) return bad("position_size " + std::to_string(s.position_size) + " outside [0, 1]");
  if (!std::isfinite(s.target_position) || std::fabs(s.target_position) > 10.0) return bad("target_position " + std::to_string(s.target_position));
  if (!(s.stop_loss >= 0.0) || !std::isfinite(s.stop_loss)) return bad("stop_loss " + std::to_string(s.stop_loss));
  if (!(s.take_profit >= 0.0) || !std::isfinite(s.take_profit)) return bad("take_profit " + std::to_string(s.take_profit));
  if (s.n_diag > AH_MAX_DIAGNOSTICS) return bad("n_diag " + std::to_string(s.n_diag));
  if (std::memchr(s.reason, '\0', AH_REASON_LEN) == nullptr) return bad("reason is not NUL-terminated");
  return fail(Status::Internal(label_ + ": signal check disagrees with itself"));
}

Status TableInstance::on_slice(const ah_slice& slice, std::vector<ah_signal>& out) {
  out.clear();
  if (failed()) return failure();
  const uint32_t cap = 4 * slice.n_symbols + 4;
  out.resize(cap);
  uint32_t n = 0;
  int32_t rc = api_->on_slice(inst_, &slice, out.data(), cap, &n);
  if (rc != AH_OK) {
    out.clear();
    return call_failed("on_slice", rc);
  }
  if (n > cap) {
    out.clear();
    return fail(Status::PluginError(label_ + ": on_slice reported " + std::to_string(n) +
                                    " signals for a buffer of " + std::to_string(cap)));
  }
  out.resize(n);
  for (const auto& s : out) {
    Status st = check_signal("on_slice", s, slice.n_symbols);
    if (!st.ok()) {
      out.clear();
      return st;
    }
  }
  return Status::Ok();
}

Status TableInstance::on_batch(const ah_series& series, ah_signal* out, uint64_t* done) {
  uint64_t local = 0;
  uint64_t& n_done = done ? *done : local;
  n_done = 0;
  if (failed()) return failure();
  if (!supports_batch_) return Status::Unsupported(label_ + ": no batch entry (needs several symbols at once)");
  uint64_t processed = 0;
  int32_t rc = api_->on_batch(inst_, &series, out, &processed);
  if (rc == AH_UNSUPPORTED) {
    supports_batch_ = false;
    return Status::Unsupported(label_ + ": no batch entry");
  }
  const uint64_t valid = std::min<uint64_t>(processed, series.n);
  for (uint64_t i = 0; i < valid; ++i)
    if (!signal_in_contract(out[i], 1)) [[unlikely]] {
      n_done = i;
      return check_signal("on_batch", out[i], 1);
    }
  n_done = valid;
  if (rc != AH_OK) return call_failed("on_batch", rc);
  if (processed != series.n)
    return fail(Status::PluginError(label_ + ": on_batch reported " + std::to_string(processed) + " of " +
                                    std::to_string(series.n) + " bars done without an error"));
  return Status::Ok();
}

Result<std::string> TableInstance::export_state() {
  if (failed()) return failure();
  const char* data = nullptr;
  size_t len = 0;
  int32_t rc = api_->export_state(inst_, &data, &len);
  if (Status st = state_call_status("export_state", rc); !st.ok()) return st;
  if (!data && len) return Status::PluginError(label_ + ": export_state returned no data");
  return std::string(data ? data : "", len);
}

Status TableInstance::import_state(std::string_view state) {
  if (failed()) return failure();
  return state_call_status("import_state", api_->import_state(inst_, state.data(), state.size()));
}

Status TableInstance::import_state_from(std::string_view state, const std::string& from_version) {
  const bool has_entry = api_->struct_size >= AH_API_1_2_SIZE && api_->import_state_from != nullptr;
  if (!has_entry) return import_state(state);
  if (failed()) return failure();
  return state_call_status("import_state_from",
                           api_->import_state_from(inst_, state.data(), state.size(), from_version.c_str()));
}

}  // namespace algohost
