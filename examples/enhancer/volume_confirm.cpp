// volume_confirm — an example enhancer plugin, built out of tree against the installed SDK.
//
//   entry, context ready: vetoed when the bar's volume is below min_volume_ratio × the mean volume
//                         of the bars before it (a move on thin volume is not trusted); otherwise
//                         its confidence is kept and the reasoning says how the volume confirmed it
//   resize, exit, context not ready: unchanged
//
// learn() counts the closed trades the host shows it, and how many of them won; the counts are
// its state (export_state/import_state), so a later run goes on from them.
#include <algohost/enhancer.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

class VolumeConfirm final : public algohost::sdk::Enhancer {
 public:
  explicit VolumeConfirm(const algohost::sdk::Params& p) : min_ratio_(p.get_double("min_volume_ratio")) {}

  void enhance(const ah_enhance_input& in, algohost::sdk::Enhancement out) override {
    if (in.role != AH_ROLE_ENTRY || !in.context.ready) return;
    char text[AH_ENHANCER_REASONING_LEN];
    if (in.context.volume_ratio < min_ratio_) {
      std::snprintf(text, sizeof text, "volume x%.2f < x%.2f of the recent mean: veto (%lld/%lld past trades won)",
                    in.context.volume_ratio, min_ratio_, wins_, seen_);
      out.veto(text);
      return;
    }
    std::snprintf(text, sizeof text, "volume x%.2f of the recent mean confirms the entry", in.context.volume_ratio);
    out.reasoning(text);
  }

  void learn(const ah_trade_outcome& t) override {
    ++seen_;
    if (t.won) ++wins_;
  }

  std::string export_state() const override {
    return "{\"seen\":" + std::to_string(seen_) + ",\"wins\":" + std::to_string(wins_) + "}";
  }
  void import_state(std::string_view state) override {
    const std::string text(state);
    if (std::sscanf(text.c_str(), "{\"seen\":%lld,\"wins\":%lld}", &seen_, &wins_) != 2)
      throw std::invalid_argument("volume_confirm: unreadable state: " + text);
  }

 private:
  double min_ratio_;
  long long seen_ = 0, wins_ = 0;
};

ALGOHOST_EXPORT_ENHANCER(VolumeConfirm, "volume_confirm")
