// RSI mean reversion: Wilder's Relative Strength Index over `period` closes.
//
//   change = close - previous close; gain = max(change, 0); loss = max(-change, 0)
//   first averages: simple means of the first `period` gains / losses
//   then (Wilder): avg = (avg_prev * (period - 1) + x) / period
//   RSI = 100 - 100 / (1 + avg_gain / avg_loss)   (100 when avg_loss == 0, 50 when both are 0)
//
//   buy  when RSI crosses up through `oversold`:     prev < oversold <= rsi    (reason "oversold")
//   sell when RSI crosses down through `overbought`: prev > overbought >= rsi  (reason "overbought")
//   confidence = clamp(0.5 + |rsi - prev| / zone): the swing across the level, relative to the
//   zone's width (zone = oversold for a buy, 100 - overbought for a sell).
//
// Warm-up: the first `period` bars (fewer than `period` changes) hold with reason "warmup"; from
// bar period + 1 on the diagnostics rsi, avg_gain, avg_loss are filled on every bar.
// O(1) per bar, no allocation, no division in the smoothing recurrence.
#ifndef ALGOHOST_PLUGINS_RSI_STRATEGY_HPP_
#define ALGOHOST_PLUGINS_RSI_STRATEGY_HPP_

#include <algohost/strategy.hpp>

#include <string>
#include <string_view>

#include "common/rolling.hpp"

namespace algohost::plugins {

class RsiStrategy : public sdk::Strategy {
 public:
  explicit RsiStrategy(const sdk::Params& p)
      : period_(rolling::check_range("period", p.get_int("period"), 1LL, 1000000LL)),
        oversold_(rolling::check_range("oversold", p.get_double("oversold"), 1e-9, 100.0 - 1e-9)),
        overbought_(
            rolling::check_range("overbought", p.get_double("overbought"), 1e-9, 100.0 - 1e-9)),
        inv_period_(1.0 / static_cast<double>(period_)),
        decay_(static_cast<double>(period_ - 1) / static_cast<double>(period_)),
        buy_scale_(1.0 / oversold_),
        sell_scale_(1.0 / (100.0 - overbought_)) {
    if (oversold_ > overbought_)
      throw std::invalid_argument("parameter 'oversold' must not exceed 'overbought'");
    declare_diagnostics({"rsi", "avg_gain", "avg_loss"});
  }

  // RSI from the two averages.
  static double rsi_of(double avg_gain, double avg_loss) {
    if (avg_loss == 0.0) return avg_gain == 0.0 ? 50.0 : 100.0;
    // == 100 - 100 / (1 + avg_gain / avg_loss), with one division.
    return 100.0 * avg_gain / (avg_gain + avg_loss);
  }

  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    const double close = bar.close;
    if (n_changes_ < period_) [[unlikely]] {
      if (!has_prev_) {
        has_prev_ = true;
        prev_close_ = close;
        out.reason("warmup");
        return;
      }
      const double change = close - prev_close_;
      prev_close_ = close;
      sum_gain_ += change > 0.0 ? change : 0.0;
      sum_loss_ += change < 0.0 ? -change : 0.0;
      if (++n_changes_ < period_) {
        out.reason("warmup");
        return;
      }
      avg_gain_ = sum_gain_ / static_cast<double>(period_);
      avg_loss_ = sum_loss_ / static_cast<double>(period_);
    } else {
      const double change = close - prev_close_;
      prev_close_ = close;
      const double gain = change > 0.0 ? change : 0.0;
      const double loss = change < 0.0 ? -change : 0.0;
      avg_gain_ = avg_gain_ * decay_ + gain * inv_period_;
      avg_loss_ = avg_loss_ * decay_ + loss * inv_period_;
    }
    const double rsi = rsi_of(avg_gain_, avg_loss_);
    out.diag(0, rsi).diag(1, avg_gain_).diag(2, avg_loss_);
    if (has_prev_rsi_) {
      const double prev = prev_rsi_;
      if (prev < oversold_ && rsi >= oversold_) {
        out.buy(rolling::clamp01(0.5 + (rsi - prev) * buy_scale_)).reason("oversold");
      } else if (prev > overbought_ && rsi <= overbought_) {
        out.sell(rolling::clamp01(0.5 + (prev - rsi) * sell_scale_)).reason("overbought");
      }
    }
    prev_rsi_ = rsi;
    has_prev_rsi_ = true;
  }

  std::string export_state() const override {
    sdk::StateWriter w;
    w.put("period", static_cast<double>(period_));
    w.put("has_prev", has_prev_ ? 1.0 : 0.0);
    w.put("prev_close", prev_close_);
    w.put("n_changes", static_cast<double>(n_changes_));
    w.put("sum_gain", sum_gain_);
    w.put("sum_loss", sum_loss_);
    w.put("avg_gain", avg_gain_);
    w.put("avg_loss", avg_loss_);
    w.put("has_prev_rsi", has_prev_rsi_ ? 1.0 : 0.0);
    w.put("prev_rsi", prev_rsi_);
    return w.str();
  }

  void import_state(std::string_view state) override {
    sdk::StateReader r(state);
    rolling::same_parameter("period", r.get("period"), static_cast<double>(period_));
    const uint64_t n = rolling::to_count(r.get("n_changes"), "n_changes");
    if (n > static_cast<uint64_t>(period_))
      throw std::invalid_argument("state: n_changes exceeds the period");
    // Read everything before committing, so a bad state leaves the instance unchanged.
    const bool has_prev = r.get("has_prev") != 0.0;
    const double prev_close = r.get("prev_close"), sum_gain = r.get("sum_gain"),
                 sum_loss = r.get("sum_loss"), avg_gain = r.get("avg_gain"),
                 avg_loss = r.get("avg_loss"), prev_rsi = r.get("prev_rsi");
    const bool has_prev_rsi = r.get("has_prev_rsi") != 0.0;
    has_prev_ = has_prev;
    prev_close_ = prev_close;
    n_changes_ = static_cast<long long>(n);
    sum_gain_ = sum_gain;
    sum_loss_ = sum_loss;
    avg_gain_ = avg_gain;
    avg_loss_ = avg_loss;
    has_prev_rsi_ = has_prev_rsi;
    prev_rsi_ = prev_rsi;
  }

  long long period() const { return period_; }

 private:
  // Parameters.
  long long period_;
  double oversold_;
  double overbought_;
  double inv_period_;
  double decay_;
  double buy_scale_;
  double sell_scale_;
  // State.
  bool has_prev_ = false;
  bool has_prev_rsi_ = false;
  long long n_changes_ = 0;
  double prev_close_ = 0.0;
  double sum_gain_ = 0.0;
  double sum_loss_ = 0.0;
  double avg_gain_ = 0.0;
  double avg_loss_ = 0.0;
  double prev_rsi_ = 0.0;
};

}  // namespace algohost::plugins

#endif  // ALGOHOST_PLUGINS_RSI_STRATEGY_HPP_
