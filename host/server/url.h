// Request targets: "/path?query" split, percent-decoded and checked (server-internal).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry/common/status.h"

namespace algohost::server {

struct Target {
  std::string path;                          // as sent, without the query
  std::map<std::string, std::string> query;  // decoded ('+' is a space); a repeated key's values joined by ','
};

// InvalidArgument naming the fault: not origin-form ("/..."), a bad %-escape, a control character.
Result<Target> parse_target(std::string_view target);

// The path's segments, each percent-decoded; empty segments (from "//" or a trailing '/') are
// dropped. InvalidArgument on a bad %-escape.
Result<std::vector<std::string>> split_path(std::string_view path);

// "%41+b" -> "A b" (plus_is_space) ; InvalidArgument on a truncated or non-hex escape.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace algohost::server
