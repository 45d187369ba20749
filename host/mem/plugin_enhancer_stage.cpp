#include "host/mem/plugin_enhancer_stage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "host/data/timestamp.h"

namespace algohost::mem {

ah_market_context to_c_context(const ContextReading& ctx) {
  ah_market_context c{};
  c.ready = ctx.ready ? 1 : 0;
  c.volatility = ctx.volatility;
  c.volume_ratio = ctx.volume_ratio;
  c.window_return = ctx.window_return;
  const std::string_view r = ctx.regime ? ctx.regime : "";
  c.regime = r == "trending"         ? AH_REGIME_TRENDING
             : r == "mean_reverting" ? AH_REGIME_MEAN_REVERTING
             : r == "volatile"       ? AH_REGIME_VOLATILE
                                     : AH_REGIME_UNKNOWN;
  return c;
}

namespace {

bool in_unit(double v) { return v >= 0.0 && v <= 1.0; }  // false for NaN

// "" when the plugin's output keeps the contract of enhancer_api.h, else what breaks it.
std::string check_output(const ah_enhance_output& o) {
  if (!in_unit(o.confidence)) return "confidence " + std::to_string(o.confidence) + " outside [0, 1]";
  if (!in_unit(o.size)) return "size " + std::to_string(o.size) + " outside [0, 1]";
  if (o.veto != 0 && o.veto != 1) return "veto " + std::to_string(o.veto) + " is not 0 or 1";
  if (!std::memchr(o.reasoning, '\0', AH_ENHANCER_REASONING_LEN)) return "reasoning is not NUL-terminated";
  return "";
}

// Sets the size a signal asks for: the target for AH_TARGET (with the side), else position_size.
// A buy or sell resized to 0 becomes a target of 0 (close), as position_size 0 means "default".
void set_size(ah_signal& sig, int side, double size) {
  if (sig.action == AH_TARGET || size == 0) {
    sig.action = AH_TARGET;
    sig.target_position = side * size;
  } else {
    sig.position_size = size;
  }
}

}  // namespace

PluginEnhancerStage::PluginEnhancerStage(std::unique_ptr<EnhancerInstance> plugin, PluginEnhancerConfig cfg)
    : plugin_(std::move(plugin)), cfg_(std::move(cfg)), schedule_(cfg_.learn_before_ms) {}

void PluginEnhancerStage::enhance(const StageInput& in, ah_signal& sig, SignalNote& note) {
  if (disabled()) return;
  const int64_t ts = in.bar ? in.bar->ts_ms : sig.ts_ms;
  if (ts < cfg_.enhance_from_ms) return;
  const PaperAccount* acct = in.account;
  // What the broker will make of the signal: a target is shown to the plugin as it will be filled
  // (clamped to the account's range), so a target beyond it is no broken contract of the plugin's.
  double fraction = sig.target_position;  // without an account: the target as given
  if (acct) {
    const auto filled = acct->order_fraction(in.symbol, sig);
    if (!filled) return;  // the broker queues nothing for it
    fraction = *filled;
  }
  const double qty = acct ? acct->quantity(in.symbol) : 0.0;
  if (sig.action == AH_TARGET && fraction == 0 && qty == 0) return;  // flat and staying flat: nothing to judge

  ah_enhance_input x{};
  if (sig.action == AH_TARGET) {
    x.size = std::min(1.0, std::fabs(fraction));
    x.side = fraction > 0 ? 1 : fraction < 0 ? -1 : 0;
  } else {
    x.size = sig.position_size > 0 ? sig.position_size : cfg_.default_size;
    x.side = sig.action == AH_BUY ? 1 : -1;
    if (sig.action == AH_SELL && qty > 0 && !(acct && acct->config().allow_short)) x.side = 0;  // closes the long
  }
  x.role = qty == 0 ? AH_ROLE_ENTRY : x.side == 0 ? AH_ROLE_EXIT : AH_ROLE_RESIZE;
  x.ts_ms = ts;
  x.symbol_index = in.symbol;
  x.symbol = in.symbol < cfg_.symbols.size() ? cfg_.symbols[in.symbol].c_str() : "";
  x.strategy = cfg_.strategy.c_str();
  if (in.bar) x.bar = *in.bar;
  x.context = to_c_context(in.context ? *in.context : ContextReading{});
  x.action = sig.action;
  x.confidence = sig.confidence;
  x.position = qty;

  ah_enhance_output out{};
  out.confidence = x.confidence;
  out.size = x.size;
  ++counters_.calls;
  if (x.role == AH_ROLE_ENTRY) ++counters_.entries;
  Status st = plugin_->enhance(x, out);
  std::string problem = st.ok() ? check_output(out) : st.message();
  if (!problem.empty()) {
    if (st.ok()) problem = plugin_->label() + ": enhance returned " + problem;
    failed("enhance", ts, problem);
    return;
  }
  succeeded();

  const double base_conf = sig.confidence;
  const int32_t base_action = sig.action;
  const double base_fraction = sig.action == AH_TARGET ? sig.target_position : sig.position_size;
  sig.confidence = out.confidence;
  if (cfg_.mode == Mode::kFull) {
    if (x.role == AH_ROLE_ENTRY && (out.veto || out.size == 0)) {
      sig.action = AH_HOLD;
      ++counters_.vetoed;
    } else if (x.role != AH_ROLE_EXIT && out.size != x.size) {
      set_size(sig, x.side, out.size);
    }
  }
  if (sig.confidence != base_conf || sig.action != base_action ||
      (sig.action == AH_TARGET ? sig.target_position : sig.position_size) != base_fraction)
    ++counters_.changed;
  note.enhanced = true;
  note.confidence_boost = sig.confidence - base_conf;
  note.reasoning = plugin_->label();
  note.reasoning += ": ";
  note.reasoning += out.reasoning[0] ? out.reasoning : "no change";
}

void PluginEnhancerStage::learn(const ClosedTrade& t) {
  if (schedule_.admit(t, counters_.skipped, counters_.deferred)) learn_now(t);
}

void PluginEnhancerStage::learn_now(const ClosedTrade& t) {
  last_learned_exit_ms_ = std::max(last_learned_exit_ms_, t.exit_ms);
  if (disabled()) {
    ++counters_.skipped;
    return;
  }
  ah_trade_outcome o{};
  o.symbol_index = t.symbol;
  o.symbol = t.symbol < cfg_.symbols.size() ? cfg_.symbols[t.symbol].c_str() : "";
  o.side = t.quantity > 0 ? 1 : -1;
  o.entry_ts_ms = t.entry_ms;
  o.exit_ts_ms = t.exit_ms;
  o.entry_price = t.entry_price;
  o.exit_price = t.exit_price;
  o.quantity = std::fabs(t.quantity);
  o.pnl = t.pnl;
  o.trade_return = t.pnl_pct;
  o.won = t.pnl > 0 ? 1 : 0;
  o.confidence = t.confidence;
  o.entry_context = to_c_context(t.entry_context);
  o.exit_reason = t.exit_reason.c_str();
  Status st = plugin_->learn(o);
  if (!st.ok()) {
    failed("learn", t.exit_ms, st.message());
    return;
  }
  succeeded();
  ++counters_.learned;
}

void PluginEnhancerStage::finish() {
  for (const auto& t : schedule_.take_later()) learn_now(t);
}

void PluginEnhancerStage::failed(const char* call, int64_t ts_ms, const std::string& what) {
  ++counters_.failures;
  ++consecutive_;
  last_error_ = what;
  const std::string& name = plugin_->label();
  if (counters_.failures <= 10)
    spdlog::warn("enhancer {} ({}): {} at {} failed, signal unchanged: {}", name, cfg_.strategy, call,
                 format_timestamp_ms(ts_ms), what);
  else if (counters_.failures % 1000 == 0)
    spdlog::warn("enhancer {} ({}): {} failed calls so far; latest: {}", name, cfg_.strategy, counters_.failures, what);
  if (consecutive_ < cfg_.max_consecutive_failures) return;
  disabled_reason_ = "enhancer " + name;
  disabled_reason_ += " was disabled for the rest of the run after ";
  disabled_reason_ += std::to_string(consecutive_);
  disabled_reason_ += " consecutive failed calls; last error: ";
  disabled_reason_ += what;
  spdlog::warn("{}: {}", cfg_.strategy, disabled_reason_);
}

}  // namespace algohost::mem
