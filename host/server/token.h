// The bearer token check (server-internal): the presented token against the server's, in
// constant time, and the caller name an authenticated request gets.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace algohost::server {

// "token:" + the first 8 hex digits of sha256(token).
std::string token_caller(std::string_view token);

class TokenCheck {
 public:
  explicit TokenCheck(std::string_view token);  // "" = no token required
  bool required() const { return required_; }
  // Compares sha256 digests with CRYPTO_memcmp: the time taken does not depend on where, or
  // whether, the presented token differs, nor on its length.
  bool matches(std::string_view presented) const;

 private:
  bool required_ = false;
  std::array<unsigned char, 32> digest_{};
};

}  // namespace algohost::server
