// MarketContext — per-symbol rolling readings of the market at each bar, computed from bars
// already seen (never the future): realized volatility, volume ratio and a regime label. They are
// recorded with every trade (strategy_performance.market_regime, volatility, volume_ratio) and
// are what the MEM stage conditions on.
//
//   volatility    sample stdev of the last `window` simple returns, annualized by sqrt(periods/year)
//   volume_ratio  this bar's volume / mean volume of the previous `window` bars
//   regime        "volatile" when volatility > 1.5 x its running mean; else "trending" when the
//                 absolute `window`-bar return exceeds the volatility over the window
//                 (|close/close_w - 1| > sigma_bar * sqrt(window)); else "mean_reverting";
//                 "unknown" during the first `window` bars
//
// update() is a few additions per bar; reading() does the square root and classification, and is
// called only when a signal needs the context.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <algohost/strategy_api.h>

namespace algohost {

struct ContextReading {
  double volatility = 0;  // annualized
  double volume_ratio = 1;
  const char* regime = "unknown";
  bool ready = false;
};

class MarketContext {
 public:
  explicit MarketContext(int window = 20, double periods_per_year = 252)
      : w_(static_cast<size_t>(window < 2 ? 2 : window)), annualize_(std::sqrt(periods_per_year)),
        rets_(w_), vols_(w_), closes_(w_ + 1) {}

  // Feeds the next bar (call once per bar, oldest first). No integer division: ring indexes wrap.
  void update(const ah_bar& bar) {
    prev_vol_sum_ = vol_sum_;
    prev_vol_count_ = count_vol_;
    last_volume_ = bar.volume;
    if (count_vol_ == w_) vol_sum_ -= vols_[vslot_];
    else ++count_vol_;
    vols_[vslot_] = bar.volume;
    vol_sum_ += bar.volume;
    if (++vslot_ == w_) vslot_ = 0;
    if (has_prev_ && prev_close_ > 0) {
      const double r = bar.close / prev_close_ - 1.0;
      if (count_ret_ == w_) {
        sum_ -= rets_[rslot_];
        sum2_ -= rets_[rslot_] * rets_[rslot_];
      } else {
        ++count_ret_;
      }
      rets_[rslot_] = r;
      sum_ += r;
      sum2_ += r * r;
      if (++rslot_ == w_) rslot_ = 0;
    }
    closes_[cslot_] = bar.close;
    if (++cslot_ == w_ + 1) cslot_ = 0;  // now the oldest of the last w + 1 closes
    has_prev_ = true;
    prev_close_ = bar.close;
    if (count_ret_ == w_) {
      var_ = (sum2_ - sum_ * sum_ * inv_w_) * inv_w1_;
      if (var_ < 0) var_ = 0;
      long_var_sum_ += var_;
      ++long_n_;
    }
  }

  // The reading as of the last bar fed.
  ContextReading reading() const {
    ContextReading r;
    const double avg = prev_vol_count_ ? prev_vol_sum_ / static_cast<double>(prev_vol_count_) : 0.0;
    r.volume_ratio = avg > 0 ? last_volume_ / avg : 1.0;
    if (count_ret_ < w_ || long_n_ == 0) return r;
    const double sigma_bar = std::sqrt(var_);
    r.volatility = sigma_bar * annualize_;
    const double long_sigma = std::sqrt(long_var_sum_ / static_cast<double>(long_n_));
    const double old_close = closes_[cslot_];
    const double window_ret = old_close > 0 ? prev_close_ / old_close - 1.0 : 0.0;
    if (long_n_ > w_ && sigma_bar > 1.5 * long_sigma)
      r.regime = "volatile";
    else if (std::fabs(window_ret) > sigma_bar * std::sqrt(static_cast<double>(w_)))
      r.regime = "trending";
    else
      r.regime = "mean_reverting";
    r.ready = true;
    return r;
  }

 private:
  size_t w_;
  double annualize_;
  std::vector<double> rets_, vols_, closes_;
  double inv_w_ = 1.0 / static_cast<double>(w_), inv_w1_ = 1.0 / static_cast<double>(w_ - 1);
  size_t rslot_ = 0, vslot_ = 0, cslot_ = 0;
  bool has_prev_ = false;
  size_t count_ret_ = 0, count_vol_ = 0, long_n_ = 0, prev_vol_count_ = 0;
  double prev_close_ = 0, sum_ = 0, sum2_ = 0, vol_sum_ = 0, long_var_sum_ = 0, var_ = 0;
  double prev_vol_sum_ = 0, last_volume_ = 0;
};

}  // namespace algohost
