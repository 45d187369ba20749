#include "host/engine/signal_step.h"

namespace algohost {

void finish_outcome(StrategyOutcome& o, bool stopped, int64_t last_ts, int64_t timestamps, double starting_capital,
                    const EngineOptions& opt, const TradeSink& sink, size_t index) {
  if (!stopped) o.account->close_all(last_ts);
  if (!o.equity.empty()) o.equity.back().equity = o.account->equity();
  if (!o.equity_bars.empty()) o.equity_bars.back().equity = o.account->equity();
  if (sink) {
    auto closed = o.account->take_new_closed();
    if (!closed.empty()) sink(index, closed);
  }
  metrics::MetricsInput in;
  in.equity = o.equity;
  for (const auto& t : o.account->closed()) in.trades.push_back({t.exit_ms, t.pnl});
  in.starting_capital = starting_capital;
  in.total_fees = o.account->total_fees();
  in.traded_notional = o.account->traded_notional();
  in.bars = timestamps;
  in.bars_in_market = o.bars_in_market;
  in.periods_per_year = opt.periods_per_year;
  in.risk_free_rate = opt.risk_free_rate;
  o.metrics = metrics::compute(in);
}

}  // namespace algohost
