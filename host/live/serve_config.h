// ServeConfig — the config file of `algohost serve` (docs/serve.md; example in examples/serve/).
//
// JSON. Every error names the file and the JSON path of the field and what was expected
// ("serve.json: strategies[1].symbols[0]: 'XYZ' is not a symbol of the feed (it has: AAA, BBB)"),
// and unknown keys are errors (a misspelt key must not be silently ignored). Example:
//
//   {
//     "feed": {"type": "replay", "data": "../data/sample.csv", "rate": 0},     // rate: bars/s, 0 = as fast as possible
//     //  or {"type": "replay", "synthetic": "symbols=4,bars=2520,seed=7", "rate": 50000, "loop": false}
//     //  or {"type": "push", "symbols": ["AAA", "BBB"]}                        // bars only from clients
//     "listen": "127.0.0.1:0",                  // control API (and HTTP POST bars); --listen overrides
//     "bars_listen": "127.0.0.1:0",             // line-delimited JSON bars over TCP; null = off
//     "strategies": [
//       {"instance": "macd-main", "strategy": "macd", "version": "1.0.0", "symbols": ["AAA"],
//        "parameters": {"fast": 10}, "enhancer": "mem", "on_failure": "rollback", "watch": false,
//        "probation_slices": 3, "isolation": "inproc"}
//     ],
//     "capital": 100000, "slippage_bps": 0, "commission": 0, "commission_bps": 0
//   }
//
// Paths are relative to the config file's folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/common/status.h"

namespace algohost::live {

struct FeedConfig {
  std::string type;  // replay | push
  std::optional<std::filesystem::path> data;  // replay: CSV file or folder (absolute after parsing)
  std::optional<std::string> synthetic;       // replay: synthetic spec
  double rate = 0;                            // replay: bars per second in all; 0 = as fast as possible
  bool loop = false;                          // replay: start again at the end (timestamps shifted forward)
  std::vector<std::string> symbols;           // push: the symbols clients may send
};

struct InstanceConfig {
  std::string instance;  // the instance's name (unique); default: the strategy's name
  std::string strategy;  // strategy name
  std::optional<std::string> version;  // default: the newest installed
  std::vector<std::string> symbols;    // default: every symbol of the feed
  std::map<std::string, std::string> parameters;  // NAME -> VALUE as text (as --param)
  std::optional<std::string> enhancer;  // "mem", an enhancer plugin, or absent = per manifest
  std::string on_failure = "rollback";  // rollback | restart | stop
  bool watch = false;                   // swap to new versions found by serve --watch
  int probation_slices = 3;
  // inproc | process; "" = the manifest's runtime.isolation, else a worker process for a plugin
  // from outside the built-in folder and the host's process for a built-in one (docs/serve.md).
  std::string isolation;
};

struct ServeConfig {
  std::filesystem::path file;  // where it was read from
  FeedConfig feed;
  std::string listen = "127.0.0.1:0";
  std::optional<std::string> bars_listen;
  std::vector<InstanceConfig> strategies;
  double capital = 100'000, slippage_bps = 0, commission = 0, commission_bps = 0;
};

// Parses and checks a config (structure, types, unknown keys, duplicate instance names, a rate
// below 0); InvalidArgument naming the file and the field. Strategy names, versions and symbols
// are checked later against what is installed and what the feed has.
Result<ServeConfig> parse_serve_config(const nlohmann::json& j, const std::filesystem::path& file);
Result<ServeConfig> load_serve_config(const std::filesystem::path& file);

// "HOST:PORT" -> (host, port); InvalidArgument naming `what` otherwise.
Result<std::pair<std::string, uint16_t>> parse_endpoint(const std::string& text, const std::string& what);

}  // namespace algohost::live
