// create() through a plugin's C function table, shared by the strategy and enhancer tables: the
// plugin writes its message into a host buffer; a failure (or a null handle) is a PluginError
// naming the plugin and create()'s message, and a half-made handle is destroyed.
#pragma once

#include <string>

#include "host/instance/call_failure.h"
#include "registry/common/status.h"

namespace algohost {

template <class Api, class Handle>
Result<Handle*> create_through_table(const Api* api, const std::string& label, const std::string& params_json) {
  char err[1024] = {0};
  Handle* inst = nullptr;
  const int32_t rc = api->create(params_json.c_str(), &inst, err, sizeof err);
  err[sizeof err - 1] = '\0';
  if (rc == 0 && inst != nullptr) return inst;
  if (inst) api->destroy(inst);
  std::string why = err[0] ? std::string(err) : "create returned status " + std::to_string(rc);
  return call_failure(label, "create", why);
}

}  // namespace algohost
