// A RunService over the built-in plugins and a fresh catalog in a temp folder, for MEM tests that
// go through `algohost run`'s own wiring.
#pragma once

#include "host/service/run_service.h"
#include "tests/support/test_support.h"

namespace algohost::memtest {

struct RunEnv {
  testing::TempDir dir;
  PluginService plugins{[] {
    PluginServiceOptions o;
    o.builtin_dirs = {ALGOHOST_BUILTIN_PLUGIN_DIR};
    return o;
  }()};
  CatalogService catalog{plugins, CatalogLocation{dir / "catalog.db", dir.path()}, "test"};
  RunService runs{plugins, catalog};
  catalog::Catalog& cat() { return **catalog.catalog(); }
};

}  // namespace algohost::memtest
