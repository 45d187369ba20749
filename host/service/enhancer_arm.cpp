#include "host/service/enhancer_arm.h"

#include "host/data/timestamp.h"

namespace algohost {

Result<EnhancerChoice> choose_enhancer(PluginService& plugins, const Manifest& strategy,
                                       const std::optional<std::string>& run_choice) {
  EnhancerChoice c;
  std::string spec;
  if (run_choice) {
    c.from = "--enhancer";
    spec = *run_choice;
  } else if (!strategy.mem_enhancer.empty()) {
    c.from = "mem_integration.enhancer";
    spec = strategy.mem_enhancer;
  } else {
    c.from = "default";
    return c;
  }
  if (spec == kBuiltinEnhancer) return c;
  auto m = plugins.find_enhancer(spec);
  if (!m.ok()) {
    const std::string where =
        run_choice ? "--enhancer" : strategy.file.string() + ": mem_integration.enhancer";
    return m.status().with_context(where);
  }
  c.manifest = *m;
  return c;
}

Result<RestoredState> restore_enhancer_state(mem::PluginEnhancerStage& stage, catalog::Catalog& c,
                                             const std::string& strategy_id, const std::string& enhancer_name,
                                             int64_t split_ms) {
  RestoredState r;
  auto saved = c.enhancer_state(strategy_id, enhancer_name);
  if (!saved.ok()) return saved.status();
  if (!*saved) return r;
  const catalog::Json& j = **saved;
  if (j.value("format", std::string()) != "algohost-enhancer-state/1" || !j.contains("state") ||
      !j["state"].is_string() || !j.contains("last_learned_exit_ms") || !j["last_learned_exit_ms"].is_number_integer())
    return Status::InvalidArgument(std::string(kEnhancerStateStore) + ": the state saved for " + enhancer_name +
                                   " is not an algohost-enhancer-state/1 document");
  const std::string by = j.value("enhancer", std::string());
  r.through_ms = j["last_learned_exit_ms"].get<int64_t>();
  if (by != stage.label()) {
    r.note = "the saved state was written by " + by + ", not " + stage.label() + ": learned afresh";
    return r;
  }
  if (r.through_ms >= split_ms) {
    r.note = "the saved state had learned outcomes up to " + format_timestamp_ms(r.through_ms) +
             ", inside this run's scoring part: learned afresh so the scoring part stays out of sample";
    return r;
  }
  if (Status st = stage.plugin().import_state(j["state"].get<std::string>()); !st.ok()) {
    r.note = "the saved state was not imported (" + st.message() + "): learned afresh";
    return r;
  }
  stage.skip_through(r.through_ms);
  r.loaded = true;
  return r;
}

Result<bool> save_enhancer_state(mem::PluginEnhancerStage& stage, catalog::Catalog& c, const std::string& strategy_id,
                                 const std::string& enhancer_name) {
  auto state = stage.plugin().export_state();
  if (!state.ok()) return state.status();
  if (state->empty()) return false;
  const catalog::Json j{{"format", "algohost-enhancer-state/1"},
                        {"enhancer", stage.label()},
                        {"last_learned_exit_ms", stage.last_learned_exit_ms()},
                        {"state", *state}};
  if (Status st = c.save_enhancer_state(strategy_id, enhancer_name, j); !st.ok()) return st;
  return true;
}

nlohmann::ordered_json plugin_enhancer_json(const mem::PluginEnhancerStage& stage) {
  const auto& c = stage.counters();
  return {{"calls", c.calls},
          {"entries_judged", c.entries},
          {"changed", c.changed},
          {"vetoed", c.vetoed},
          {"learned_total", c.learned},
          {"learned_after_scoring", c.deferred},
          {"skipped", c.skipped},
          {"failed_calls", c.failures},
          {"disabled", stage.disabled()},
          {"disabled_reason", stage.disabled() ? nlohmann::ordered_json(stage.disabled_reason()) : nullptr},
          {"last_error", stage.last_error().empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(stage.last_error())}};
}

}  // namespace algohost
