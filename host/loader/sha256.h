// SHA-256 of a file or of bytes in memory, as lower-case hex, through OpenSSL's EVP interface.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "registry/common/status.h"

namespace algohost {

// NotFound when the file cannot be opened; IoError on a read error.
Result<std::string> sha256_file(const std::filesystem::path& file);
// Internal when OpenSSL cannot hash.
Result<std::string> sha256_bytes(std::string_view bytes);

}  // namespace algohost
