#include "host/instance/table_enhancer.h"

#include "host/instance/table_create.h"

namespace algohost {

Result<std::unique_ptr<TableEnhancer>> TableEnhancer::create(const ah_enhancer_api* api,
                                                             std::shared_ptr<const void> keepalive, std::string label,
                                                             const std::string& params_json) {
  auto inst = create_through_table<ah_enhancer_api, ah_enhancer>(api, label, params_json);
  if (!inst.ok()) return inst.status();
  return std::unique_ptr<TableEnhancer>(new TableEnhancer(api, *inst, std::move(keepalive), std::move(label)));
}

TableEnhancer::~TableEnhancer() {
  if (inst_) api_->destroy(inst_);
}

Status TableEnhancer::call_failed(const char* call, int32_t rc) const {
  const char* e = api_->last_error(inst_);
  return call_failure(label_, call, (e && *e) ? std::string(e) : "status " + std::to_string(rc));
}

Status TableEnhancer::enhance(const ah_enhance_input& in, ah_enhance_output& out) {
  const int32_t rc = api_->enhance(inst_, &in, &out);
  return rc == AH_OK ? Status::Ok() : call_failed("enhance", rc);
}

Status TableEnhancer::learn(const ah_trade_outcome& outcome) {
  const int32_t rc = api_->learn(inst_, &outcome);
  return rc == AH_OK ? Status::Ok() : call_failed("learn", rc);
}

Result<std::string> TableEnhancer::export_state() {
  if (!has_state_calls()) return std::string();
  const char* data = nullptr;
  size_t len = 0;
  const int32_t rc = api_->export_state(inst_, &data, &len);
  if (rc != AH_OK) return call_failed("export_state", rc);
  if (!data && len) return Status::PluginError(label_ + ": export_state returned no data");
  return std::string(data ? data : "", len);
}

Status TableEnhancer::import_state(std::string_view state) {
  if (!has_state_calls()) return Status::Ok();
  const int32_t rc = api_->import_state(inst_, state.data(), state.size());
  return rc == AH_OK ? Status::Ok() : call_failed("import_state", rc);
}

}  // namespace algohost
