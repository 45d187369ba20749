// ReplayFeed: a MarketData replayed slice by slice on a thread of its own.
//
// Rate: bar n is due at start + n / rate. The clock is read after each slice, and the thread
// sleeps only once it is at least kMinSleep ahead of time, so that sleeps come in batches
// (at 50,000 bars/s, one sleep per ~100 bars) and high rates stay reachable. Sleeps are cut into
// pieces of at most kMaxSleep so that stop() is noticed soon at low rates. Falling behind (a
// slow receiver) is made up by feeding without sleeping until the schedule is met again.
//
// stop() is noticed between two slices: a sink that waits (SliceQueue::push on a full queue) must
// be released first, by closing the queue.
//
// Loop: pass k shifts every timestamp by k * (span + step), span being last - first timestamp
// and step the smallest gap between two successive timestamps of a symbol (1 ms when none).
#include <algorithm>
#include <cmath>

#include "host/data/slice_aligner.h"
#include "host/live/feeds.h"

namespace algohost::live {
namespace {

constexpr auto kMinSleep = std::chrono::milliseconds(2);
constexpr auto kMaxSleep = std::chrono::milliseconds(50);

struct Extent {
  int64_t first = INT64_MAX, last = INT64_MIN, step = INT64_MAX;
};

Extent extent_of(const MarketData& data) {
  Extent e;
  for (const auto& s : data.series) {
    if (s.empty()) continue;
    e.first = std::min(e.first, s.ts_ms.front());
    e.last = std::max(e.last, s.ts_ms.back());
    for (size_t i = 1; i < s.size(); ++i)
      if (s.ts_ms[i] > s.ts_ms[i - 1]) e.step = std::min(e.step, s.ts_ms[i] - s.ts_ms[i - 1]);
  }
  if (e.step == INT64_MAX) e.step = 1;
  return e;
}

}  // namespace

ReplayFeed::ReplayFeed(MarketData data, Options options, SliceSink sink)
    : data_(std::move(data)), options_(options), sink_(std::move(sink)) {
  for (const auto& s : data_.series) symbols_.push_back(s.symbol);
}

ReplayFeed::~ReplayFeed() { stop(); }

void ReplayFeed::start() {
  if (thread_.joinable() || done_) return;
  thread_ = std::thread([this] { run(); });
}

void ReplayFeed::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ReplayFeed::done() const { return done_.load(); }

void ReplayFeed::run() {
  using Clock = std::chrono::steady_clock;
  const Extent extent = extent_of(data_);
  const size_t n = data_.series.size();
  const bool rated = options_.rate > 0 && std::isfinite(options_.rate);
  const auto start = Clock::now();
  uint64_t fed = 0;
  std::vector<const BarSeries*> series;
  for (const auto& s : data_.series) series.push_back(&s);
  // Each symbol's latest bar and carry: what its slot holds where it has no bar, carried over
  // from the previous pass until it prints in this one (zeros before its first bar ever).
  std::vector<ah_bar> last_bar(n, ah_bar{});
  std::vector<double> last_carry(n, 0.0);
  bool go_on = n > 0 && extent.first <= extent.last;
  for (int64_t pass = 0; go_on && !stop_; ++pass) {
    const int64_t shift = pass * (extent.last - extent.first + extent.step);
    SliceAligner aligner(series);
    while (!stop_ && aligner.next()) {
      const ah_slice& in = aligner.slice();
      OwnedSlice out;
      out.ts_ms = in.ts_ms + shift;
      out.has_bar.assign(in.has_bar, in.has_bar + n);
      for (size_t i = 0; i < n; ++i)
        if (in.has_bar[i]) {
          last_bar[i] = in.bars[i];
          last_bar[i].ts_ms += shift;
          if (in.carry) last_carry[i] = in.carry[i];
        }
      out.bars = last_bar;
      if (in.carry) out.carry = last_carry;
      const int count = out.bar_count();
      if (!sink_(std::move(out))) {
        go_on = false;
        break;
      }
      fed += count;
      bars_ += count;
      ++slices_;
      if (!rated) continue;
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(fed) / options_.rate));
      for (auto now = Clock::now(); !stop_ && due - now >= kMinSleep; now = Clock::now())
        std::this_thread::sleep_until(std::min(due, now + kMaxSleep));
    }
    if (!options_.loop) break;
  }
  done_ = true;
}

}  // namespace algohost::live
