#include "host/service/param_replay.h"

#include <cmath>
#include <cstdio>

#include "host/mem/scoring.h"

namespace algohost {

nlohmann::ordered_json ReplayVerdict::to_json() const {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
  return {{"accepted", accepted}, {"before_sharpe", opt(before_sharpe)}, {"after_sharpe", opt(after_sharpe)},
          {"improvement_pct", opt(improvement_pct)}, {"why", why}};
}

ReplayVerdict replay_parameter_change(PluginService& plugins, const ReplaySetup& rs,
                                      const std::vector<mem::ParamChange>& changes) {
  ReplayVerdict v;
  const Manifest& m = *rs.manifest;
  std::map<std::string, std::string> after = rs.overrides;
  for (const auto& ch : changes) after[ch.parameter] = ch.after.dump();
  const size_t n_instances = m.symbols == 1 ? rs.data->series.size() : 1;
  // The values used are replayed only when the run did not already backtest them (its base arm).
  const bool replay_used = rs.values_used == nullptr;
  std::vector<StrategySetup> setups(replay_used ? 2 : 1);
  for (size_t k = 0; k < setups.size(); ++k) {
    const bool proposed = k + 1 == setups.size();
    StrategySetup& s = setups[k];
    s.manifest = &m;
    s.label = m.id() + (proposed ? " [replay: proposed values]" : " [replay: values used]");
    s.broker = rs.broker;
    for (size_t i = 0; i < n_instances; ++i) {
      auto inst = plugins.instantiate(m, proposed ? after : rs.overrides);
      if (!inst.ok()) {
        v.why = (proposed ? "the trial instance with the proposed values could not be created: "
                          : "the replay with the values used could not start: ") +
                inst.status().message();
        return v;
      }
      s.instances.push_back(std::move(*inst));
    }
  }
  EngineOptions eo = rs.engine;
  eo.progress = nullptr;
  eo.stop = nullptr;
  const EngineResult res = run_engine(*rs.data, setups, eo);
  for (const auto& o : res.outcomes)
    if (!o.failure.ok()) {
      v.why = o.label + " failed: " + o.failure.message();
      return v;
    }
  const StrategyOutcome& used = replay_used ? res.outcomes[0] : *rs.values_used;
  // Both scored on the scoring part as MEM's two arms are.
  const mem::MemComparison cmp = mem::compare_arms(used, res.outcomes.back(), rs.split_ms, {}, mem::Standardizer(),
                                                   eo.periods_per_year, eo.risk_free_rate);
  v.before_sharpe = cmp.base.sharpe;
  v.after_sharpe = cmp.enhanced.sharpe;
  if (!v.before_sharpe || !v.after_sharpe) {
    v.why = "the scoring part's Sharpe could not be measured (too short a window, or no variance): not written";
    return v;
  }
  if (std::fabs(*v.before_sharpe) >= 1e-9) v.improvement_pct = 100.0 * (*v.after_sharpe - *v.before_sharpe) / std::fabs(*v.before_sharpe);
  v.accepted = *v.after_sharpe >= *v.before_sharpe;
  char why[200];
  std::snprintf(why, sizeof why, "scoring-part replay: Sharpe %.4f with the proposed values %s %.4f with the values used%s",
                *v.after_sharpe, v.accepted ? ">=" : "<", *v.before_sharpe, v.accepted ? "" : ": not written");
  v.why = why;
  return v;
}

}  // namespace algohost
