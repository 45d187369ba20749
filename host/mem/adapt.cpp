#include "host/mem/adapt.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace algohost::mem {

ParamProposal propose_parameter_changes(const Manifest& m, const OrderedJson& current, int64_t trades, int64_t wins,
                                        const ParamRule& rule) {
  ParamProposal out;
  out.trades = trades;
  out.wins = wins;
  bool any_role = false;
  for (const auto& p : m.parameters) any_role = any_role || !p.mem_role.empty();
  if (!any_role) {
    out.note = "no parameter of " + m.id() + " has a mem_role";
    return out;
  }
  if (trades < rule.min_trades) {
    out.note = std::to_string(trades) + " trades entered in the scoring part, fewer than the " +
               std::to_string(rule.min_trades) + " the rule needs";
    return out;
  }
  const double wr = static_cast<double>(wins) / static_cast<double>(trades);
  const bool reduce = wr < rule.reduce_below, increase = wr > rule.increase_above;
  char why[200];
  if (!reduce && !increase) {
    std::snprintf(why, sizeof why, "win rate %.2f over %lld scoring-part trades is within [%.2f, %.2f]: nothing to change", wr,
                  static_cast<long long>(trades), rule.reduce_below, rule.increase_above);
    out.note = why;
    return out;
  }
  OrderedJson proposed = current;
  for (const auto& p : m.parameters) {
    if (p.mem_role.empty()) continue;
    if (increase && p.mem_role == "stop_distance") continue;
    const double factor = reduce ? rule.reduce_factor : rule.increase_factor;
    std::snprintf(why, sizeof why, "win rate %.2f over %lld scoring-part trades %s %.2f: %s x%.1f", wr,
                  static_cast<long long>(trades), reduce ? "<" : ">", reduce ? rule.reduce_below : rule.increase_above,
                  p.mem_role.c_str(), factor);
    const OrderedJson before = proposed.contains(p.name) ? proposed[p.name] : p.default_value;
    if (!before.is_number()) {
      out.skipped.push_back({p.name, "its value is not a number"});
      continue;
    }
    double v = before.get<double>() * factor;
    if (p.min) v = std::max(v, *p.min);
    if (p.max) v = std::min(v, *p.max);
    OrderedJson after = p.type == ParamType::kInteger ? OrderedJson(static_cast<int64_t>(std::llround(v))) : OrderedJson(v);
    if (p.type == ParamType::kInteger && p.min && after.get<double>() < *p.min) after = static_cast<int64_t>(std::ceil(*p.min));
    if (p.type == ParamType::kInteger && p.max && after.get<double>() > *p.max) after = static_cast<int64_t>(std::floor(*p.max));
    if (after.get<double>() == before.get<double>()) {
      out.skipped.push_back({p.name, "already at its bound"});
      continue;
    }
    OrderedJson trial = proposed;
    trial[p.name] = after;
    if (Status st = check_parameter_set(m, trial); !st.ok()) {
      out.skipped.push_back({p.name, st.message()});
      continue;
    }
    proposed = std::move(trial);
    out.changes.push_back({p.name, p.mem_role, before, after, why});
  }
  if (out.changes.empty() && out.note.empty()) out.note = "no parameter could change (see skipped)";
  return out;
}

}  // namespace algohost::mem
