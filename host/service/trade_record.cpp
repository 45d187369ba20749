#include "host/service/trade_record.h"

#include <utility>

#include "host/data/timestamp.h"

namespace algohost {

catalog::TradeRecord to_trade_record(const ClosedTrade& t, const std::string& symbol, const std::string& timeframe,
                                     const std::string& strategy_id, const std::string& version_id,
                                     const std::string& run_id) {
  catalog::TradeRecord r;
  r.strategy_id = strategy_id;
  if (!version_id.empty()) r.version_id = version_id;
  r.run_id = run_id;
  r.symbol = symbol;
  r.timeframe = timeframe;
  r.signal_action = t.action == AH_SELL ? "sell" : t.action == AH_TARGET ? "target" : "buy";
  r.signal_confidence = t.confidence;
  r.entry_price = t.entry_price;
  r.exit_price = t.exit_price;
  r.quantity = t.quantity;
  r.entry_timestamp = format_timestamp_ms(t.entry_ms);
  r.exit_timestamp = format_timestamp_ms(t.exit_ms);
  r.duration_seconds = (t.exit_ms - t.entry_ms) / 1000;
  r.pnl = t.pnl;
  r.pnl_percentage = t.pnl_pct;
  r.max_adverse_excursion = t.mae;
  r.max_favorable_excursion = t.mfe;
  if (t.stop_loss > 0) r.stop_loss = t.stop_loss;
  if (t.take_profit > 0) r.take_profit = t.take_profit;
  r.was_mem_enhanced = t.was_enhanced;
  if (t.was_enhanced) {
    r.mem_confidence_boost = t.confidence_boost;
    r.mem_reasoning = t.mem_reasoning;
    if (!t.pattern.empty()) r.learned_pattern_applied = t.pattern;
  }
  if (t.entry_context.ready) {
    r.market_regime = t.entry_context.regime;
    r.volatility = t.entry_context.volatility;
    r.volume_ratio = t.entry_context.volume_ratio;
  }
  r.slippage = t.slippage_cost;
  r.commission = t.commission;
  return r;
}

std::string timeframe_of(const BarSeries& s) {
  if (s.size() < 2) return "";
  const int64_t step = s.ts_ms[1] - s.ts_ms[0];
  static const std::pair<int64_t, const char*> kNames[] = {
      {60'000, "1m"}, {300'000, "5m"}, {900'000, "15m"}, {3'600'000, "1h"}, {14'400'000, "4h"}, {86'400'000, "1d"}};
  for (const auto& [ms, name] : kNames)
    if (step == ms) return name;
  return std::to_string(step / 1000) + "s";
}

}  // namespace algohost
