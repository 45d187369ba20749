// Enhancer plugins in a run (docs/mem.md, "Enhancer plugins"): which enhancer a strategy runs
// with, the plugin stage's saved state between runs, and the plugin's part of the report.
//
//   choice   `algohost run --enhancer NAME[@VERSION]` when given, else the strategy manifest's
//            mem_integration.enhancer, else the built-in MEM stage ("mem"). An unknown or
//            unloadable choice is an error naming where it came from.
//   state    the catalog's enhancer_states row of (strategy, enhancer name), replaced whole and audited:
//            {"format": "algohost-enhancer-state/1", "enhancer": "name@version",
//             "last_learned_exit_ms": ..., "state": "<the plugin's export_state() text>"}. The next
//            run imports it under the MEM stage's rule: only when it is the same name@version and
//            everything it learned closed before that run's split (else the run learns afresh,
//            and says why). Nothing is written for a plugin that exports no state.
// Called by RunService, before and after the engine runs (not on the engine thread).
#pragma once

#include <climits>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/mem/plugin_enhancer_stage.h"
#include "host/service/plugin_service.h"
#include "registry/catalog/catalog.h"

namespace algohost {

inline constexpr const char* kBuiltinEnhancer = "mem";

struct EnhancerChoice {
  std::string from;                    // "--enhancer", "mem_integration.enhancer" or "default"
  const Manifest* manifest = nullptr;  // null: the built-in MEM stage
  std::string label() const { return manifest ? manifest->id() : kBuiltinEnhancer; }
};

// The enhancer `strategy` runs with (rules above). Errors: NotFound naming the strategy's manifest
// and field, or the --enhancer option, and the enhancers known.
Result<EnhancerChoice> choose_enhancer(PluginService& plugins, const Manifest& strategy,
                                       const std::optional<std::string>& run_choice);

struct RestoredState {
  bool loaded = false;
  int64_t through_ms = INT64_MIN;  // the latest exit the saved state had learned
  std::string note;                // why a saved state was not used ("" when none was found or it was)
};

// Where the states live: "catalog (enhancer_states)".
inline constexpr const char* kEnhancerStateStore = "catalog (enhancer_states)";

// Imports the state saved for `strategy_id` and `enhancer_name` into `stage` when the rule above
// allows it.
Result<RestoredState> restore_enhancer_state(mem::PluginEnhancerStage& stage, catalog::Catalog& c,
                                             const std::string& strategy_id, const std::string& enhancer_name,
                                             int64_t split_ms);

// Exports the plugin's state and saves it for `strategy_id`; false when the plugin keeps none
// (nothing is written).
Result<bool> save_enhancer_state(mem::PluginEnhancerStage& stage, catalog::Catalog& c, const std::string& strategy_id,
                                 const std::string& enhancer_name);

// The stage's part of a strategy's `mem` block: counters, failures, and whether it was disabled.
nlohmann::ordered_json plugin_enhancer_json(const mem::PluginEnhancerStage& stage);

}  // namespace algohost
