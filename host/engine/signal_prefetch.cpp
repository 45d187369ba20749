#include "host/engine/signal_prefetch.h"

#include <algorithm>

namespace algohost {

SignalPrefetcher::SignalPrefetcher(const MarketData& data, std::vector<Producer> producers, size_t chunk,
                                   int context_window, int periods_per_year, size_t depth)
    : data_(data),
      producers_(std::move(producers)),
      n_sym_(data.series.size()),
      chunk_(std::max<size_t>(chunk, 1)),
      depth_(std::max<size_t>(depth, 2)),
      n_chunks_(0),
      context_window_(context_window),
      periods_per_year_(periods_per_year),
      stopped_(new std::atomic<bool>[producers_.size()]) {
  size_t longest = 0;
  for (const auto& s : data_.series) longest = std::max(longest, s.size());
  n_chunks_ = (longest + chunk_ - 1) / chunk_;
  slots_.resize(producers_.size() * n_sym_ * depth_);
  for (size_t k = 0; k < slots_.size(); ++k) {
    slots_[k].signals.resize(chunk_);
    slots_[k].actionable.reserve(chunk_);
  }
  for (size_t p = 0; p < producers_.size(); ++p) stopped_[p].store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] { run(); });
}

SignalPrefetcher::~SignalPrefetcher() {
  quit_.store(true, std::memory_order_release);
  released_.store(SIZE_MAX / 2, std::memory_order_release);  // a change the waiting thread sees
  released_.notify_all();
  if (thread_.joinable()) thread_.join();
}

const SignalPrefetcher::Chunk& SignalPrefetcher::get(size_t p, uint32_t s, size_t c) {
  for (size_t ready = produced_.load(std::memory_order_acquire); ready <= c;
       ready = produced_.load(std::memory_order_acquire))
    produced_.wait(ready, std::memory_order_acquire);
  return slot(p, s, c);
}

void SignalPrefetcher::release_before(size_t c) {
  if (c <= released_.load(std::memory_order_relaxed)) return;
  released_.store(c, std::memory_order_release);
  released_.notify_one();
}

void SignalPrefetcher::stop(size_t p) { stopped_[p].store(true, std::memory_order_relaxed); }

void SignalPrefetcher::run() {
  // Per producer and symbol, the failure of its failing call (ok until then).
  std::vector<std::vector<Status>> failure(producers_.size(), std::vector<Status>(n_sym_, Status::Ok()));
  for (size_t c = 0; c < n_chunks_; ++c) {
    // Chunk c reuses the slot of chunk c - depth: wait until the walk is past it.
    for (;;) {
      if (quit_.load(std::memory_order_acquire)) return;
      const size_t r = released_.load(std::memory_order_acquire);
      if (c < r + depth_) break;
      released_.wait(r, std::memory_order_acquire);
    }
    for (size_t p = 0; p < producers_.size(); ++p) {
      for (uint32_t s = 0; s < n_sym_; ++s) {
        if (quit_.load(std::memory_order_acquire)) return;
        Chunk& out = slot(p, s, c);
        const BarSeries& series = data_.series[s];
        const size_t first = c * chunk_;
        if (!failure[p][s].ok() || stopped_[p].load(std::memory_order_relaxed) || first >= series.size()) {
          out.len = 0;  // not called: the chunk holds no signal (the walk stops before reading it)
          out.actionable.clear();
          out.context.clear();
          out.status = failure[p][s];
          continue;
        }
        const size_t n = std::min(chunk_, series.size() - first);
        uint64_t done = 0;
        out.status = producers_[p].instances[s]->on_batch(series.view(first, n), out.signals.data(), &done);
        out.len = out.status.ok() ? n : static_cast<size_t>(done);
        if (!out.status.ok()) failure[p][s] = out.status;
        out.actionable.clear();
        out.context.clear();
        for (size_t k = 0; k < out.len; ++k)
          if (out.signals[k].action != AH_HOLD) [[unlikely]] {
            out.actionable.push_back(static_cast<uint32_t>(k));
            if (producers_[p].contexts)
              out.context.push_back(read_context(series, first + k, context_window_, periods_per_year_));
          }
      }
    }
    produced_.store(c + 1, std::memory_order_release);
    produced_.notify_one();
  }
}

}  // namespace algohost
