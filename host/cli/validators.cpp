#include "host/cli/validators.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace algohost::cli {

namespace {

// "" when `text` is a finite number accepted by `ok`, otherwise why not.
template <class Ok>
std::string check_number(const std::string& text, Ok ok, const char* wanted) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) return "'" + text + "' is not a number";
  if (!ok(v)) return text + " is not " + wanted;
  return "";
}

}  // namespace

CLI::Validator positive_number() {
  return CLI::Validator([](std::string& s) { return check_number(s, [](double v) { return v > 0; }, "a positive number"); },
                        "POSITIVE");
}

CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& s) { return check_number(s, [](double v) { return v >= 0; }, "0 or more"); }, "NONNEGATIVE");
}

}  // namespace algohost::cli
