#include "host/mem/adapt.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace algohost::mem {
namespace {

bool contains_any(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s.find(w) != std::string::npos) return true;
  return false;
}

}  // namespace

bool RiskAdapter::is_risk(const std::string& n) {
  return contains_any(n, {"stop", "risk", "size", "position", "allocation", "leverage", "exposure"});
}
bool RiskAdapter::is_sizing(const std::string& n) { return contains_any(n, {"size", "position", "allocation", "leverage"}); }

std::vector<ParamChange> RiskAdapter::after_outcome(int64_t exit_ms, bool win) {
  std::vector<ParamChange> out;
  constexpr int64_t k30Days = 30LL * 86'400'000;
  window_.push_back({exit_ms, win});
  while (!window_.empty() && window_.front().first <= exit_ms - k30Days) window_.pop_front();
  ++since_change_;
  if (static_cast<int>(window_.size()) < min_trades || since_change_ < cooldown) return out;
  int64_t wins = 0;
  for (const auto& w : window_) wins += w.second;
  const double wr = static_cast<double>(wins) / static_cast<double>(window_.size());
  const bool reduce = wr < 0.45, increase = wr > 0.70;
  if (!reduce && !increase) return out;
  char why[160];
  std::snprintf(why, sizeof why, "win rate %.2f over the last 30 days (%zu trades) %s", wr, window_.size(),
                reduce ? "< 0.45: risk reduced x0.8" : "> 0.70: sizing increased x1.2");
  for (const auto& p : m_.parameters) {
    if (p.type != ParamType::kFloat && p.type != ParamType::kInteger) continue;
    if (reduce ? !is_risk(p.name) : !is_sizing(p.name)) continue;
    const nlohmann::json before = current_.contains(p.name) ? current_[p.name] : nlohmann::json(p.default_value);
    if (!before.is_number()) continue;
    double v = before.get<double>() * (reduce ? 0.8 : 1.2);
    if (p.min) v = std::max(v, *p.min);
    if (p.max) v = std::min(v, *p.max);
    nlohmann::json after = p.type == ParamType::kInteger ? nlohmann::json(static_cast<int64_t>(std::llround(v))) : nlohmann::json(v);
    if (p.type == ParamType::kInteger && p.min && after.get<double>() < *p.min) after = static_cast<int64_t>(std::ceil(*p.min));
    if (p.type == ParamType::kInteger && p.max && after.get<double>() > *p.max) after = static_cast<int64_t>(std::floor(*p.max));
    if (after == before || after.get<double>() == before.get<double>()) continue;
    nlohmann::json proposed = current_;
    proposed[p.name] = after;
    if (!check_parameter_set(m_, OrderedJson::parse(proposed.dump())).ok()) continue;  // range or constraint
    current_[p.name] = after;
    out.push_back({p.name, before, after, why, exit_ms});
  }
  if (!out.empty()) since_change_ = 0;
  return out;
}

}  // namespace algohost::mem
