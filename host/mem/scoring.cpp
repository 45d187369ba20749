#include "host/mem/scoring.h"

#include <algorithm>
#include <cmath>

#include "host/mem/hac.h"

namespace algohost::mem {
namespace {

struct Part {
  metrics::Metrics m;
  double total_return = 0;
  std::vector<metrics::EquityPoint> equity;
};

// Time in market over [from, to): the union of the trades' [entry, exit) intervals, clipped.
double exposure_of(std::span<const ClosedTrade> closed, int64_t from, int64_t to) {
  if (to <= from) return 0;
  std::vector<std::pair<int64_t, int64_t>> iv;
  for (const auto& t : closed) {
    const int64_t a = std::max(t.entry_ms, from), b = std::min(t.exit_ms, to);
    if (b > a) iv.emplace_back(a, b);
  }
  std::sort(iv.begin(), iv.end());
  int64_t covered = 0, end = from;
  for (const auto& [a, b] : iv) {
    const int64_t s = std::max(a, end);
    if (b > s) {
      covered += b - s;
      end = b;
    }
  }
  return static_cast<double>(covered) / static_cast<double>(to - from);
}

Part score_part(const ArmRecord& o, int64_t split_ms, int ppy, double rf) {
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
  const auto& closed = o.closed;
  const int64_t from = std::max(split_ms, o.trades_from_ms);
  for (const auto& t : closed) {
    if (t.entry_ms >= from) {
      in.trades.push_back({t.exit_ms, t.pnl});
      in.total_fees += t.commission;
      in.traded_notional += std::fabs(t.quantity * t.entry_price);
    }
    if (t.exit_ms >= from) in.traded_notional += std::fabs(t.quantity * t.exit_price);
  }
  in.bars = static_cast<int64_t>(p.equity.size());
  in.periods_per_year = ppy;
  in.risk_free_rate = rf;
  p.m = metrics::compute(in);
  // Exposure as a share of the scoring part's time (the equity curve may hold one point a day, so
  // counting its points would miss positions opened and closed within a day).
  if (!p.equity.empty()) p.m.exposure = exposure_of(closed, from, p.equity.back().ts_ms);
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

MemComparison compare_curves(const ArmRecord& base, const ArmRecord& enh, int64_t split_ms, int ppy, double rf) {
  MemComparison c;
  c.split_ms = split_ms;
  Part b = score_part(base, split_ms, ppy, rf), e = score_part(enh, split_ms, ppy, rf);
  c.base = b.m;
  c.enhanced = e.m;
  c.base_return = b.total_return;
  c.enhanced_return = e.total_return;
  c.improvement_pct = 100.0 * (e.total_return - b.total_return);

  // Daily log-return differences (enhanced - base); both arms mark equity at the same timestamps.
  auto start_of = [&](const ArmRecord& o) {
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
  std::vector<double> d;
  d.reserve(n);
  for (size_t i = 0; i < n; ++i) d.push_back(std::log1p(std::max(re[i], -0.999999)) - std::log1p(std::max(rb[i], -0.999999)));
  const HacMean h = newey_west_mean(d);
  c.days = static_cast<int64_t>(n);
  c.t_stat = h.t;
  c.mean_log_diff = h.mean;
  c.hac_lag = h.lag;
  c.significant = c.days >= 20 && std::fabs(c.t_stat) >= 2.0;
  c.verdict = !c.significant ? "within noise" : c.mean_log_diff > 0 ? "gain" : "loss";

  // Sharpe of both arms (as registry/metrics computes it) and a HAC interval of the difference,
  // on the same daily returns the metrics use.
  if (b.m.sharpe && e.m.sharpe) {
    c.sharpe_base = b.m.sharpe;
    c.sharpe_enhanced = e.m.sharpe;
    c.sharpe_diff = *e.m.sharpe - *b.m.sharpe;
    const auto sd = sharpe_difference(metrics::daily_returns(e.equity), metrics::daily_returns(b.equity), ppy, rf);
    if (sd) {
      c.sharpe_diff_low = *c.sharpe_diff - 1.96 * sd->se;
      c.sharpe_diff_high = *c.sharpe_diff + 1.96 * sd->se;
    } else if (*c.sharpe_diff == 0) {  // identical arms (or both flat): no uncertainty in a zero difference
      c.sharpe_diff_low = c.sharpe_diff_high = 0.0;
    }
  }
  return c;
}

MemComparison compare_arms(const StrategyOutcome& base, const StrategyOutcome& enh, int64_t split_ms,
                           const std::vector<Pattern>& patterns, const Standardizer& st, int ppy, double rf) {
  MemComparison c = compare_curves({base.equity, base.account->closed()}, {enh.equity, enh.account->closed()},
                                   split_ms, ppy, rf);

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
  j["test"] = "Newey-West HAC t of the mean daily log-return difference (enhanced - base)";
  j["mean_daily_log_difference"] = mean_log_diff;
  j["hac_t"] = t_stat;
  j["hac_lag"] = hac_lag;
  j["days"] = days;
  j["significant"] = significant;
  j["verdict"] = verdict;
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
  j["sharpe"] = {{"base", opt(sharpe_base)},
                 {"enhanced", opt(sharpe_enhanced)},
                 {"difference", opt(sharpe_diff)},
                 {"ci95", sharpe_diff_low ? nlohmann::ordered_json::array({*sharpe_diff_low, *sharpe_diff_high})
                                          : nlohmann::ordered_json(nullptr)},
                 {"ci_method", "difference +- 1.96 x HAC delta-method standard error (Ledoit & Wolf 2008)"}};
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
