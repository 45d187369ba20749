#include "host/mem/skill_gate.h"

#include <cmath>
#include <cstdio>

#include "host/data/timestamp.h"

namespace algohost::mem {

SkillGate::SkillGate(SkillGateConfig cfg, Mode mode, int64_t data_from_ms, int64_t split_ms)
    : cfg_(cfg), mode_(mode), split_(split_ms) {
  active_ = data_from_ms != INT64_MIN && split_ms != INT64_MIN && split_ms > data_from_ms && cfg_.validation_fraction > 0 &&
            cfg_.validation_fraction < 1;
  if (active_)
    validate_from_ = data_from_ms + static_cast<int64_t>((1.0 - cfg_.validation_fraction) * static_cast<double>(split_ms - data_from_ms));
}

void SkillGate::start_after(int64_t ms) {
  if (active_ && ms >= validate_from_) validate_from_ = ms + 1;
}

void SkillGate::judged(uint32_t symbol, int64_t bar_ms, const Decision& full, double base_size) {
  if (symbol >= pending_.size()) pending_.resize(symbol + 1);
  pending_[symbol][bar_ms] = Judged{full, base_size};
  ++judged_;
}

void SkillGate::outcome(const ClosedTrade& t) {
  if (decided_ || t.symbol >= pending_.size()) {
    ++unmatched_;
    return;
  }
  auto& m = pending_[t.symbol];
  auto it = m.lower_bound(t.entry_ms);  // the first judgement at or after the fill
  if (it == m.begin()) {
    ++unmatched_;
    return;
  }
  --it;  // the latest judgement before the fill: the signal that queued this entry
  const Judged j = it->second;
  m.erase(m.begin(), std::next(it));
  const double scale = j.base_size > 0 ? j.d.size / j.base_size : 1.0;
  samples_.push_back(j.d.veto ? -t.pnl : t.pnl * (scale - 1.0));
}

bool SkillGate::decide() {
  if (decided_) return acts();
  decided_ = true;
  if (!active_) return true;
  const size_t n = samples_.size();
  if (n > 0) {
    double sum = 0;
    for (double x : samples_) sum += x;
    mean_ = sum / static_cast<double>(n);
    double ss = 0;
    for (double x : samples_) ss += (x - mean_) * (x - mean_);
    sd_ = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
    t_ = sd_ > 0 ? mean_ / (sd_ / std::sqrt(static_cast<double>(n))) : 0.0;
  }
  const std::string what = mode_ == Mode::kFull ? "PnL the judged actions would have added"
                                                : "PnL the full-mode actions of the same judgements would have added";
  char buf[256];
  if (static_cast<int64_t>(n) < cfg_.min_outcomes) {
    std::snprintf(buf, sizeof buf, "%zu validation outcomes, fewer than the %lld needed to show skill", n,
                  static_cast<long long>(cfg_.min_outcomes));
    act_ = false;
  } else if (t_ >= cfg_.min_t) {
    std::snprintf(buf, sizeof buf, "skill shown: t = %.2f >= %.2f over %zu validation outcomes", t_, cfg_.min_t, n);
    act_ = true;
  } else {
    std::snprintf(buf, sizeof buf, "no skill shown: t = %.2f < %.2f over %zu validation outcomes", t_, cfg_.min_t, n);
    act_ = false;
  }
  reason_ = what + ": " + buf;
  pending_.clear();
  return act_;
}

nlohmann::ordered_json SkillGate::to_json() const {
  nlohmann::ordered_json j;
  if (!active_) {
    j["decision"] = "act";
    j["reason"] = "no validation slice (the stage was not given the run's parts)";
    return j;
  }
  j["validation_from"] = format_timestamp_ms(validate_from_);
  j["validation_until_before"] = format_timestamp_ms(split_);
  j["validation_fraction"] = cfg_.validation_fraction;
  j["statistic"] = "pnl_added";
  j["entries_judged"] = judged_;
  j["validation_trades"] = static_cast<int64_t>(samples_.size());
  j["mean"] = mean_;
  j["sd"] = sd_;
  j["t"] = t_;
  j["threshold"] = {{"min_validation_trades", cfg_.min_outcomes}, {"min_t", cfg_.min_t}};
  j["decision"] = !decided_ ? "undecided" : act_ ? "act" : "pass";
  j["reason"] = decided_ ? reason_ : "the scoring part was not reached";
  j["refit"] = cfg_.refit;
  j["scoring_entries_passed"] = passed_;
  return j;
}

}  // namespace algohost::mem
