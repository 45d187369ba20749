// The bearer token: the file it lives in (created 0600 with random bytes, refused when others
// can read it) and the constant-time check.
#include "host/server/token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "host/server/http_server.h"

namespace algohost::server {
namespace fs = std::filesystem;
namespace {

constexpr size_t kTokenBytes = 32;

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::string hex(const unsigned char* bytes, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status io_error(const fs::path& file, const std::string& what) {
  return Status::IoError("token file " + file.string() + ": " + what + ": " + std::strerror(errno));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<std::string> read_token(const fs::path& file, int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error(file, "stat");
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition("token file " + file.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    return Status::FailedPrecondition("token file " + file.string() + " has mode " + mode_text(st.st_mode) +
                                      ": group or others can read it; `chmod 600 " + file.string() +
                                      "` (or delete it to make a new token)");
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(file, "read");
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 4096) return Status::FailedPrecondition("token file " + file.string() + " is over 4 KiB: not a token");
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) return Status::FailedPrecondition("token file " + file.string() + " is empty; delete it to make a new token");
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return Status::FailedPrecondition("token file " + file.string() + ": the token has a space or control character");
  return text;
}

Result<std::string> create_token(const fs::path& file, int fd) {
  if (::fchmod(fd, 0600) != 0) return io_error(file, "chmod 600");
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Status::Internal("token file " + file.string() + ": RAND_bytes failed");
  const std::string token = hex(bytes, sizeof bytes);
  const std::string text = token + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(file, "write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return io_error(file, "fsync");
  return token;
}

}  // namespace

Result<std::string> load_or_create_token(const fs::path& file) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Fd in{::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (in.fd >= 0) return read_token(file, in.fd);
    if (errno != ENOENT) return io_error(file, "open");
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    if (ec) return Status::IoError("token file " + file.string() + ": cannot create its folder: " + ec.message());
    Fd out{::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
    if (out.fd < 0) {
      if (errno == EEXIST) continue;  // another process made it first: read theirs
      return io_error(file, "create");
    }
    auto token = create_token(file, out.fd);
    if (!token.ok()) ::unlink(file.c_str());
    return token;
  }
  return Status::IoError("token file " + file.string() + ": appeared and vanished while being created");
}

std::string token_caller(std::string_view token) {
  const auto digest = sha256(token);
  return "token:" + hex(digest.data(), 4);
}

TokenCheck::TokenCheck(std::string_view token) : required_(!token.empty()) {
  if (required_) digest_ = sha256(token);
}

bool TokenCheck::matches(std::string_view presented) const {
  const auto digest = sha256(presented);
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace algohost::server
