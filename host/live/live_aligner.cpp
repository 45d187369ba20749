// LiveAligner: bars pushed one at a time become slices. The open slice is kept in `open_` with
// `open_count_` bars in it; after it is emitted, `open_` stays as a marker of the last emitted
// timestamp with a count of 0 (its bars are each symbol's latest, which the next slice repeats
// where a symbol has no bar, as SliceAligner does). A bar at the marker's timestamp is therefore
// late: its slice has gone. The sink is called under the lock, so slices leave in time order and
// a sink that waits (SliceQueue::push) holds back every pusher: back-pressure.
#include "host/live/feeds.h"

#include <algorithm>

#include "host/data/timestamp.h"

namespace algohost::live {

LiveAligner::LiveAligner(std::vector<std::string> symbols, SliceSink sink)
    : symbols_(std::move(symbols)), sink_(std::move(sink)) {}

namespace {

std::string symbol_list(const std::vector<std::string>& symbols) {
  constexpr size_t kShown = 20;
  std::string s;
  for (size_t i = 0; i < symbols.size() && i < kShown; ++i) s += (i ? ", " : "") + symbols[i];
  if (symbols.size() > kShown) s += ", ... (" + std::to_string(symbols.size()) + " in all)";
  return s;
}

// Emits a copy of `open` and clears its has_bar; false when the sink refused it.
bool emit(OwnedSlice& open, int& count, const SliceSink& sink) {
  OwnedSlice out = open;
  std::fill(open.has_bar.begin(), open.has_bar.end(), uint8_t{0});
  count = 0;
  return sink(std::move(out));
}

}  // namespace

Status LiveAligner::push(uint32_t symbol, const ah_bar& bar, std::optional<double> carry) {
  const size_t n = symbols_.size();
  if (symbol >= n) {
    ++refused_;
    return Status::InvalidArgument("bar.symbol: symbol number " + std::to_string(symbol) + " is not one of the " +
                                   std::to_string(n) + " symbols of this host");
  }
  std::lock_guard lock(mu_);
  const std::string& name = symbols_[symbol];
  auto refuse = [&](const std::string& why) {
    ++refused_;
    return Status::InvalidArgument("bar of " + name + " at " + format_timestamp_ms(bar.ts_ms) + ": " + why);
  };
  bool sink_open = true;
  if (!open_) {
    open_.emplace();
    open_->ts_ms = bar.ts_ms;
    open_->bars.assign(n, ah_bar{});
    open_->has_bar.assign(n, 0);
  } else if (bar.ts_ms < open_->ts_ms) {
    return refuse("older than the " + std::string(open_count_ ? "open slice" : "last slice") + " at " +
                  format_timestamp_ms(open_->ts_ms));
  } else if (bar.ts_ms == open_->ts_ms) {
    if (open_count_ == 0) return refuse("the slice at " + format_timestamp_ms(open_->ts_ms) + " has already gone");
    if (open_->has_bar[symbol])
      return refuse(name + " already has a bar at " + format_timestamp_ms(open_->ts_ms) + " in the open slice");
  } else {
    if (open_count_ > 0) sink_open = emit(*open_, open_count_, sink_);
    open_->ts_ms = bar.ts_ms;
  }
  open_->bars[symbol] = bar;
  open_->has_bar[symbol] = 1;
  ++open_count_;
  if (carry) {
    if (open_->carry.empty()) open_->carry.assign(n, 0.0);
    open_->carry[symbol] = *carry;
  }
  ++accepted_;
  if (open_count_ == static_cast<int>(n)) sink_open = emit(*open_, open_count_, sink_) && sink_open;
  if (!sink_open)
    return Status::FailedPrecondition("bar of " + name + " at " + format_timestamp_ms(bar.ts_ms) +
                                      ": the host is not taking slices any more (stopping)");
  return Status::Ok();
}

Status LiveAligner::push(const std::string& symbol, const ah_bar& bar, std::optional<double> carry) {
  for (size_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i] == symbol) return push(static_cast<uint32_t>(i), bar, carry);
  ++refused_;
  return Status::InvalidArgument("bar.symbol: '" + symbol + "' is not a symbol of this host (it has: " +
                                 symbol_list(symbols_) + ")");
}

void LiveAligner::flush() {
  std::lock_guard lock(mu_);
  if (open_ && open_count_ > 0) (void)emit(*open_, open_count_, sink_);
}

}  // namespace algohost::live
