// PaperAccount — simulated execution for one strategy's account.
//
// Timing: a signal computed on a bar's close becomes an order that fills at the NEXT bar's open
// of that symbol, so no fill uses a price the strategy could not have known. Costs: slippage
// moves every fill against the trader by `slippage_bps` of the price; commission is
// `commission_per_trade` plus `commission_bps` of the notional, per fill. Stop loss and take
// profit (absolute prices from the signal) are checked within every later bar against its low and
// high; when one bar touches both, the stop is assumed hit first (pessimistic); a bar that opens
// beyond a level fills at its open. Sizing: the signal's position_size (fraction of equity), else
// the account's default; quantities are fractional. Short positions only when allowed (the
// manifest's requirements.short_selling): otherwise a sell only closes a long.
//
// Actions: buy -> long at the size (ignored while already long), sell -> short at the size when
// allowed, else flat (ignored while already at that side), target -> exactly that fraction
// (resizes), hold -> nothing. Trades are recorded when a position (or part of it) closes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <algohost/strategy_api.h>

#include "host/engine/market_context.h"

namespace algohost {

struct BrokerConfig {
  double capital = 100'000;
  double slippage_bps = 0;
  double commission_per_trade = 0;
  double commission_bps = 0;
  bool allow_short = false;
  double default_size = 1.0;  // fraction of equity per position when the signal gives none
};

struct ClosedTrade {
  uint32_t symbol = 0;
  int64_t entry_ms = 0, exit_ms = 0;
  double quantity = 0;  // signed: > 0 long, < 0 short
  double entry_price = 0, exit_price = 0;
  double pnl = 0;       // net of both fills' commission (slippage is in the prices)
  double pnl_pct = 0;   // pnl / entry notional
  double mae = 0, mfe = 0;  // worst / best excursion as fractions of entry price (mae <= 0 <= mfe)
  double stop_loss = 0, take_profit = 0;
  double commission = 0, slippage_cost = 0;
  int32_t action = AH_BUY;  // the entry signal's action
  double confidence = 0;
  std::string exit_reason;  // signal | stop_loss | take_profit | end_of_data
  ContextReading entry_context;
  // MEM fields of the entry signal (filled by the enhancement stage; zero when none)
  bool was_enhanced = false;
  double confidence_boost = 0;
  std::string mem_reasoning, pattern;
};

// What the enhancement stage attaches to a signal for the trade record.
struct SignalNote {
  bool enhanced = false;
  double confidence_boost = 0;
  std::string reasoning, pattern;
};

class PaperAccount {
 public:
  PaperAccount(BrokerConfig config, size_t n_symbols);

  // A new timestamp is processed in two phases, each over every symbol with a bar:
  //   on_open(s, bar)  fills the order queued on the previous bar at this bar's open; sizing uses
  //                    the equity at the opens (earlier marks and opens, never this bar's close);
  //   on_bar(s, bar)   checks stops and targets within the bar, tracks excursions, marks the close.
  void on_open(uint32_t s, const ah_bar& bar) {
    if (pending_[s].active) fill_at_open(s, bar);
  }
  void on_bar(uint32_t s, const ah_bar& bar) {
    Position& p = pos_[s];
    if (p.qty == 0) {  // the common case: nothing held
      p.mark = bar.close;
      return;
    }
    check_range(s, bar);
  }
  // True when symbol s has no position and no queued order: on_open(s, bar) then does nothing and
  // on_bar(s, bar) only marks the close, which mark_idle(s, close) does alone.
  bool idle(uint32_t s) const { return !pending_[s].active && pos_[s].qty == 0; }
  void mark_idle(uint32_t s, double close) { pos_[s].mark = close; }
  // Queues the order a signal on this bar's close asks for (filled at the next bar's open).
  void on_signal(uint32_t s, const ah_signal& sig, const ContextReading& ctx, const SignalNote* note = nullptr);
  // Whether on_signal(s, sig, ...) would queue an order. When false the signal changes nothing but
  // (for a buy or sell that repeats the current side) cancelling a pending order, and on_signal
  // reads neither the context nor the note: a caller may skip computing them.
  bool queues_order(uint32_t s, const ah_signal& sig) const { return order_fraction(s, sig).has_value(); }
  // The signed fraction of equity symbol s's position is to become by `sig`, as the broker will
  // fill it (a target clamped to [-1, 1], or [0, 1] without shorts; a sell without shorts is 0);
  // nullopt when it queues no order.
  std::optional<double> order_fraction(uint32_t s, const ah_signal& sig) const {
    double fraction;
    bool resize;
    if (!order_for(s, sig, fraction, resize)) return std::nullopt;
    return fraction;
  }
  // Closes every position at its last mark (end of data).
  void close_all(int64_t ts_ms);

  double equity() const {
    double e = cash_;
    for (const auto& p : pos_) e += p.qty * p.mark;
    return e;
  }
  double cash() const { return cash_; }
  bool in_market() const { return open_positions_ > 0; }
  // Symbol s's position (signed quantity; 0 when flat).
  double quantity(uint32_t s) const { return pos_[s].qty; }
  const BrokerConfig& config() const { return cfg_; }
  double total_fees() const { return fees_; }
  double traded_notional() const { return notional_; }
  const std::vector<ClosedTrade>& closed() const { return closed_; }
  // Trades closed since the last take_new_closed() (for streaming to the recorder).
  bool has_new_closed() const { return closed_.size() > streamed_; }
  std::vector<ClosedTrade> take_new_closed();

 private:
  struct Position {
    double qty = 0, entry_price = 0, entry_commission = 0, entry_slippage = 0, mark = 0;
    int64_t entry_ms = 0;
    double low_excursion = 0, high_excursion = 0, stop = 0, take = 0;
    int32_t action = AH_BUY;
    double confidence = 0;
    ContextReading ctx;
    SignalNote note;
  };
  struct Pending {
    bool active = false;
    double target_fraction = 0;
    bool resize = false;
    double stop = 0, take = 0;
    int32_t action = AH_HOLD;
    double confidence = 0;
    ContextReading ctx;
    SignalNote note;
  };

  // The target fraction a signal asks for; false when it queues nothing (hold, an unknown action,
  // or a buy or sell on the side already held).
  bool order_for(uint32_t s, const ah_signal& sig, double& fraction, bool& resize) const {
    const double size = sig.position_size > 0 ? sig.position_size : cfg_.default_size;
    resize = false;
    switch (sig.action) {
      case AH_BUY: fraction = size; break;
      case AH_SELL: fraction = cfg_.allow_short ? -size : 0.0; break;
      case AH_TARGET:
        fraction = std::clamp(sig.target_position, cfg_.allow_short ? -1.0 : 0.0, 1.0);
        resize = true;
        return true;
      default: return false;
    }
    const double q = pos_[s].qty;
    return !((fraction > 0 && q > 0) || (fraction < 0 && q < 0) || (fraction == 0 && q == 0));
  }
  void fill_at_open(uint32_t s, const ah_bar& bar);
  void check_range(uint32_t s, const ah_bar& bar);
  double fill_price(double price, bool buying) const;
  double commission(double notional) const;
  // Moves symbol s's position to `target_qty` at `price` (before slippage).
  void trade_to(uint32_t s, double target_qty, double price, int64_t ts, const char* reason, const Pending* p);
  void close_part(uint32_t s, double qty_to_close, double price, int64_t ts, const char* reason);

  BrokerConfig cfg_;
  double cash_;
  double fees_ = 0, notional_ = 0;
  size_t open_positions_ = 0;
  std::vector<Position> pos_;
  std::vector<Pending> pending_;
  std::vector<ClosedTrade> closed_;
  size_t streamed_ = 0;
};

}  // namespace algohost
