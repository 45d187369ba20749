// Momentum: rate of change over `lookback` bars.
//
//   ROC = close / close[lookback bars ago] - 1
//   buy  when ROC >  threshold     (reason "momentum_up")
//   sell when ROC < -threshold     (reason "momentum_down")
//   confidence = clamp(|ROC| / (2 * threshold), 0, 1): 0.5 right at the threshold, 1 at twice it.
//
// The signal is a level, not a cross: it repeats on every bar the ROC stays past the threshold.
// Warm-up: the first `lookback` bars (no close that far back yet) hold with reason "warmup".
// A non-positive past close (ROC undefined) holds with reason "bad_price".
// Diagnostics: roc. O(1) per bar: the last `lookback` closes live in a fixed ring.
#ifndef ALGOHOST_PLUGINS_MOMENTUM_STRATEGY_HPP_
#define ALGOHOST_PLUGINS_MOMENTUM_STRATEGY_HPP_

#include <algohost/strategy.hpp>

#include <cmath>
#include <string>
#include <string_view>

#include "common/rolling.hpp"

namespace algohost::plugins {

class MomentumStrategy : public sdk::Strategy {
 public:
  explicit MomentumStrategy(const sdk::Params& p)
      : lookback_(static_cast<size_t>(
            rolling::check_range("lookback", p.get_int("lookback"), 1LL, 1000000LL))),
        threshold_(rolling::check_range("threshold", p.get_double("threshold"), 1e-12, 1e6)),
        conf_scale_(0.5 / threshold_),
        closes_(lookback_) {
    declare_diagnostics({"roc"});
  }

  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    const double close = bar.close;
    if (!closes_.full()) [[unlikely]] {
      closes_.push(close);
      out.reason("warmup");
      return;
    }
    const double past = closes_.push(close);
    if (!(past > 0.0)) [[unlikely]] {
      out.reason("bad_price");
      return;
    }
    const double roc = close / past - 1.0;
    out.diag(0, roc);
    if (roc > threshold_) {
      out.buy(rolling::clamp01(roc * conf_scale_)).reason("momentum_up");
    } else if (roc < -threshold_) {
      out.sell(rolling::clamp01(-roc * conf_scale_)).reason("momentum_down");
    }
  }

  std::string export_state() const override {
    sdk::StateWriter w;
    w.put("lookback", static_cast<double>(lookback_));
    w.put("closes", closes_.raw());
    w.put("pos", static_cast<double>(closes_.pos()));
    w.put("size", static_cast<double>(closes_.size()));
    return w.str();
  }

  void import_state(std::string_view state) override {
    sdk::StateReader r(state);
    rolling::same_parameter("lookback", r.get("lookback"), static_cast<double>(lookback_));
    rolling::Ring ring(lookback_);
    ring.restore(r.values("closes"), rolling::to_count(r.get("pos"), "pos"),
                 rolling::to_count(r.get("size"), "size"));
    closes_ = std::move(ring);
  }

  size_t lookback() const { return lookback_; }
  double threshold() const { return threshold_; }

 private:
  size_t lookback_;
  double threshold_;
  double conf_scale_;
  rolling::Ring closes_;
};

}  // namespace algohost::plugins

#endif  // ALGOHOST_PLUGINS_MOMENTUM_STRATEGY_HPP_
