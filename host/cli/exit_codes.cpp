#include "host/cli/exit_codes.h"

#include <cstdio>

namespace algohost::cli {

int exit_code_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kNotFound: return 3;
    case StatusCode::kFailedPrecondition: return 4;
    case StatusCode::kPluginError: return 5;
    case StatusCode::kAlreadyExists: return 6;
    case StatusCode::kUnsupported: return 7;
    case StatusCode::kIoError:
    case StatusCode::kCorruption: return 8;
    case StatusCode::kInternal: return 70;
  }
  return 70;
}

int report_error(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return exit_code_for(status.code());
}

}  // namespace algohost::cli
