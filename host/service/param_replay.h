// Replay of a run's scoring part with MEM's proposed parameter values, before any is written.
//
// replay_parameter_change() backtests the strategy over the same data without MEM (pass-through
// stage), with the broker settings of the run, with the values the run used and the proposal's
// changes applied. It is compared with the strategy run with the values used: `values_used`, the
// run's own base arm when there is one (the same backtest: it is not run again), else a second
// backtest in the same engine pass. Creating the second
// set of instances is the trial instance: a value the plugin rejects fails the replay, and nothing
// is written. Both replays are scored on the scoring part only ([split, end], as MEM's arms are:
// mem::compare_arms), and the change is accepted when the replay with the new values is no worse:
// its scoring-part Sharpe is at least the old one's. A Sharpe that cannot be measured (too short a
// scoring part, no variance) rejects the change.
//   improvement_pct = 100 × (after − before) / |before|, null when |before| < 1e-9.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/engine/engine.h"
#include "host/mem/adapt.h"
#include "host/service/plugin_service.h"

namespace algohost {

struct ReplayVerdict {
  bool accepted = false;
  std::optional<double> before_sharpe, after_sharpe, improvement_pct;
  std::string why;  // why it was accepted or refused

  nlohmann::ordered_json to_json() const;
};

struct ReplaySetup {
  const MarketData* data = nullptr;
  const Manifest* manifest = nullptr;
  std::map<std::string, std::string> overrides;  // the values the run used, as --param text
  BrokerConfig broker;
  int64_t split_ms = 0;
  EngineOptions engine;  // periods per year, risk-free rate, batch; progress and stop are ignored
  // The run's own backtest with the values used, without MEM (MEM's shadow base arm); null: replayed.
  const StrategyOutcome* values_used = nullptr;
};

ReplayVerdict replay_parameter_change(PluginService& plugins, const ReplaySetup& setup,
                                      const std::vector<mem::ParamChange>& changes);

}  // namespace algohost
