#include "host/server/url.h"

namespace algohost::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 'text' (built by appending: GCC 12 warns wrongly, -Wrestrict, on "'" + std::string(...)).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Status::InvalidArgument("bad percent-escape at offset " + std::to_string(i) + " of " + quoted(text));
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (static_cast<unsigned char>(decoded) < 0x20 || decoded == 0x7f)
        return Status::InvalidArgument(quoted(text) + " decodes to a control character");
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      auto segment = percent_decode(path.substr(start, end - start), false);
      if (!segment.ok()) return segment.status();
      segments.push_back(std::move(*segment));
    }
    start = end + 1;
  }
  return segments;
}

Result<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return Status::InvalidArgument("request target '" + std::string(target) + "' is not a path starting with '/'");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return Status::InvalidArgument("request target has a control character or a space");
  Target t;
  const size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (auto segments = split_path(t.path); !segments.ok()) return segments.status();
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (!key.ok()) return key.status().with_context("query");
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!value.ok()) return value.status().with_context("query parameter '" + *key + "'");
    auto [it, inserted] = t.query.emplace(std::move(*key), *value);
    if (!inserted) {
      it->second.push_back(',');
      it->second.append(*value);
    }
  }
  return t;
}

}  // namespace algohost::server
