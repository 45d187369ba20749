#include "host/cli/exit_codes.h"

#include <cstdio>

namespace algohost::cli {

const char* const kExitCodesHelp =
    "Exit codes:\n"
    "  0    ok\n"
    "  1    the command ran but found problems (e.g. an invalid plugin in a listing)\n"
    "  2    bad usage or input (also an invalid manifest asked for by name, a malformed search)\n"
    "  3    not found (strategy, version, run, file)\n"
    "  4    refused (ABI version, checksum, a changed artifact under a published version, catalog schema too new)\n"
    "  5    a plugin failed (in a run: a strategy failed; the others finished)\n"
    "  6    conflict (a published version with another artifact)\n"
    "  7    unsupported\n"
    "  8    I/O: a file cannot be read or written (a read-only catalog, an export path), or is damaged\n"
    "  70   internal error (a bug: please report it)\n"
    "  130  interrupted by Ctrl-C; what was done so far is recorded\n"
    "  143  ended by SIGTERM (within 2 s, even inside a plugin call); what was done so far is recorded\n";

int exit_code_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kFailedPrecondition: return kExitRefused;
    case StatusCode::kPluginError: return kExitPluginFailed;
    case StatusCode::kAlreadyExists: return kExitConflict;
    case StatusCode::kUnsupported: return kExitUnsupported;
    case StatusCode::kIoError:
    case StatusCode::kCorruption: return kExitIo;
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int report_error(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return exit_code_for(status.code());
}

}  // namespace algohost::cli
