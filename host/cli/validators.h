// Option checks for the CLI whose errors read as plain words ("--limit: 0 is not a positive
// number"), where CLI11's own NonNegativeNumber/PositiveNumber print the whole range of a double.
#pragma once

#include <CLI/CLI.hpp>

namespace algohost::cli {

// A number > 0.
CLI::Validator positive_number();
// A number >= 0.
CLI::Validator non_negative_number();

}  // namespace algohost::cli
