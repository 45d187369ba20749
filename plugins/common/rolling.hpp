// Header-only building blocks for the built-in strategies: fixed ring buffers, rolling sums and
// SMA-seeded exponential moving averages. Standard library only.
//
// Everything here is O(1) per value and allocates only at construction: the buffers are sized
// once from the strategy's parameters and never grow. Each type exposes its raw state (and a
// checked restore) so a strategy can serialise it exactly for export_state/import_state: an
// instance restored from that state continues bit for bit like the original.
#ifndef ALGOHOST_PLUGINS_COMMON_ROLLING_HPP_
#define ALGOHOST_PLUGINS_COMMON_ROLLING_HPP_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace algohost::plugins::rolling {

// Clamps to [0, 1]; NaN becomes 0.
inline double clamp01(double x) { return !(x > 0.0) ? 0.0 : (x > 1.0 ? 1.0 : x); }

// Reads a count that was stored as a double (state files hold numbers only).
inline uint64_t to_count(double v, const char* what) {
  if (!(v >= 0.0) || v > 9007199254740992.0 || std::floor(v) != v)
    throw std::invalid_argument(std::string("state: field '") + what + "' is not a valid count");
  return static_cast<uint64_t>(v);
}

// A number as a parameter value reads: integers without a fraction ("14", not "14.000000").
inline std::string number_text(double v) {
  if (std::isfinite(v) && std::fabs(v) < 1e15 && std::floor(v) == v) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

// import_state: throws std::invalid_argument unless the value of parameter `name` the state was
// exported with equals this instance's ("state: exported with period=10, this instance has
// period=14"). Only the parameters that shape the state are checked: the others may differ, and
// the instance then continues exactly as one created with its own parameters would have.
inline void same_parameter(const char* name, double exported, double mine) {
  if (exported != mine)
    throw std::invalid_argument(std::string("state: exported with ") + name + "=" + number_text(exported) +
                                ", this instance has " + name + "=" + number_text(mine));
}

// Throws std::invalid_argument unless `n` (an integer parameter) lies in [lo, hi].
inline long long check_range(const char* name, long long n, long long lo, long long hi) {
  if (n < lo || n > hi)
    throw std::invalid_argument("parameter '" + std::string(name) + "' must be between " +
                                std::to_string(lo) + " and " + std::to_string(hi));
  return n;
}

// Throws std::invalid_argument unless `x` is finite and lies in [lo, hi].
inline double check_range(const char* name, double x, double lo, double hi) {
  if (!std::isfinite(x) || x < lo || x > hi)
    throw std::invalid_argument("parameter '" + std::string(name) + "' must be between " +
                                std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

// A fixed-capacity ring of doubles. push() overwrites the oldest value once full.
class Ring {
 public:
  explicit Ring(size_t capacity) : buf_(capacity == 0 ? 1 : capacity, 0.0) {}

  size_t capacity() const { return buf_.size(); }
  size_t size() const { return size_; }
  bool full() const { return size_ == buf_.size(); }

  // The value the next push() evicts: the value pushed capacity() pushes ago (0 if not full).
  double oldest() const { return buf_[pos_]; }

  // The value pushed k pushes ago (k = 0: the latest); k < size().
  double ago(size_t k) const {
    size_t i = pos_ + buf_.size() - 1 - k % buf_.size();
    return buf_[i >= buf_.size() ? i - buf_.size() : i];
  }

  // Appends x and returns the evicted value (0 while not full: unused slots hold 0).
  double push(double x) {
    const double old = buf_[pos_];
    buf_[pos_] = x;
    if (++pos_ == buf_.size()) pos_ = 0;
    if (size_ < buf_.size()) ++size_;
    return old;
  }

  // True right after the push that wrote the last physical slot (once every capacity() pushes).
  bool wrapped() const { return pos_ == 0; }

  // Raw state, for serialisation: the physical buffer, the write position and the fill.
  const std::vector<double>& raw() const { return buf_; }
  size_t pos() const { return pos_; }

  // Restores raw state; throws std::invalid_argument when it does not fit this ring.
  void restore(const std::vector<double>& raw, uint64_t pos, uint64_t size) {
    if (raw.size() != buf_.size())
      throw std::invalid_argument("state: window of " + std::to_string(raw.size()) +
                                  " values does not match this instance's " +
                                  std::to_string(buf_.size()));
    if (pos >= buf_.size() || size > buf_.size() || (size < buf_.size() && pos != size))
      throw std::invalid_argument("state: inconsistent ring position");
    buf_ = raw;
    pos_ = static_cast<size_t>(pos);
    size_ = static_cast<size_t>(size);
  }

  double sum() const {
    double s = 0.0;
    for (double v : buf_) s += v;
    return s;
  }

 private:
  std::vector<double> buf_;
  size_t pos_ = 0;
  size_t size_ = 0;
};

// The sum of the last `window` values. Updated incrementally (add the new value, subtract the
// evicted one) and re-added from scratch once per `window` pushes, so rounding drift stays
// bounded on long series at O(1) amortised cost. It also counts the non-zero values in the
// window, so that a window of zeros sums to exactly 0 (no leftover rounding residue).
class RollingSum {
 public:
  explicit RollingSum(size_t window) : ring_(window) {}

  void push(double x) {
    const double old = ring_.push(x);
    sum_ += x - old;
    nonzero_ += (x != 0.0 ? 1 : 0);
    nonzero_ -= (old != 0.0 ? 1 : 0);
    if (ring_.wrapped()) sum_ = ring_.sum();
    if (nonzero_ == 0) sum_ = 0.0;
  }

  double sum() const { return sum_; }
  bool full() const { return ring_.full(); }
  size_t size() const { return ring_.size(); }
  size_t window() const { return ring_.capacity(); }
  uint64_t nonzero() const { return nonzero_; }
  const Ring& ring() const { return ring_; }

  void restore(const std::vector<double>& raw, uint64_t pos, uint64_t size, double sum) {
    Ring r(ring_.capacity());
    r.restore(raw, pos, size);
    uint64_t nz = 0;
    for (double v : raw) nz += (v != 0.0 ? 1 : 0);
    ring_ = std::move(r);
    sum_ = sum;
    nonzero_ = nz;
  }

 private:
  Ring ring_;
  double sum_ = 0.0;
  uint64_t nonzero_ = 0;
};

// Exponential moving average over `n` values with alpha = 2 / (n + 1), seeded with the simple
// mean of its first n values: value() is defined from the n-th push on (ready()), and each later
// push does ema += alpha * (x - ema).
class SeededEma {
 public:
  explicit SeededEma(uint64_t n) : n_(n == 0 ? 1 : n), alpha_(2.0 / (static_cast<double>(n_) + 1.0)) {}

  // Returns ready() after taking x.
  bool push(double x) {
    if (count_ >= n_) {
      value_ += alpha_ * (x - value_);
      return true;
    }
    seed_sum_ += x;
    if (++count_ == n_) {
      value_ = seed_sum_ / static_cast<double>(n_);
      return true;
    }
    return false;
  }

  bool ready() const { return count_ >= n_; }
  double value() const { return value_; }
  uint64_t period() const { return n_; }

  // Raw state: {count, seed_sum, value}.
  uint64_t count() const { return count_; }
  double seed_sum() const { return seed_sum_; }
  void restore(uint64_t count, double seed_sum, double value) {
    count_ = count < n_ ? count : n_;
    seed_sum_ = seed_sum;
    value_ = value;
  }

 private:
  uint64_t n_;
  double alpha_;
  uint64_t count_ = 0;
  double seed_sum_ = 0.0;
  double value_ = 0.0;
};

}  // namespace algohost::plugins::rolling

#endif  // ALGOHOST_PLUGINS_COMMON_ROLLING_HPP_
