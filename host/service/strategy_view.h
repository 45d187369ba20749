// A strategy as the dashboard shows it (docs/api.md, "Strategies"), over the catalog:
//   strategy_parameters_json: {"version": current version, "parameters": [{"name", "value", and the
//       manifest's spec of it (type, default, min, max, step, choices, optimizable, description, as
//       the manifest writes them), "history": [{"value", "previous", "changed_by", "reason",
//       "changed_at", "before_sharpe", "after_sharpe", "improvement_pct", "version"}] newest first}],
//       "constraints": the manifest's "constraints" (or [])}
//   strategy_mem_json: {"patterns": [LearnedPattern JSON + "in_sample": {occurrences, wins, win_rate}
//       + "out_of_sample": {occurrences, wins, p_value, passes} when the newest MEM run scored it],
//       "learned_strategies": [StrategyRecord JSON of strategies learned from this one],
//       "runs": [{run_id, started_at, strategy, enhancer, verdict, statistic (hac_t), improvement_pct,
//       out_of_sample, base (scoring-part metrics), enhanced (scoring-part metrics),
//       base_arm_metrics (whole run)}] newest first (at most 50),
//       "recent_signals": [the newest 50 MEM-enhanced trades: {entry_timestamp, symbol,
//       signal_action, signal_confidence, mem_confidence_boost, mem_reasoning,
//       learned_pattern_applied, market_regime, pnl}]}
// The manifest is the one registered for the strategy (strategies.metadata_json). Unknown strategy:
// NotFound.
#pragma once

#include <string>

#include "registry/catalog/catalog.h"

namespace algohost {

Result<catalog::Json> strategy_parameters_json(catalog::Catalog& c, const std::string& name);

Result<catalog::Json> strategy_mem_json(catalog::Catalog& c, const std::string& name);

}  // namespace algohost
