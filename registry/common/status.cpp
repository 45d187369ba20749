#include "registry/common/status.h"

namespace algohost {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kPluginError: return "plugin_error";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

StatusCode status_code_from_name(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c)
    if (name == status_code_name(static_cast<StatusCode>(c))) return static_cast<StatusCode>(c);
  return StatusCode::kInternal;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

}  // namespace algohost
