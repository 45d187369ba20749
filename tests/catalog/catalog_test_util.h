// Helpers shared by the catalog tests.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "registry/catalog/catalog.h"
#include "tests/support/test_support.h"

namespace algohost::catalog::testutil {

// The first column of the first row of `sql` (a count, usually), read on the catalog's connection.
inline int64_t scalar(Catalog& c, const std::string& sql) {
  auto st = algohost::testing::must(c.database().prepare(sql), sql);
  if (!st->step()) throw std::runtime_error("no row: " + sql + " " + st->status().to_string());
  return st->int64(0);
}

// Registers a cpp strategy called `name` (display name the same) and returns its id.
inline std::string register_named(Catalog& c, const std::string& name) {
  Registration r;
  r.name = name;
  r.display_name = name;
  r.language = "cpp";
  return algohost::testing::must(c.register_strategy(r), name);
}

}  // namespace algohost::catalog::testutil
