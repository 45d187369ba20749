#include "host/engine/paper_broker.h"

#include <algorithm>
#include <cmath>

namespace algohost {

PaperAccount::PaperAccount(BrokerConfig config, size_t n_symbols)
    : cfg_(config), cash_(config.capital), pos_(n_symbols), pending_(n_symbols) {}

double PaperAccount::fill_price(double price, bool buying) const {
  const double slip = cfg_.slippage_bps * 1e-4;
  return buying ? price * (1.0 + slip) : price * (1.0 - slip);
}

double PaperAccount::commission(double notional) const {
  return cfg_.commission_per_trade + cfg_.commission_bps * 1e-4 * std::fabs(notional);
}

void PaperAccount::close_part(uint32_t s, double qty_to_close, double price, int64_t ts, const char* reason) {
  Position& p = pos_[s];
  const bool long_pos = p.qty > 0;
  const double px = fill_price(price, !long_pos);
  const double notional = qty_to_close * px;  // qty_to_close has the position's sign
  const double fee = commission(notional);
  cash_ += notional - fee;
  fees_ += fee;
  notional_ += std::fabs(notional);
  const double share = qty_to_close / p.qty;
  const double entry_fee = p.entry_commission * share;
  ClosedTrade t;
  t.symbol = s;
  t.entry_ms = p.entry_ms;
  t.exit_ms = ts;
  t.quantity = qty_to_close;
  t.entry_price = p.entry_price;
  t.exit_price = px;
  t.commission = entry_fee + fee;
  t.slippage_cost = p.entry_slippage * share + std::fabs(qty_to_close) * std::fabs(price - px);
  t.pnl = qty_to_close * (px - p.entry_price) - t.commission;
  t.pnl_pct = t.pnl / (std::fabs(qty_to_close) * p.entry_price);
  const double sign = long_pos ? 1.0 : -1.0;
  t.mae = std::min(0.0, sign > 0 ? p.low_excursion : -p.high_excursion);
  t.mfe = std::max(0.0, sign > 0 ? p.high_excursion : -p.low_excursion);
  t.stop_loss = p.stop;
  t.take_profit = p.take;
  t.action = p.action;
  t.confidence = p.confidence;
  t.exit_reason = reason;
  t.entry_context = p.ctx;
  t.was_enhanced = p.note.enhanced;
  t.confidence_boost = p.note.confidence_boost;
  t.mem_reasoning = p.note.reasoning;
  t.pattern = p.note.pattern;
  closed_.push_back(std::move(t));
  p.entry_commission -= entry_fee;
  p.entry_slippage -= p.entry_slippage * share;
  p.qty -= qty_to_close;
  if (std::fabs(p.qty) < 1e-12) {
    p = Position{};
    p.mark = price;
    --open_positions_;
  }
}

void PaperAccount::trade_to(uint32_t s, double target_qty, double price, int64_t ts, const char* reason,
                            const Pending* pend) {
  Position& p = pos_[s];
  if (p.qty != 0 && (target_qty == 0 || (target_qty > 0) != (p.qty > 0))) close_part(s, p.qty, price, ts, reason);
  else if (p.qty != 0 && std::fabs(target_qty) < std::fabs(p.qty)) close_part(s, p.qty - target_qty, price, ts, reason);
  const double add = target_qty - p.qty;
  if (std::fabs(add) < 1e-12 || target_qty == 0) return;
  const bool buying = add > 0;
  const double px = fill_price(price, buying);
  const double notional = add * px;
  const double fee = commission(notional);
  cash_ -= notional + fee;
  fees_ += fee;
  notional_ += std::fabs(notional);
  if (p.qty == 0) {
    ++open_positions_;
    p.entry_ms = ts;
    p.entry_price = px;
    p.low_excursion = p.high_excursion = 0;
    if (pend) {
      p.stop = pend->stop;
      p.take = pend->take;
      p.action = pend->action;
      p.confidence = pend->confidence;
      p.ctx = pend->ctx;
      p.note = pend->note;
    }
  } else {
    p.entry_price = (p.entry_price * p.qty + px * add) / (p.qty + add);  // average in
  }
  p.entry_commission += fee;
  p.entry_slippage += std::fabs(add) * std::fabs(px - price);
  p.qty += add;
  p.mark = price;
}

void PaperAccount::fill_at_open(uint32_t s, const ah_bar& bar) {
  Pending& pend = pending_[s];
  Position& p = pos_[s];
  pend.active = false;
  // Equity at the open: this symbol at its open, the others at their latest mark (an open of the
  // same timestamp when already filled, else the previous close).
  double eq = cash_;
  for (size_t i = 0; i < pos_.size(); ++i) eq += pos_[i].qty * (i == s ? bar.open : pos_[i].mark);
  const double target_qty = eq > 0 && bar.open > 0 ? pend.target_fraction * eq / bar.open : 0.0;
  const bool same_side = p.qty != 0 && pend.target_fraction != 0 && (p.qty > 0) == (pend.target_fraction > 0);
  if (!(same_side && !pend.resize)) trade_to(s, target_qty, bar.open, bar.ts_ms, "signal", &pend);
}

void PaperAccount::check_range(uint32_t s, const ah_bar& bar) {
  Position& p = pos_[s];
  const bool long_pos = p.qty > 0;
  p.low_excursion = std::min(p.low_excursion, bar.low / p.entry_price - 1.0);
  p.high_excursion = std::max(p.high_excursion, bar.high / p.entry_price - 1.0);
  // Stop first (pessimistic), then target; a bar opening beyond a level fills at the open.
  if (p.stop > 0 && (long_pos ? bar.low <= p.stop : bar.high >= p.stop)) {
    p.mark = bar.close;
    close_part(s, p.qty, long_pos ? std::min(bar.open, p.stop) : std::max(bar.open, p.stop), bar.ts_ms, "stop_loss");
  } else if (p.take > 0 && (long_pos ? bar.high >= p.take : bar.low <= p.take)) {
    p.mark = bar.close;
    close_part(s, p.qty, long_pos ? std::max(bar.open, p.take) : std::min(bar.open, p.take), bar.ts_ms, "take_profit");
  }
  p.mark = bar.close;
}

void PaperAccount::on_signal(uint32_t s, const ah_signal& sig, const ContextReading& ctx, const SignalNote* note) {
  double fraction;
  bool resize;
  if (!order_for(s, sig, fraction, resize)) {
    if (sig.action == AH_BUY || sig.action == AH_SELL)
      pending_[s].active = false;  // already there: a repeated signal changes nothing
    return;
  }
  Pending& pend = pending_[s];
  pend.active = true;
  pend.target_fraction = fraction;
  pend.resize = resize;
  pend.stop = sig.stop_loss;
  pend.take = sig.take_profit;
  pend.action = sig.action;
  pend.confidence = sig.confidence;
  pend.ctx = ctx;
  pend.note = note ? *note : SignalNote{};
}

void PaperAccount::close_all(int64_t ts_ms) {
  for (uint32_t s = 0; s < pos_.size(); ++s) {
    pending_[s].active = false;
    if (pos_[s].qty != 0) close_part(s, pos_[s].qty, pos_[s].mark, ts_ms, "end_of_data");
  }
}

std::vector<ClosedTrade> PaperAccount::take_new_closed() {
  std::vector<ClosedTrade> out(closed_.begin() + static_cast<std::ptrdiff_t>(streamed_), closed_.end());
  streamed_ = closed_.size();
  return out;
}

}  // namespace algohost
