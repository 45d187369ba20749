// MACD crossover (Appel).
//
//   EMA_n: alpha = 2 / (n + 1), seeded with the simple mean of its first n inputs
//   MACD      = EMA_fast(close) - EMA_slow(close)          (defined from bar `slow` on)
//   signal    = EMA_signal(MACD), seeded with the mean of the first `signal` MACD values
//   histogram = MACD - signal                               (defined from bar slow + signal - 1 on)
//
//   buy  when MACD crosses above the signal line: prev histogram <= 0 < histogram
//        (reason "macd_cross_up")
//   sell when MACD crosses below it:              prev histogram >= 0 > histogram
//        (reason "macd_cross_down")
//   confidence = clamp(0.5 + 500 * |histogram - prev histogram| / |EMA_slow|): how sharply the
//   lines cross, relative to the price level (a histogram swing of 0.1% of price gives 1).
//
// Warm-up: until the histogram is defined, hold with reason "warmup". Diagnostics: macd,
// signal, histogram (filled on every bar once the histogram is defined). O(1) per bar.
#ifndef ALGOHOST_PLUGINS_MACD_STRATEGY_HPP_
#define ALGOHOST_PLUGINS_MACD_STRATEGY_HPP_

#include <algohost/strategy.hpp>

#include <cmath>
#include <string>
#include <string_view>

#include "common/rolling.hpp"

namespace algohost::plugins {

class MacdStrategy : public sdk::Strategy {
 public:
  // Histogram swing (as a fraction of price) per unit of confidence above 0.5.
  static constexpr double kConfidenceScale = 500.0;

  explicit MacdStrategy(const sdk::Params& p)
      : fast_(static_cast<uint64_t>(rolling::check_range("fast", p.get_int("fast"), 1LL, 100000LL))),
        slow_(static_cast<uint64_t>(rolling::check_range("slow", p.get_int("slow"), 2LL, 100000LL))),
        signal_(static_cast<uint64_t>(
            rolling::check_range("signal", p.get_int("signal"), 1LL, 100000LL))) {
    if (fast_.period() >= slow_.period())
      throw std::invalid_argument("parameter 'fast' must be smaller than 'slow'");
    declare_diagnostics({"macd", "signal", "histogram"});
  }

  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    const double close = bar.close;
    fast_.push(close);
    if (!slow_.push(close)) [[unlikely]] {  // fast < slow: the fast EMA is ready first
      out.reason("warmup");
      return;
    }
    const double macd = fast_.value() - slow_.value();
    if (!signal_.push(macd)) [[unlikely]] {
      out.reason("warmup");
      return;
    }
    const double signal = signal_.value();
    const double hist = macd - signal;
    out.diag(0, macd).diag(1, signal).diag(2, hist);
    if (has_prev_hist_) {
      const double level = std::fabs(slow_.value());
      const double swing = std::fabs(hist - prev_hist_);
      const double conf =
          level > 0.0 ? rolling::clamp01(0.5 + kConfidenceScale * swing / level) : 0.5;
      if (prev_hist_ <= 0.0 && hist > 0.0) {
        out.buy(conf).reason("macd_cross_up");
      } else if (prev_hist_ >= 0.0 && hist < 0.0) {
        out.sell(conf).reason("macd_cross_down");
      }
    }
    prev_hist_ = hist;
    has_prev_hist_ = true;
  }

  std::string export_state() const override {
    sdk::StateWriter w;
    const double periods[3] = {static_cast<double>(fast_.period()),
                               static_cast<double>(slow_.period()),
                               static_cast<double>(signal_.period())};
    w.put("periods", periods, 3);
    put_ema(w, "fast", fast_);
    put_ema(w, "slow", slow_);
    put_ema(w, "signal", signal_);
    w.put("has_prev_hist", has_prev_hist_ ? 1.0 : 0.0);
    w.put("prev_hist", prev_hist_);
    return w.str();
  }

  void import_state(std::string_view state) override {
    sdk::StateReader r(state);
    const auto& periods = r.values("periods");
    if (periods.size() != 3) throw std::invalid_argument("state: field 'periods' needs 3 values");
    rolling::same_parameter("fast", periods[0], static_cast<double>(fast_.period()));
    rolling::same_parameter("slow", periods[1], static_cast<double>(slow_.period()));
    rolling::same_parameter("signal", periods[2], static_cast<double>(signal_.period()));
    rolling::SeededEma fast = fast_, slow = slow_, signal = signal_;
    get_ema(r, "fast", fast);
    get_ema(r, "slow", slow);
    get_ema(r, "signal", signal);
    const bool has_prev_hist = r.get("has_prev_hist") != 0.0;
    const double prev_hist = r.get("prev_hist");
    fast_ = fast;
    slow_ = slow;
    signal_ = signal;
    has_prev_hist_ = has_prev_hist;
    prev_hist_ = prev_hist;
  }

 private:
  static void put_ema(sdk::StateWriter& w, std::string_view name, const rolling::SeededEma& e) {
    const double v[3] = {static_cast<double>(e.count()), e.seed_sum(), e.value()};
    w.put(name, v, 3);
  }
  static void get_ema(const sdk::StateReader& r, const std::string& name, rolling::SeededEma& e) {
    const auto& v = r.values(name);
    if (v.size() != 3) throw std::invalid_argument("state: field '" + name + "' needs 3 values");
    e.restore(rolling::to_count(v[0], name.c_str()), v[1], v[2]);
  }

  rolling::SeededEma fast_;
  rolling::SeededEma slow_;
  rolling::SeededEma signal_;
  bool has_prev_hist_ = false;
  double prev_hist_ = 0.0;
};

}  // namespace algohost::plugins

#endif  // ALGOHOST_PLUGINS_MACD_STRATEGY_HPP_
