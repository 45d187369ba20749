#include "registry/metrics/curves.h"

#include <chrono>

namespace algohost::metrics {
namespace {

std::pair<int, int> year_month(int64_t ts_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ts_ms)));
  const year_month_day ymd(day);
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

}  // namespace

std::vector<EquityPoint> drawdown_series(std::span<const EquityPoint> equity) {
  std::vector<EquityPoint> out;
  out.reserve(equity.size());
  double peak = equity.empty() ? 0 : equity.front().equity;
  for (const auto& p : equity) {
    if (p.equity >= peak) peak = p.equity;
    out.push_back({p.ts_ms, peak > 0 ? p.equity / peak - 1.0 : 0.0});
  }
  return out;
}

std::vector<MonthlyReturn> monthly_returns(std::span<const EquityPoint> equity, double starting_capital) {
  std::vector<MonthlyReturn> out;
  if (equity.empty() || !(starting_capital > 0)) return out;
  double base = starting_capital;
  auto ym = year_month(equity.front().ts_ms);
  for (size_t i = 0; i < equity.size(); ++i) {
    const bool last = i + 1 == equity.size();
    const auto next = last ? ym : year_month(equity[i + 1].ts_ms);
    if (last || next != ym) {  // the month's last point
      out.push_back({ym.first, ym.second, base > 0 ? equity[i].equity / base - 1.0 : 0.0});
      base = equity[i].equity;
    }
    ym = next;
  }
  return out;
}

}  // namespace algohost::metrics
