// MEM persistence — where a strategy's MEM state and results live.
//
//   model state   <catalog data dir>/mem_models/{strategy_id}.json, written atomically
//                 (temporary file, fsync, rename): model, standardizer, memory, patterns
//                 (host/mem/mem_stage.h). Loaded at the start of the next run: a restart continues.
//   patterns      mem_learned_patterns, one row per (strategy, pattern key), upserted with counts,
//                 win rate and the first and last entry dates seen (SQL through the catalog's
//                 connection: the Catalog API has a reader, learned_patterns(), but no writer).
//   improvement   strategy_versions.mem_improvement_pct of the version that ran (likewise).
// Engine-thread-free: called by RunService after the engine has finished.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/mem/patterns.h"
#include "registry/catalog/catalog.h"

namespace algohost {

std::filesystem::path mem_state_path(const std::filesystem::path& data_dir, const std::string& strategy_id);
// nullopt when there is no saved state; an error when it cannot be read or parsed.
Result<std::optional<nlohmann::json>> load_mem_state(const std::filesystem::path& file);
Status save_mem_state(const std::filesystem::path& file, const nlohmann::json& state);

Status store_learned_patterns(catalog::Catalog& c, const std::string& strategy_id, const std::vector<mem::Pattern>& patterns);
// Learned strategies: a pattern that passed out of sample becomes a catalog strategy
// "<base>-learned-<pattern slug>" (origin learned, learned_from_strategy_id, a derived_from link
// from the base, metadata.learned = {base, pattern, items, standardizer, evidence}); its
// mem_learned_patterns row points at it. Idempotent: an existing one is returned as is.
struct LearnedSpec {
  std::string strategy_id, name, base;  // base: "name@version"
  mem::Pattern pattern;
  mem::Standardizer standardizer;
};
Result<std::string> promote_learned_strategy(catalog::Catalog& c, const std::string& base_label,
                                             const std::string& base_strategy_id, const mem::Pattern& pattern,
                                             const mem::Standardizer& st, const nlohmann::json& evidence);
// The learned strategy `name_or_id` as the host runs it; NotFound when it is not a learned one.
Result<LearnedSpec> find_learned_strategy(catalog::Catalog& c, const std::string& name_or_id);

Status store_mem_improvement(catalog::Catalog& c, const std::string& version_id, double improvement_pct);

}  // namespace algohost
