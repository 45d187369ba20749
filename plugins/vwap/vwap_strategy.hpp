// VWAP reversion: trade the close's distance from the volume-weighted average price.
//
//   price P, parameter `price`: "typical" (the default) TP = (high + low + close) / 3, as in
//     StockCharts' VWAP; "close": the bar's close, as R TTR's VWAP(Cl(x), Vo(x), n) weights it
//   VWAP = sum(P * volume) / sum(volume) over
//     mode "rolling": the last `window` bars (warm-up: the first window - 1 bars hold, "warmup")
//     mode "session": the bars of the current UTC day so far (derived from ts_ms; it restarts
//                     with the first bar of each day, so there is no warm-up)
//   deviation = close / VWAP - 1
//
//   buy  when close < VWAP * (1 - band_pct)   (reason "below_vwap")
//   sell when close > VWAP * (1 + band_pct)   (reason "above_vwap")
//   confidence = clamp(|deviation| / (2 * band_pct)): 0.5 at the band's edge, 1 at twice the band.
//
// No volume in the window/session (sum(volume) == 0: VWAP undefined) holds with "no_volume";
// a non-positive VWAP holds with "bad_price". Diagnostics: vwap, deviation. O(1) per bar.
#ifndef ALGOHOST_PLUGINS_VWAP_STRATEGY_HPP_
#define ALGOHOST_PLUGINS_VWAP_STRATEGY_HPP_

#include <algohost/strategy.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/rolling.hpp"

namespace algohost::plugins {

class VwapStrategy : public sdk::Strategy {
 public:
  enum class Mode { kRolling = 0, kSession = 1 };
  enum class Price { kTypical = 0, kClose = 1 };
  static constexpr int64_t kDayMs = 86400000;

  explicit VwapStrategy(const sdk::Params& p)
      : mode_(parse_mode(p.get_string("mode"))),
        // The host always passes every manifest parameter; a caller that predates `price` gets
        // the typical price, the behaviour of 1.0.0.
        price_(parse_price(p.get_string("price", "typical"))),
        window_(static_cast<size_t>(
            rolling::check_range("window", p.get_int("window"), 1LL, 1000000LL))),
        band_(rolling::check_range("band_pct", p.get_double("band_pct"), 1e-12, 0.99)),
        lower_(1.0 - band_),
        upper_(1.0 + band_),
        conf_scale_(0.5 / band_),
        pv_(mode_ == Mode::kRolling ? window_ : 1),
        vol_(mode_ == Mode::kRolling ? window_ : 1) {
    declare_diagnostics({"vwap", "deviation"});
  }

  static Mode parse_mode(const std::string& m) {
    if (m == "rolling") return Mode::kRolling;
    if (m == "session") return Mode::kSession;
    throw std::invalid_argument("parameter 'mode' must be \"rolling\" or \"session\", not \"" + m +
                                "\"");
  }

  static Price parse_price(const std::string& m) {
    if (m == "typical") return Price::kTypical;
    if (m == "close") return Price::kClose;
    throw std::invalid_argument("parameter 'price' must be \"typical\" or \"close\", not \"" + m +
                                "\"");
  }

  // The UTC day number of a timestamp (floor division, so times before 1970 work too).
  static int64_t utc_day(int64_t ts_ms) {
    int64_t d = ts_ms / kDayMs;
    if (ts_ms % kDayMs < 0) --d;
    return d;
  }

  void on_bar(const ah_bar& bar, sdk::Signal out) override final {
    const double tp =
        price_ == Price::kClose ? bar.close : (bar.high + bar.low + bar.close) / 3.0;
    double pv_sum, vol_sum;
    if (mode_ == Mode::kRolling) {
      pv_.push(tp * bar.volume);
      vol_.push(bar.volume);
      if (!vol_.full()) [[unlikely]] {
        out.reason("warmup");
        return;
      }
      pv_sum = pv_.sum();
      vol_sum = vol_.sum();
    } else {
      const int64_t day = utc_day(bar.ts_ms);
      if (!has_day_ || day != day_) {
        has_day_ = true;
        day_ = day;
        cum_pv_ = 0.0;
        cum_vol_ = 0.0;
      }
      cum_pv_ += tp * bar.volume;
      cum_vol_ += bar.volume;
      pv_sum = cum_pv_;
      vol_sum = cum_vol_;
    }
    if (!(vol_sum > 0.0)) [[unlikely]] {
      out.reason("no_volume");
      return;
    }
    const double vwap = pv_sum / vol_sum;
    if (!(vwap > 0.0)) [[unlikely]] {
      out.reason("bad_price");
      return;
    }
    const double close = bar.close;
    const double deviation = close / vwap - 1.0;
    out.diag(0, vwap).diag(1, deviation);
    if (close < vwap * lower_) {
      out.buy(rolling::clamp01(-deviation * conf_scale_)).reason("below_vwap");
    } else if (close > vwap * upper_) {
      out.sell(rolling::clamp01(deviation * conf_scale_)).reason("above_vwap");
    }
  }

  std::string export_state() const override {
    sdk::StateWriter w;
    w.put("mode", static_cast<double>(mode_));
    w.put("price", static_cast<double>(price_));
    w.put("window", static_cast<double>(pv_.window()));
    w.put("pv", pv_.ring().raw());
    w.put("vol", vol_.ring().raw());
    w.put("ring_pos", static_cast<double>(pv_.ring().pos()));
    w.put("ring_size", static_cast<double>(pv_.ring().size()));
    w.put("pv_sum", pv_.sum());
    w.put("vol_sum", vol_.sum());
    w.put("has_day", has_day_ ? 1.0 : 0.0);
    w.put("day", static_cast<double>(day_));
    w.put("cum_pv", cum_pv_);
    w.put("cum_vol", cum_vol_);
    return w.str();
  }

  void import_state(std::string_view state) override {
    sdk::StateReader r(state);
    const double mode = r.get("mode");
    if (mode != static_cast<double>(mode_))
      throw std::invalid_argument(std::string("state: exported with mode=") + mode_name(mode) +
                                  ", this instance has mode=" + mode_name(static_cast<double>(mode_)));
    // State of 1.0.0 has no "price": it was the typical price.
    const double price = r.has("price") ? r.get("price") : 0.0;
    if (price != static_cast<double>(price_))
      throw std::invalid_argument(std::string("state: exported with price=") + price_name(price) +
                                  ", this instance has price=" + price_name(static_cast<double>(price_)));
    // The window shapes the state in rolling mode only (session mode keeps a ring of 1, unused).
    if (mode_ == Mode::kRolling)
      rolling::same_parameter("window", r.get("window"), static_cast<double>(pv_.window()));
    const uint64_t pos = rolling::to_count(r.get("ring_pos"), "ring_pos");
    const uint64_t size = rolling::to_count(r.get("ring_size"), "ring_size");
    rolling::RollingSum pv(pv_.window()), vol(vol_.window());
    pv.restore(r.values("pv"), pos, size, r.get("pv_sum"));
    vol.restore(r.values("vol"), pos, size, r.get("vol_sum"));
    const bool has_day = r.get("has_day") != 0.0;
    const double day = r.get("day");
    if (!(std::fabs(day) < 9007199254740992.0) || std::floor(day) != day)
      throw std::invalid_argument("state: field 'day' is not a day number");
    const double cum_pv = r.get("cum_pv"), cum_vol = r.get("cum_vol");
    pv_ = std::move(pv);
    vol_ = std::move(vol);
    has_day_ = has_day;
    day_ = static_cast<int64_t>(day);
    cum_pv_ = cum_pv;
    cum_vol_ = cum_vol;
  }

  Mode mode() const { return mode_; }
  static const char* mode_name(double m) { return m == 0.0 ? "rolling" : m == 1.0 ? "session" : "?"; }
  static const char* price_name(double p) { return p == 0.0 ? "typical" : p == 1.0 ? "close" : "?"; }
  Price price() const { return price_; }

 private:
  Mode mode_;
  Price price_;
  size_t window_;
  double band_;
  double lower_;
  double upper_;
  double conf_scale_;
  // Rolling mode.
  rolling::RollingSum pv_;
  rolling::RollingSum vol_;
  // Session mode.
  bool has_day_ = false;
  int64_t day_ = 0;
  double cum_pv_ = 0.0;
  double cum_vol_ = 0.0;
};

}  // namespace algohost::plugins

#endif  // ALGOHOST_PLUGINS_VWAP_STRATEGY_HPP_
