#include "host/mem/scoring.h"

#include <algorithm>
#include <cmath>

namespace algohost::mem {
namespace {

struct Part {
  metrics::Metrics m;
  double total_return = 0;
  std::vector<metrics::EquityPoint> equity;
};

Part score_part(const StrategyOutcome& o, int64_t split_ms, int ppy, double rf) {
  Part p;
  double start = 0;
  bool have_start = false;
  for (const auto& e : o.equity) {
    if (e.ts_ms < split_ms) {
      start = e.equity;
      have_start = true;
    } else {
      p.equity.push_back(e);
    }
  }
  if (!have_start && !p.equity.empty()) start = p.equity.front().equity;
  metrics::MetricsInput in;
  in.equity = p.equity;
  in.starting_capital = start;
  for (const auto& t : o.account->closed())
    if (t.entry_ms >= split_ms) {
      in.trades.push_back({t.exit_ms, t.pnl});
      in.total_fees += t.commission;
    }
  in.bars = static_cast<int64_t>(p.equity.size());
  in.periods_per_year = ppy;
  in.risk_free_rate = rf;
  p.m = metrics::compute(in);
  p.total_return = start > 0 && !p.equity.empty() ? p.equity.back().equity / start - 1.0 : 0.0;
  return p;
}

}  // namespace

double binomial_tail(int64_t n, int64_t k, double p) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  double sum = 0;
  for (int64_t i = k; i <= n; ++i) {
    const double lc = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
    sum += std::exp(lc + i * std::log(p) + (n - i) * std::log1p(-p));
  }
  return std::min(1.0, sum);
}

MemComparison compare_arms(const StrategyOutcome& base, const StrategyOutcome& enh, int64_t split_ms,
                           const std::vector<Pattern>& patterns, const Standardizer& st, int ppy, double rf) {
  MemComparison c;
  c.split_ms = split_ms;
  Part b = score_part(base, split_ms, ppy, rf), e = score_part(enh, split_ms, ppy, rf);
  c.base = b.m;
  c.enhanced = e.m;
  c.base_return = b.total_return;
  c.enhanced_return = e.total_return;
  c.improvement_pct = 100.0 * (e.total_return - b.total_return);

  // Paired daily differences; both arms mark equity at the same timestamps.
  auto start_of = [&](const StrategyOutcome& o) {
    double s = o.equity.empty() ? 0 : o.equity.front().equity;
    for (const auto& p : o.equity)
      if (p.ts_ms < split_ms) s = p.equity;
    return s;
  };
  std::vector<metrics::EquityPoint> be{{split_ms - 1, start_of(base)}}, ee{{split_ms - 1, start_of(enh)}};
  be.insert(be.end(), b.equity.begin(), b.equity.end());
  ee.insert(ee.end(), e.equity.begin(), e.equity.end());
  const auto rb = metrics::daily_returns(be), re = metrics::daily_returns(ee);
  const size_t n = std::min(rb.size(), re.size());
  c.days = static_cast<int64_t>(n);
  if (n >= 2) {
    double mean = 0, m2 = 0;
    for (size_t i = 0; i < n; ++i) {
      const double d = re[i] - rb[i];
      const double delta = d - mean;
      mean += delta / static_cast<double>(i + 1);
      m2 += delta * (d - mean);
    }
    const double sd = std::sqrt(m2 / static_cast<double>(n - 1));
    c.t_stat = sd > 0 ? mean / (sd / std::sqrt(static_cast<double>(n))) : 0.0;
  }
  c.significant = c.days >= 20 && std::fabs(c.t_stat) >= 2.0;
  c.verdict = !c.significant ? "within noise" : c.improvement_pct > 0 ? "gain" : "loss";

  // Patterns on the base arm's scoring-part entries.
  std::vector<std::pair<Items, bool>> oos;
  int64_t wins = 0;
  for (const auto& t : base.account->closed()) {
    if (t.entry_ms < split_ms || !t.entry_context.ready) continue;
    const FeatureVec raw = raw_features(t.entry_context, t.quantity > 0 ? 1 : -1, t.confidence);
    oos.push_back({discretize(raw, st), t.pnl > 0});
    wins += t.pnl > 0;
  }
  c.base_oos_win_rate = oos.empty() ? 0 : static_cast<double>(wins) / static_cast<double>(oos.size());
  const double alpha = 0.05 / static_cast<double>(std::max<size_t>(1, patterns.size()));
  for (const auto& p : patterns) {
    PatternCheck pc;
    pc.pattern = p;
    for (const auto& [items, win] : oos)
      if (p.matches(items)) {
        ++pc.oos_occurrences;
        pc.oos_wins += win;
      }
    const double p0 = std::clamp(c.base_oos_win_rate, 1e-6, 1 - 1e-6);
    pc.p_value = binomial_tail(pc.oos_occurrences, pc.oos_wins, p0);
    const double wr = pc.oos_occurrences ? static_cast<double>(pc.oos_wins) / static_cast<double>(pc.oos_occurrences) : 0;
    pc.passes = pc.oos_occurrences >= 5 && wr >= 0.70 && pc.p_value < alpha;
    c.patterns.push_back(std::move(pc));
  }
  return c;
}

nlohmann::ordered_json MemComparison::to_json() const {
  nlohmann::ordered_json j;
  j["metric"] = "total return on the scoring part, enhanced minus base, percentage points";
  j["base_return"] = base_return;
  j["enhanced_return"] = enhanced_return;
  j["improvement_pct"] = improvement_pct;
  j["paired_t"] = t_stat;
  j["days"] = days;
  j["significant"] = significant;
  j["verdict"] = verdict;
  j["base"] = base.to_json();
  j["enhanced"] = enhanced.to_json();
  j["base_scoring_win_rate"] = base_oos_win_rate;
  j["patterns"] = nlohmann::ordered_json::array();
  for (const auto& p : patterns)
    j["patterns"].push_back({{"pattern", p.pattern.key()}, {"in_sample_occurrences", p.pattern.occurrences},
                             {"in_sample_wins", p.pattern.wins}, {"in_sample_win_rate", p.pattern.win_rate()},
                             {"out_of_sample_occurrences", p.oos_occurrences}, {"out_of_sample_wins", p.oos_wins},
                             {"p_value", p.p_value}, {"passes_out_of_sample", p.passes}});
  return j;
}

}  // namespace algohost::mem
