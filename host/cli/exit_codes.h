// Process exit codes of the algohost CLI, mapped from StatusCode in one place.
//   0 ok · 1 the command ran but found problems (e.g. invalid manifests) · 2 bad usage or input
//   3 not found · 4 refused (ABI, checksum, schema) · 5 plugin failure · 6 conflict
//   7 unsupported · 8 I/O or corruption · 70 internal error
#pragma once

#include "registry/common/status.h"

namespace algohost::cli {

constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;
constexpr int kExitUsage = 2;

int exit_code_for(StatusCode code);

// Prints "error: <message>" to stderr and returns exit_code_for(status.code()).
int report_error(const Status& status);

}  // namespace algohost::cli
