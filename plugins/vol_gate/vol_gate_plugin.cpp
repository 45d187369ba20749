// vol_gate — the built-in native enhancer: a volatility gate and volatility-targeted sizing.
//
//   entry   vetoed when the context is ready and volatility > max_volatility; otherwise (and for a
//           resize) size' = min(1, size * clamp(target_volatility / volatility, min_scale, max_scale))
//   exit    unchanged (the host never lets an enhancer hold a position open anyway)
//   not ready (fewer than 20 bars of history): unchanged
//
// Confidence is left as the strategy gave it. learn() counts outcomes (and wins) by whether their
// entry was above target volatility; the counts are its state and appear in the reasoning.
#include <algohost/enhancer.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>

class VolGate final : public algohost::sdk::Enhancer {
 public:
  explicit VolGate(const algohost::sdk::Params& p)
      : max_vol_(p.get_double("max_volatility")),
        target_vol_(p.get_double("target_volatility")),
        min_scale_(p.get_double("min_scale")),
        max_scale_(p.get_double("max_scale")) {}

  void enhance(const ah_enhance_input& in, algohost::sdk::Enhancement out) override {
    if (in.role == AH_ROLE_EXIT || !in.context.ready || !(in.context.volatility > 0)) return;
    const double vol = in.context.volatility;
    char text[AH_ENHANCER_REASONING_LEN];
    if (in.role == AH_ROLE_ENTRY && vol > max_vol_) {
      std::snprintf(text, sizeof text, "vol %.3f > max %.3f: veto (high-vol outcomes so far %lld/%lld won)", vol,
                    max_vol_, wins_[1], seen_[1]);
      out.veto(text);
      return;
    }
    const double scale = std::clamp(target_vol_ / vol, min_scale_, max_scale_);
    const double size = std::min(1.0, in.size * scale);
    out.size(size);
    std::snprintf(text, sizeof text, "vol %.3f, target %.3f: size %.3f -> %.3f (x%.2f)", vol, target_vol_, in.size, size,
                  scale);
    out.reasoning(text);
  }

  void learn(const ah_trade_outcome& t) override {
    const int high = t.entry_context.volatility > target_vol_ ? 1 : 0;
    ++seen_[high];
    if (t.won) ++wins_[high];
  }

  std::string export_state() const override {
    std::ostringstream o;
    o << "{\"seen\":[" << seen_[0] << "," << seen_[1] << "],\"wins\":[" << wins_[0] << "," << wins_[1] << "]}";
    return o.str();
  }
  void import_state(std::string_view state) override {
    long long s0 = 0, s1 = 0, w0 = 0, w1 = 0;
    const std::string text(state);
    if (std::sscanf(text.c_str(), "{\"seen\":[%lld,%lld],\"wins\":[%lld,%lld]}", &s0, &s1, &w0, &w1) != 4)
      throw std::invalid_argument("vol_gate: unreadable state: " + text);
    seen_[0] = s0, seen_[1] = s1, wins_[0] = w0, wins_[1] = w1;
  }

 private:
  double max_vol_, target_vol_, min_scale_, max_scale_;
  long long seen_[2] = {0, 0}, wins_[2] = {0, 0};  // [calm, high-vol]
};

ALGOHOST_EXPORT_ENHANCER(VolGate, "vol_gate")
