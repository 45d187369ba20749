// Semantic versions (semver.org 2.0): parse "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]" and order
// them by semver precedence (build metadata ignored; a pre-release sorts before its release).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace algohost {

struct SemVer {
  unsigned long major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
  std::string build;

  // nullopt when `text` is not a semantic version.
  static std::optional<SemVer> parse(std::string_view text);
  std::string to_string() const;
};

// <0, 0, >0 as a precedes, equals or follows b.
int compare(const SemVer& a, const SemVer& b);
inline bool operator<(const SemVer& a, const SemVer& b) { return compare(a, b) < 0; }
inline bool operator==(const SemVer& a, const SemVer& b) { return compare(a, b) == 0; }

}  // namespace algohost
