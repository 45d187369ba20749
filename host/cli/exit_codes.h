// Process exit codes of the algohost CLI, mapped from StatusCode in one place (exit_code_for).
// Every code the program can return is one of the constants below; kExitCodesHelp lists them for
// `algohost --help`, and README.md's list says the same.
#pragma once

#include "registry/common/status.h"

namespace algohost::cli {

constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;      // the command ran but found problems (e.g. an invalid plugin in a listing)
constexpr int kExitUsage = 2;         // bad usage or input (InvalidArgument, and every command-line parse error)
constexpr int kExitNotFound = 3;      // unknown strategy, version, run or file (NotFound)
constexpr int kExitRefused = 4;       // refused: ABI version, checksum, schema too new (FailedPrecondition)
constexpr int kExitPluginFailed = 5;  // a plugin failed (PluginError; a run in which a strategy failed)
constexpr int kExitConflict = 6;      // conflict: a published version with another hash (AlreadyExists)
constexpr int kExitUnsupported = 7;   // unsupported (Unsupported)
constexpr int kExitIo = 8;            // I/O or a damaged file: cannot read or write a file, catalog read-only (IoError, Corruption)
constexpr int kExitInternal = 70;     // internal error: a bug on our side (Internal, an unexpected exception)
constexpr int kExitInterrupted = 130; // interrupted by Ctrl-C (128 + SIGINT); what was done so far is recorded
constexpr int kExitTerminated = 143;  // ended by SIGTERM (128 + SIGTERM); what was done so far is recorded

// The footer of `algohost --help`: every exit code above, one line each.
extern const char* const kExitCodesHelp;

int exit_code_for(StatusCode code);

// Prints "error: <message>" to stderr and returns exit_code_for(status.code()).
int report_error(const Status& status);

}  // namespace algohost::cli
