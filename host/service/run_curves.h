// The daily equity curves a backtest records at its end (catalog table run_curves, schema 7): per
// strategy of the run (position k = its index in results.strategies) the curve its metrics were
// computed from (StrategyOutcome::equity, one point per UTC day), arm "enhanced" when an enhancer
// ran on it, else "base"; for an enhanced strategy also its shadow base arm's curve, arm "base"
// (the curve of mem.base_arm_metrics).
#pragma once

#include <string>
#include <vector>

#include "host/engine/engine.h"
#include "registry/catalog/types.h"

namespace algohost {

// shadow_of[k]: the outcome index of strategy k's base arm, or -1 when k ran without an enhancer.
// strategy_ids[k]: its catalog id ("" when none).
std::vector<catalog::RunCurve> run_curves_of(const EngineResult& result, size_t strategies, const std::vector<int>& shadow_of,
                                             const std::vector<std::string>& strategy_ids, double starting_capital);

}  // namespace algohost
