// SliceQueue: a bounded blocking queue (mutex and two condition variables), and OwnedSlice's count.
#include <algorithm>

#include "host/live/feeds.h"

namespace algohost::live {

int OwnedSlice::bar_count() const {
  return static_cast<int>(std::count(has_bar.begin(), has_bar.end(), uint8_t{1}));
}

SliceQueue::SliceQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

bool SliceQueue::push(OwnedSlice slice) {
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [&] { return closed_ || q_.size() < capacity_; });
  if (closed_) return false;
  q_.push_back(std::move(slice));
  lock.unlock();
  not_empty_.notify_one();
  return true;
}

std::optional<OwnedSlice> SliceQueue::pop(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (!not_empty_.wait_for(lock, wait, [&] { return closed_ || !q_.empty(); })) return std::nullopt;
  if (q_.empty()) return std::nullopt;  // closed and drained
  OwnedSlice s = std::move(q_.front());
  q_.pop_front();
  lock.unlock();
  not_full_.notify_one();
  return s;
}

void SliceQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

bool SliceQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

size_t SliceQueue::depth() const {
  std::lock_guard lock(mu_);
  return q_.size();
}

}  // namespace algohost::live
