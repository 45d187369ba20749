#include "host/live/canary_report.h"

#include <algorithm>

#include "host/data/timestamp.h"
#include "host/mem/scoring.h"

namespace algohost::live {
namespace {

using ojson = nlohmann::json;

ojson opt(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

// MEM's reading of one arm's entries in the window: the closed trades whose entry MEM judged.
ojson mem_reading(std::span<const ClosedTrade> closed, int64_t from_ms) {
  int64_t judged = 0, raised = 0, raised_wins = 0, lowered = 0, lowered_wins = 0;
  double boost_sum = 0;
  for (const auto& t : closed) {
    if (t.entry_ms < from_ms || !t.was_enhanced) continue;
    ++judged;
    boost_sum += t.confidence_boost;
    if (t.confidence_boost > 0) {
      ++raised;
      raised_wins += t.pnl > 0;
    } else if (t.confidence_boost < 0) {
      ++lowered;
      lowered_wins += t.pnl > 0;
    }
  }
  auto rate = [](int64_t w, int64_t n) { return n ? ojson(static_cast<double>(w) / static_cast<double>(n)) : ojson(nullptr); };
  return ojson{{"entries_judged", judged},
               {"mean_confidence_boost", judged ? ojson(boost_sum / static_cast<double>(judged)) : ojson(nullptr)},
               {"raised", raised},
               {"raised_win_rate", rate(raised_wins, raised)},
               {"lowered", lowered},
               {"lowered_win_rate", rate(lowered_wins, lowered)}};
}

ojson arm_json(const std::string& label, const metrics::Metrics& m, double total_return, int64_t signals) {
  return ojson{{"label", label},
               {"total_return", total_return},
               {"sharpe", opt(m.sharpe)},
               {"sortino", opt(m.sortino)},
               {"max_drawdown", m.max_drawdown},
               {"annual_volatility", opt(m.annual_volatility)},
               {"trades", m.trades},
               {"win_rate", m.win_rate},
               {"profit_factor", opt(m.profit_factor)},
               {"exposure", m.exposure},
               {"total_fees", m.total_fees},
               {"signals", signals}};
}

}  // namespace

ojson canary_comparison(const CanaryView& v, const std::string& running_label, int ppy, double rf, bool mem_enabled) {
  const mem::ArmRecord running{v.lane_equity, v.lane_closed, v.since_ms};
  const mem::ArmRecord canary{v.canary_equity, v.canary_closed, v.since_ms};
  const mem::MemComparison c = mem::compare_curves(running, canary, v.split_ms, ppy, rf);
  ojson running_j = arm_json(running_label, c.base, c.base_return, v.lane_signals);
  ojson canary_j = arm_json(v.label, c.enhanced, c.enhanced_return, v.canary_signals);
  running_j["mem"] = mem_enabled ? mem_reading(v.lane_closed, v.since_ms) : ojson(nullptr);
  canary_j["mem"] = mem_enabled ? mem_reading(v.canary_closed, v.since_ms) : ojson(nullptr);
  const std::string verdict = !c.significant ? "within noise" : c.mean_log_diff > 0 ? "canary better" : "canary worse";
  return ojson{{"since", format_timestamp_ms(v.since_ms)},
               {"days", c.days},
               {"running", std::move(running_j)},
               {"canary", std::move(canary_j)},
               {"verdict",
                {{"test", "Newey-West HAC t of the mean daily log-return difference (canary - running), as MEM's verdict"},
                 {"mean_daily_log_difference", c.mean_log_diff},
                 {"hac_t", c.t_stat},
                 {"hac_lag", c.hac_lag},
                 {"significant", c.significant},
                 {"verdict", verdict}}},
               {"sharpe",
                {{"running", opt(c.sharpe_base)},
                 {"canary", opt(c.sharpe_enhanced)},
                 {"difference", opt(c.sharpe_diff)},
                 {"ci95", c.sharpe_diff_low ? ojson::array({*c.sharpe_diff_low, *c.sharpe_diff_high}) : ojson(nullptr)}}}};
}

}  // namespace algohost::live
