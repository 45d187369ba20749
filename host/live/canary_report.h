// The comparison of a canary with the version it runs beside (docs/hot-swap.md, "Canary"): what
// `GET /api/v1/instances`, `ctl status` and the promote / drop-canary audit rows show.
//
// Over the canary's window (EngineCore::canary(): both arms' daily equity from the canary's start,
// anchored at the equity each started with), with mem::compare_curves (the MEM verdict's own
// test, docs/mem.md "The verdict"), running = base and canary = enhanced:
//   running, canary   registry/metrics over the window: total return, Sharpe, Sortino, max
//                     drawdown, trades, win rate, exposure, ... (trades entered in the window)
//   verdict           the Newey-West HAC t of the mean daily log-return difference (canary -
//                     running): "canary better" / "canary worse" when significant (at least 20
//                     days and |t| >= 2), else "within noise"
//   sharpe            both arms' Sharpe, the difference and its 95% interval (HAC delta method)
//   mem               per arm, when the instance runs MEM (the canary then runs a copy of the
//                     instance's MEM taken when it started, learning from its own trades): the
//                     MEM-judged entries among the window's closed trades, their mean confidence
//                     boost, and the win rates of those MEM raised and lowered — whether MEM's
//                     reading of that version's entries held; null otherwise
// A pure function of its inputs, run on the engine thread (the view points into the core).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "host/engine/engine_core.h"

namespace algohost::live {

nlohmann::json canary_comparison(const CanaryView& view, const std::string& running_label,
                                         int periods_per_year, double risk_free_rate, bool mem_enabled);

}  // namespace algohost::live
