// Donchian channel breakout — a complete strategy in one file, written against the installed SDK.
// Buys when the close breaks above the highest high of the previous `window` bars, sells when it
// breaks below the lowest low. Confidence grows with the size of the break relative to the
// channel's width.
#include <algohost/strategy.hpp>

#include <algorithm>
#include <vector>

class DonchianBreakout final : public algohost::sdk::Strategy {
 public:
  explicit DonchianBreakout(const algohost::sdk::Params& p)
      : window_(static_cast<size_t>(p.get_int("window"))), highs_(window_), lows_(window_) {
    declare_diagnostics({"upper", "lower"});
  }

  void on_bar(const ah_bar& bar, algohost::sdk::Signal out) override final {
    if (count_ >= window_) {
      const double upper = *std::max_element(highs_.begin(), highs_.end());
      const double lower = *std::min_element(lows_.begin(), lows_.end());
      const double width = std::max(upper - lower, 1e-12);
      out.diag(0, upper).diag(1, lower);
      if (bar.close > upper)
        out.buy(std::min(1.0, 0.5 + (bar.close - upper) / width)).reason("breakout_up").stop_loss(lower);
      else if (bar.close < lower)
        out.sell(std::min(1.0, 0.5 + (lower - bar.close) / width)).reason("breakout_down").stop_loss(upper);
    } else {
      out.reason("warmup");
    }
    highs_[count_ % window_] = bar.high;  // the current bar joins the channel after it is judged
    lows_[count_ % window_] = bar.low;
    ++count_;
  }

 private:
  size_t window_;
  std::vector<double> highs_, lows_;
  size_t count_ = 0;
};

ALGOHOST_EXPORT_STRATEGY(DonchianBreakout, "donchian_breakout")
