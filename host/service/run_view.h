// A recorded run as the dashboard and the report show it (docs/api.md, "Runs"); the control API's
// /api/v1/runs routes and `algohost report` print these shapes.
//   run_summary_json: {run_id, kind, status, started_at, finished_at, strategies: ["rsi@1.0.0", ...],
//                      data, mem (an enhancer ran on a strategy), trades_recorded (null when unknown)}
//   run_detail_json:  {run_id, kind, status, started_at, finished_at, engine_version, data, config,
//                      error, results (the run's results as stored: `run --json`'s body), curves:
//                      [{strategy, strategy_id, arm, starting_capital, equity: [[t_ms, equity]...],
//                      drawdown: [[t_ms, dd]...], monthly_returns: [{year, month, return}]}]}
//                      curves are [] for a run recorded before schema 7. Unknown run: NotFound.
//   run_trades_json:  every trade of the run (TradeRecord JSON, exit order), for the report.
#pragma once

#include <string>

#include "registry/catalog/catalog.h"

namespace algohost {

catalog::Json run_summary_json(const catalog::RunRecord& run);

// One curve with its drawdown and monthly returns (registry/metrics/curves.h).
catalog::Json run_curve_json(const catalog::RunCurve& curve);

Result<catalog::Json> run_detail_json(catalog::Catalog& c, const std::string& run_id);

Result<catalog::Json> run_trades_json(catalog::Catalog& c, const std::string& run_id);

}  // namespace algohost
