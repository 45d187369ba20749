#include "registry/common/semver.h"

#include <charconv>

namespace algohost {
namespace {

bool parse_number(std::string_view s, unsigned long& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

bool valid_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
      return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    parts.push_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return parts;
}

}  // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  SemVer v;
  size_t plus = text.find('+');
  if (plus != std::string_view::npos) {
    v.build = std::string(text.substr(plus + 1));
    for (auto id : split(v.build, '.'))
      if (!valid_identifier(id)) return std::nullopt;
    text = text.substr(0, plus);
  }
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    for (auto id : split(text.substr(dash + 1), '.')) {
      if (!valid_identifier(id) || (all_digits(id) && id.size() > 1 && id[0] == '0')) return std::nullopt;
      v.prerelease.emplace_back(id);
    }
    text = text.substr(0, dash);
  }
  auto core = split(text, '.');
  if (core.size() != 3) return std::nullopt;
  if (!parse_number(core[0], v.major) || !parse_number(core[1], v.minor) ||
      !parse_number(core[2], v.patch))
    return std::nullopt;
  return v;
}

std::string SemVer::to_string() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  for (size_t i = 0; i < prerelease.size(); ++i) s += (i ? "." : "-") + prerelease[i];
  if (!build.empty()) s += "+" + build;
  return s;
}

int compare(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() != b.prerelease.empty()) return a.prerelease.empty() ? 1 : -1;
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    const auto &x = a.prerelease[i], &y = b.prerelease[i];
    bool nx = all_digits(x), ny = all_digits(y);
    if (nx && ny) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (nx != ny) {
      return nx ? -1 : 1;  // numeric identifiers have lower precedence
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.prerelease.size() != b.prerelease.size()) return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
  return 0;
}

}  // namespace algohost
