// TableEnhancer — an EnhancerInstance over a C function table (ah_enhancer_api).
//
// Used for native enhancer plugins (the table comes from a loaded library, kept alive by
// `keepalive`) and for in-process tables in tests (algohost::sdk::enhancer_api_for<T>). A call
// that returns anything but AH_OK becomes a PluginError naming the enhancer, the call and
// last_error(); the instance stays usable (the stage counts failures). export_state and
// import_state may be absent from the table: the enhancer then keeps no state.
#pragma once

#include <memory>
#include <string>

#include "host/instance/enhancer_instance.h"

namespace algohost {

class TableEnhancer final : public EnhancerInstance {
 public:
  // Creates an instance from `params_json`. Errors: PluginError with create()'s message.
  static Result<std::unique_ptr<TableEnhancer>> create(const ah_enhancer_api* api, std::shared_ptr<const void> keepalive,
                                                       std::string label, const std::string& params_json);
  ~TableEnhancer() override;

  const std::string& label() const override { return label_; }
  Status enhance(const ah_enhance_input& in, ah_enhance_output& out) override;
  Status learn(const ah_trade_outcome& outcome) override;
  Result<std::string> export_state() override;
  Status import_state(std::string_view state) override;

 private:
  TableEnhancer(const ah_enhancer_api* api, ah_enhancer* inst, std::shared_ptr<const void> keepalive, std::string label)
      : api_(api), inst_(inst), keepalive_(std::move(keepalive)), label_(std::move(label)) {}
  Status call_failed(const char* call, int32_t rc) const;
  // export_state and import_state are optional: both or neither (checked at load).
  bool has_state_calls() const { return api_->export_state && api_->import_state; }

  const ah_enhancer_api* api_;
  ah_enhancer* inst_;
  std::shared_ptr<const void> keepalive_;  // declared after inst_: destroyed after destroy()
  std::string label_;
};

}  // namespace algohost
