#include "host/service/run_curves.h"

namespace algohost {

std::vector<catalog::RunCurve> run_curves_of(const EngineResult& result, size_t strategies, const std::vector<int>& shadow_of,
                                             const std::vector<std::string>& strategy_ids, double starting_capital) {
  std::vector<catalog::RunCurve> out;
  auto curve = [&](size_t k, const StrategyOutcome& o, const char* arm) {
    catalog::RunCurve c;
    c.position = static_cast<int64_t>(k);
    c.arm = arm;
    c.strategy = result.outcomes[k].label;
    if (k < strategy_ids.size() && !strategy_ids[k].empty()) c.strategy_id = strategy_ids[k];
    c.starting_capital = starting_capital;
    c.equity.reserve(o.equity.size());
    for (const auto& p : o.equity) c.equity.emplace_back(p.ts_ms, p.equity);
    out.push_back(std::move(c));
  };
  for (size_t k = 0; k < strategies && k < result.outcomes.size(); ++k) {
    const int shadow = k < shadow_of.size() ? shadow_of[k] : -1;
    if (shadow >= 0 && static_cast<size_t>(shadow) < result.outcomes.size()) {
      curve(k, result.outcomes[k], "enhanced");
      curve(k, result.outcomes[static_cast<size_t>(shadow)], "base");
    } else {
      curve(k, result.outcomes[k], "base");
    }
  }
  return out;
}

}  // namespace algohost
