// MEM persistence — where a strategy's MEM state and results live, all in the catalog (each write
// audited by the Catalog API):
//
//   model state   mem_models, one row per strategy: model, standardizer, memory, patterns
//                 (host/mem/mem_stage.h). Loaded at the start of the next run: a restart continues.
//                 A state saved before schema 3, as <data dir>/mem_models/{strategy_id}.json, is
//                 still read when the catalog has none (and is saved to the catalog after the run).
//   patterns      mem_learned_patterns, one row per (strategy, pattern key), upserted with counts,
//                 win rate and the first and last entry dates seen.
//   improvement   strategy_versions.mem_improvement_pct of the version that ran.
// Engine-thread-free: called by RunService after the engine has finished.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/mem/patterns.h"
#include "registry/catalog/catalog.h"

namespace algohost {

struct SavedMemState {
  nlohmann::json state;
  std::string source;  // "catalog" or the legacy file read
};
// nullopt when there is no saved state; an error when it cannot be read or parsed.
Result<std::optional<SavedMemState>> load_mem_state(catalog::Catalog& c, const std::filesystem::path& data_dir,
                                                    const std::string& strategy_id);
// `learned` outcomes, the last one closed at `last_exit_ms` (INT64_MIN: none).
Status save_mem_state(catalog::Catalog& c, const std::string& strategy_id, const nlohmann::json& state, int64_t learned,
                      int64_t last_exit_ms);

Status store_learned_patterns(catalog::Catalog& c, const std::string& strategy_id, const std::vector<mem::Pattern>& patterns);
// Learned strategies: a pattern that passed out of sample becomes a catalog strategy
// "<base>-learned-<pattern slug>" (origin learned, learned_from_strategy_id, a derived_from link
// from the base, metadata.learned = {base, pattern, items, standardizer, evidence}) with version
// 1.0.0: the base version's parameters and artifact (the code that runs), validation passed (it
// passed out of sample). Its mem_learned_patterns row points at it. Idempotent: an existing one
// is returned as is.
struct LearnedSpec {
  std::string strategy_id, name, base;  // base: "name@version"
  mem::Pattern pattern;
  mem::Standardizer standardizer;
};
// `base_artifact`: the base version's library or module (snapshotted as the learned version's code).
Result<std::string> promote_learned_strategy(catalog::Catalog& c, const std::string& base_label,
                                             const std::string& base_strategy_id, const std::string& base_artifact,
                                             const mem::Pattern& pattern, const mem::Standardizer& st,
                                             const nlohmann::json& evidence);
// The learned strategy `name_or_id` as the host runs it; NotFound when it is not a learned one.
Result<LearnedSpec> find_learned_strategy(catalog::Catalog& c, const std::string& name_or_id);

}  // namespace algohost
