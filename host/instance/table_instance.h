// TableInstance — a StrategyInstance over a C function table (ah_strategy_api).
//
// Used for native plugins (the table comes from a loaded library, kept alive by `keepalive`) and
// for in-process tables in tests (algohost::sdk::api_for<T>). Every value a plugin returns is
// checked before the host uses it: status codes, signal counts, actions, symbol indexes,
// confidences and sizes. A bad value fails the instance with a message naming the strategy and
// the call; it never reaches the engine.
//
// State (hot swap): export_state, import_state and import_state_from map AH_UNSUPPORTED to
// Status::Unsupported and AH_ERROR to PluginError; neither fails the instance (a swap that cannot
// hand state over warms the new instance up instead, and the old one keeps running).
// import_state_from uses the API 1.2 entry when the descriptor has it (struct_size and a non-null
// pointer), else import_state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/instance/strategy_instance.h"

namespace algohost {

class TableInstance final : public StrategyInstance {
 public:
  // Creates an instance from `params_json`. `keepalive` owns whatever must outlive the instance
  // (the library the table lives in). Errors: PluginError with create()'s message.
  static Result<std::unique_ptr<TableInstance>> create(const ah_strategy_api* api,
                                                       std::shared_ptr<const void> keepalive,
                                                       std::string label,
                                                       const std::string& params_json);
  ~TableInstance() override;

  const std::string& label() const override { return label_; }
  const std::vector<std::string>& diagnostics() const override { return diagnostics_; }
  bool supports_batch() const override { return supports_batch_; }
  bool prefetchable() const override { return true; }
  Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) override;
  Status on_batch(const ah_series& series, ah_signal* out, uint64_t* done = nullptr) override;
  Result<std::string> export_state() override;
  Status import_state(std::string_view state) override;
  Status import_state_from(std::string_view state, const std::string& from_version) override;

 private:
  TableInstance(const ah_strategy_api* api, ah_instance* inst, std::shared_ptr<const void> keepalive,
                std::string label);
  // The PluginError of a call that returned `rc` (with last_error()); call_failed also fails the
  // instance.
  Status call_error(const char* call, int32_t rc) const;
  Status call_failed(const char* call, int32_t rc) { return fail(call_error(call, rc)); }
  // A state call's status: Ok, Unsupported or PluginError; never fails the instance.
  Status state_call_status(const char* call, int32_t rc) const;
  Status check_signal(const char* call, const ah_signal& s, uint32_t n_symbols);

  const ah_strategy_api* api_;
  ah_instance* inst_;
  std::shared_ptr<const void> keepalive_;  // declared after inst_: destroyed after destroy()
  std::string label_;
  std::vector<std::string> diagnostics_;
  bool supports_batch_ = true;
};

}  // namespace algohost
