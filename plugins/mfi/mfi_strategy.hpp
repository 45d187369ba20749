// Money Flow Index (Quong & Soudack): a volume-weighted RSI over `period` bars.
//
//   typical price TP = (high + low + close) / 3; raw money flow = TP * volume
//   the flow is positive when TP rose against the previous bar's TP, negative when it fell, and
//   neither when it is unchanged. "Unchanged" allows for rounding: two bars whose exact typical
//   prices are equal (10.02 + 9.98 + 10.00 and 10.00 + 10.00 + 10.00) can give doubles a few ulps
//   apart, so |TP - prev TP| <= kSamePriceRel * max(|TP|, |prev TP|) counts as unchanged.
//   kSamePriceRel = 1e-14: about 45 ulps, well above that noise (under 4e-16 on R's ttrc data)
//   and below a real move (one satoshi on a 60,000 price is 5e-14 of the typical price).
//   MFI = 100 - 100 / (1 + pos_sum / neg_sum) over the last `period` flows
//         (100 when neg_sum == 0; 50 when there is no flow at all, e.g. zero volume)
//
//   buy  when MFI crosses up through `oversold`:     prev < oversold <= mfi    (reason "oversold")
//   sell when MFI crosses down through `overbought`: prev > overbought >= mfi  (reason "overbought")
//   confidence = clamp(0.5 + |mfi - prev| / zone), zone = oversold (buy) or 100 - overbought (sell).
//
// Warm-up: the first `period` bars (fewer than `period` flows) hold with reason "warmup".
// Diagnostics: mfi. O(1) per bar: the flows live in two fixed-size rolling sums.
#ifndef ALGOHOST_PLUGINS_MFI_STRATEGY_HPP_
#define ALGOHOST_PLUGINS_MFI_STRATEGY_HPP_

#include <algohost/strategy.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "common/rolling.hpp"

namespace algohost::plugins {

class MfiStrategy : public sdk::Strategy {
 public:
  static constexpr double kSamePriceRel = 1e-14;

  explicit MfiStrategy(const sdk::Params& p)
      : period_(static_cast<size_t>(
            rolling::check_range("period", p.get_int("period"), 1LL, 1000000LL))),
        oversold_(rolling::check_range("oversold", p.get_double("oversold"), 1e-9, 100.0 - 1e-9)),
        overbought_(
            rolling::check_range("overbought", p.get_double("overbought"), 1e-9, 100.0 - 1e-9)),
        buy_scale_(1.0 / oversold_),
        sell_scale_(1.0 / (100.0 - overbought_)),
        pos_(period_),
        neg_(period_) {
    if (oversold_ > overbought_)
      throw std::invalid_argument("parameter 'oversold' must not exceed 'overbought'");
    declare_diagnostics({"mfi"});
  }

  static double mfi_of(double pos_sum, double neg_sum) {
    if (neg_sum == 0.0) return pos_sum == 0.0 ? 50.0 : 100.0;
    // == 100 - 100 / (1 + pos_sum / neg_sum), with one division.
    return 100.0 * pos_sum / (pos_sum + neg_sum);
  }

  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    const double tp = (bar.high + bar.low + bar.close) / 3.0;
    if (!has_prev_) [[unlikely]] {
      has_prev_ = true;
      prev_tp_ = tp;
      out.reason("warmup");
      return;
    }
    const double flow = tp * bar.volume;
    const double change = tp - prev_tp_;
    const double same = kSamePriceRel * std::max(std::fabs(tp), std::fabs(prev_tp_));
    pos_.push(change > same ? flow : 0.0);
    neg_.push(change < -same ? flow : 0.0);
    prev_tp_ = tp;
    if (!pos_.full()) [[unlikely]] {
      out.reason("warmup");
      return;
    }
    const double mfi = mfi_of(pos_.sum(), neg_.sum());
    out.diag(0, mfi);
    if (has_prev_mfi_) {
      const double prev = prev_mfi_;
      if (prev < oversold_ && mfi >= oversold_) {
        out.buy(rolling::clamp01(0.5 + (mfi - prev) * buy_scale_)).reason("oversold");
      } else if (prev > overbought_ && mfi <= overbought_) {
        out.sell(rolling::clamp01(0.5 + (prev - mfi) * sell_scale_)).reason("overbought");
      }
    }
    prev_mfi_ = mfi;
    has_prev_mfi_ = true;
  }

  std::string export_state() const override {
    sdk::StateWriter w;
    w.put("period", static_cast<double>(period_));
    w.put("has_prev", has_prev_ ? 1.0 : 0.0);
    w.put("prev_tp", prev_tp_);
    w.put("pos_flows", pos_.ring().raw());
    w.put("neg_flows", neg_.ring().raw());
    w.put("ring_pos", static_cast<double>(pos_.ring().pos()));
    w.put("ring_size", static_cast<double>(pos_.ring().size()));
    w.put("pos_sum", pos_.sum());
    w.put("neg_sum", neg_.sum());
    w.put("has_prev_mfi", has_prev_mfi_ ? 1.0 : 0.0);
    w.put("prev_mfi", prev_mfi_);
    return w.str();
  }

  void import_state(std::string_view state) override {
    sdk::StateReader r(state);
    rolling::same_parameter("period", r.get("period"), static_cast<double>(period_));
    const uint64_t pos = rolling::to_count(r.get("ring_pos"), "ring_pos");
    const uint64_t size = rolling::to_count(r.get("ring_size"), "ring_size");
    rolling::RollingSum pos_flows(period_), neg_flows(period_);
    pos_flows.restore(r.values("pos_flows"), pos, size, r.get("pos_sum"));
    neg_flows.restore(r.values("neg_flows"), pos, size, r.get("neg_sum"));
    const bool has_prev = r.get("has_prev") != 0.0;
    const double prev_tp = r.get("prev_tp");
    const bool has_prev_mfi = r.get("has_prev_mfi") != 0.0;
    const double prev_mfi = r.get("prev_mfi");
    pos_ = std::move(pos_flows);
    neg_ = std::move(neg_flows);
    has_prev_ = has_prev;
    prev_tp_ = prev_tp;
    has_prev_mfi_ = has_prev_mfi;
    prev_mfi_ = prev_mfi;
  }

  size_t period() const { return period_; }

 private:
  size_t period_;
  double oversold_;
  double overbought_;
  double buy_scale_;
  double sell_scale_;
  rolling::RollingSum pos_;
  rolling::RollingSum neg_;
  bool has_prev_ = false;
  bool has_prev_mfi_ = false;
  double prev_tp_ = 0.0;
  double prev_mfi_ = 0.0;
};

}  // namespace algohost::plugins

#endif  // ALGOHOST_PLUGINS_MFI_STRATEGY_HPP_
