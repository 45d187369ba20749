// The error of a failed plugin call, the same for every kind of plugin and language:
// PluginError "<label>: <call> failed: <why>".
#pragma once

#include <string>

#include "registry/common/status.h"

namespace algohost {

inline Status call_failure(const std::string& label, const char* call, const std::string& why) {
  std::string msg = label;  // built in steps: GCC 12 warns (-Wrestrict) on long operator+ chains
  msg += ": ";
  msg += call;
  msg += " failed: ";
  msg += why;
  return Status::PluginError(std::move(msg));
}

}  // namespace algohost
