// The platform check on a native plugin's library, run before dlopen (DuckDB checks an
// extension's platform the same way in src/main/extension/extension_load.cpp).
//
// dlopen maps a library's segments straight from the file: a truncated file maps pages past its
// end, and the first touch of one kills the process with SIGBUS, no message. So before any
// dlopen, check_elf_library() reads the ELF header and the program header table (never the code)
// and refuses, as a Status naming the file:
//   - "not an ELF shared library": no ELF magic (a text file saved as .so), an unknown ELF class
//     or version, or an ELF file that is not a shared object (ET_DYN);
//   - "built for another machine": another ELF class (32/64-bit), byte order or e_machine than
//     this build's, naming the machine found and the one expected;
//   - "truncated library": the file ends inside the ELF header, the program header table, any
//     PT_LOAD segment's file range, or the section header table.
// All are StatusCode::kPluginError (a load failure, the same as a dlopen error). A file
// replaced between this check and dlopen is not covered (the loader never reopens a loaded path).
// Thread-safe; reads at most the headers (a few KB).
#pragma once

#include <filesystem>

#include "registry/common/status.h"

namespace algohost {

Status check_elf_library(const std::filesystem::path& file);

// This build's machine, as the messages name it ("x86-64").
const char* host_elf_machine_name();

}  // namespace algohost
