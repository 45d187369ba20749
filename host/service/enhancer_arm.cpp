#include "host/service/enhancer_arm.h"

#include <fstream>
#include <sstream>

#include "host/data/timestamp.h"
#include "registry/catalog/file_mirror.h"

namespace algohost {

namespace {

// The JSON document at `file`; nullopt when there is none.
Result<std::optional<nlohmann::json>> read_json_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<nlohmann::json>();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Status::IoError(file.string() + ": cannot read");
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(file.string() + ": not valid JSON");
  return std::optional<nlohmann::json>(std::move(j));
}

}  // namespace

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

std::filesystem::path enhancer_state_path(const std::filesystem::path& data_dir, const std::string& strategy_id,
                                          const std::string& enhancer_name) {
  return data_dir / "enhancer_state" / (strategy_id + "." + enhancer_name + ".json");
}

Result<RestoredState> restore_enhancer_state(mem::PluginEnhancerStage& stage, const std::filesystem::path& file,
                                             int64_t split_ms) {
  RestoredState r;
  auto saved = read_json_file(file);
  if (!saved.ok()) return saved.status();
  if (!*saved) return r;
  const nlohmann::json& j = **saved;
  if (j.value("format", std::string()) != "algohost-enhancer-state/1" || !j.contains("state") ||
      !j["state"].is_string() || !j.contains("last_learned_exit_ms") || !j["last_learned_exit_ms"].is_number_integer())
    return Status::InvalidArgument(file.string() + ": not an algohost-enhancer-state/1 file");
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

Result<bool> save_enhancer_state(mem::PluginEnhancerStage& stage, const std::filesystem::path& file) {
  auto state = stage.plugin().export_state();
  if (!state.ok()) return state.status();
  if (state->empty()) return false;
  nlohmann::json j{{"format", "algohost-enhancer-state/1"},
                   {"enhancer", stage.label()},
                   {"last_learned_exit_ms", stage.last_learned_exit_ms()},
                   {"state", *state}};
  Status st = catalog::write_file_atomically(file, j.dump(1));
  if (!st.ok()) return st;
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
