// SHA-256 of a file, as lower-case hex, through OpenSSL's EVP interface.
#pragma once

#include <filesystem>
#include <string>

#include "registry/common/status.h"

namespace algohost {

// NotFound when the file cannot be opened; IoError on a read error.
Result<std::string> sha256_file(const std::filesystem::path& file);

}  // namespace algohost
