// The one mapping from StatusCode to an HTTP status (the CLI's exit codes are its twin).
#include "host/server/http_server.h"

namespace algohost::server {

int http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kUnsupported: return 501;
    case StatusCode::kPluginError: return 422;
    case StatusCode::kIoError: return 500;
    case StatusCode::kCorruption: return 500;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

}  // namespace algohost::server
