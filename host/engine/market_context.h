// MarketContext — per-symbol rolling readings of the market at each bar, computed by the engine
// from bars already seen (never the future): realized volatility, volume ratio and a regime label.
// They are recorded with every trade (strategy_performance.market_regime, volatility,
// volume_ratio) and are what the MEM stage conditions on.
//
//   volatility    sample stdev of the last `window` log returns, annualized by sqrt(periods/year)
//   volume_ratio  this bar's volume / mean volume of the previous `window` bars
//   regime        "volatile" when volatility > 1.5 x its long-run mean; else "trending" when the
//                 absolute `window`-bar log return exceeds its volatility over the window
//                 (|r_w| > sigma_bar * sqrt(window)); else "mean_reverting"; "unknown" in warm-up
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <algohost/strategy_api.h>

namespace algohost {

struct ContextReading {
  double volatility = 0;    // annualized
  double volume_ratio = 1;
  const char* regime = "unknown";
  bool ready = false;
};

class MarketContext {
 public:
  explicit MarketContext(int window = 20, double periods_per_year = 252)
      : window_(window), annualize_(std::sqrt(periods_per_year)), rets_(static_cast<size_t>(window)),
        vols_(static_cast<size_t>(window)), closes_(static_cast<size_t>(window) + 1) {}

  // Feeds the bar and returns the reading as of its close.
  ContextReading update(const ah_bar& bar) {
    ContextReading r;
    const size_t w = static_cast<size_t>(window_);
    if (n_ > 0 && prev_close_ > 0 && bar.close > 0) {
      const double lr = std::log(bar.close / prev_close_);
      const size_t slot = count_ret_ % w;
      if (count_ret_ >= w) {
        sum_ -= rets_[slot];
        sum2_ -= rets_[slot] * rets_[slot];
      }
      rets_[slot] = lr;
      sum_ += lr;
      sum2_ += lr * lr;
      ++count_ret_;
    }
    const double avg_vol = count_vol_ ? vol_sum_ / static_cast<double>(std::min(count_vol_, w)) : 0;
    r.volume_ratio = avg_vol > 0 ? bar.volume / avg_vol : 1.0;
    const size_t vslot = count_vol_ % w;
    if (count_vol_ >= w) vol_sum_ -= vols_[vslot];
    vols_[vslot] = bar.volume;
    vol_sum_ += bar.volume;
    ++count_vol_;
    closes_[n_ % (w + 1)] = bar.close;
    ++n_;
    prev_close_ = bar.close;
    if (count_ret_ >= w) {
      const double n = static_cast<double>(w);
      const double var = std::max(0.0, (sum2_ - sum_ * sum_ / n) / (n - 1.0));
      const double sigma_bar = std::sqrt(var);
      r.volatility = sigma_bar * annualize_;
      long_vol_sum_ += r.volatility;
      ++long_vol_n_;
      const double long_mean = long_vol_sum_ / static_cast<double>(long_vol_n_);
      const double old_close = closes_[n_ % (w + 1)];
      const double window_ret = old_close > 0 ? std::log(bar.close / old_close) : 0;
      if (long_vol_n_ > w && r.volatility > 1.5 * long_mean)
        r.regime = "volatile";
      else if (std::fabs(window_ret) > sigma_bar * std::sqrt(n))
        r.regime = "trending";
      else
        r.regime = "mean_reverting";
      r.ready = true;
    }
    return r;
  }

 private:
  int window_;
  double annualize_;
  std::vector<double> rets_, vols_, closes_;
  size_t n_ = 0, count_ret_ = 0, count_vol_ = 0, long_vol_n_ = 0;
  double prev_close_ = 0, sum_ = 0, sum2_ = 0, vol_sum_ = 0, long_vol_sum_ = 0;
};

}  // namespace algohost
