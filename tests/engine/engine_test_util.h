// Helpers shared by the engine tests: a validated test manifest and an in-process instance of an
// SDK strategy class (its C function table, no library).
#pragma once

#include <memory>
#include <string>

#include <algohost/strategy.hpp>
#include <gtest/gtest.h>

#include "host/instance/table_instance.h"
#include "registry/manifest/manifest.h"

namespace algohost::enginetest {

// A cpp strategy manifest named `name` needing `symbols` at once; `requirements` adds to its
// requirements (min_data_points, short_selling, ...).
inline Manifest test_manifest(const std::string& name, long long symbols, OrderedJson requirements = OrderedJson::object()) {
  requirements["symbols"] = symbols;
  OrderedJson doc = {
      {"name", name},
      {"display_name", name},
      {"version", "1.0.0"},
      {"implementation", {{"language", "cpp"}, {"library", "lib" + name + ".so"}, {"sdk_api_version", "1.0"}}},
      {"requirements", requirements},
  };
  auto r = validate_manifest(doc, "/plugins/" + name + "/manifest.json");
  EXPECT_TRUE(r.ok()) << r.error_summary();
  return r.ok() ? *r.manifest : Manifest{};
}

// An instance of strategy class S (through its C function table) with parameters JSON `params`.
template <class S>
std::unique_ptr<StrategyInstance> table_instance(const char* name, const std::string& params) {
  auto inst = TableInstance::create(sdk::api_for<S>(name), nullptr, std::string(name) + "@test", params);
  EXPECT_TRUE(inst.ok()) << inst.status().message();
  return inst.ok() ? std::unique_ptr<StrategyInstance>(std::move(*inst)) : nullptr;
}

}  // namespace algohost::enginetest
