// Feeds of the live host: where its bars come from, and how they become time-aligned slices on
// the way to the engine thread.
//
//   ReplayFeed   a data set (CSV or synthetic, loaded as MarketData) replayed slice by slice at a
//                rate (bars per second in all; 0 = as fast as the queue takes them), on a thread
//                of its own;
//   TcpBarFeed   line-delimited JSON bars pushed by clients over loopback TCP (Boost.Asio), one
//                object per line; every line gets one reply line: {"ok":true} or
//                {"ok":false,"line":N,"error":"..."} — a bad line never closes the connection or
//                stops the feed;
//   parse_bar_json  the bar format both TCP and HTTP POST use:
//                {"symbol":"AAA","ts":"2024-01-02T00:00:00Z" | 1704153600000,
//                 "open":1,"high":2,"low":0.5,"close":1.5,"volume":100, "carry": 0.01 (optional)}
//                errors name the field ("bar.high: expected a number"; "bar.symbol: 'X' is not a
//                symbol of this host (it has: AAA, BBB)"; "bar: high 1 is below low 2").
//   LiveAligner  turns bars pushed one at a time into slices: the slice of timestamp T is emitted
//                when every symbol has its bar at T, or when the first bar later than T arrives
//                (symbols without a bar at T then have has_bar = 0); a bar older than the open
//                slice, or a second bar of one symbol at T, is refused (InvalidArgument naming the
//                symbol and both timestamps) and changes nothing. flush() emits the open slice.
//   SliceQueue   the bounded queue between the feeds and the engine thread: push() waits while it
//                is full (back-pressure, nothing dropped), pop() waits with a time limit; close()
//                wakes everyone, after which push() refuses and pop() drains what is left.
//
// Counters (bars and slices fed) are atomics, read by /metrics and by the tests that check that
// bars processed equals bars fed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <algohost/strategy_api.h>
#include <nlohmann/json.hpp>

#include "host/data/bar_series.h"
#include "registry/common/status.h"

namespace algohost::live {

// One slice that owns its bars: what travels from a feed to the engine thread.
struct OwnedSlice {
  int64_t ts_ms = 0;
  std::vector<ah_bar> bars;        // one per host symbol, in the host's symbol order
  std::vector<uint8_t> has_bar;    // 1 where that symbol printed at ts_ms
  std::vector<double> carry;       // empty, or one per symbol
  int bar_count() const;
};

class SliceQueue {
 public:
  explicit SliceQueue(size_t capacity = 1024);
  // Waits while full; false once closed (the slice is not queued).
  bool push(OwnedSlice slice);
  // The next slice, waiting at most `wait`; nullopt on time-out, or when closed and empty.
  std::optional<OwnedSlice> pop(std::chrono::milliseconds wait);
  void close();
  bool closed() const;
  size_t depth() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<OwnedSlice> q_;
  size_t capacity_;
  bool closed_ = false;
};

using SliceSink = std::function<bool(OwnedSlice)>;  // false: the receiver is closed, stop feeding

class LiveAligner {
 public:
  LiveAligner(std::vector<std::string> symbols, SliceSink sink);
  // Thread-safe (feeds on several connections push concurrently).
  Status push(uint32_t symbol, const ah_bar& bar, std::optional<double> carry = std::nullopt);
  Status push(const std::string& symbol, const ah_bar& bar, std::optional<double> carry = std::nullopt);
  void flush();
  const std::vector<std::string>& symbols() const { return symbols_; }
  uint64_t bars_accepted() const { return accepted_.load(); }
  uint64_t bars_refused() const { return refused_.load(); }

 private:
  std::vector<std::string> symbols_;
  SliceSink sink_;
  std::mutex mu_;
  std::optional<OwnedSlice> open_;
  int open_count_ = 0;
  std::atomic<uint64_t> accepted_{0}, refused_{0};
};

struct ParsedBar {
  std::string symbol;
  ah_bar bar{};
  std::optional<double> carry;
};
// One bar object (see above). `where` prefixes errors ("line 3", "bars[2]").
Result<ParsedBar> parse_bar_json(const nlohmann::json& j, const std::string& where = "bar");

class ReplayFeed {
 public:
  struct Options {
    double rate = 0;     // bars per second in all; 0 = as fast as possible
    bool loop = false;   // start again at the end, timestamps shifted past the last one
  };
  // `data` is replayed in time order (SliceAligner), each slice handed to `sink`.
  ReplayFeed(MarketData data, Options options, SliceSink sink);
  ~ReplayFeed();  // stop()
  void start();   // on a thread of its own
  void stop();    // ends after the slice in hand; joins
  bool done() const;  // reached the end (without loop) or was stopped
  uint64_t bars_fed() const { return bars_.load(); }
  uint64_t slices_fed() const { return slices_.load(); }
  const std::vector<std::string>& symbols() const { return symbols_; }

 private:
  void run();
  MarketData data_;
  Options options_;
  SliceSink sink_;
  std::vector<std::string> symbols_;
  std::atomic<bool> stop_{false}, done_{false};
  std::atomic<uint64_t> bars_{0}, slices_{0};
  std::thread thread_;
};

class TcpBarFeed {
 public:
  // Listens on address:port (port 0: ephemeral) on a thread of its own; each accepted line is
  // parsed and pushed to `aligner`.
  TcpBarFeed(std::string address, uint16_t port, LiveAligner& aligner);
  ~TcpBarFeed();  // stop()
  Status start();  // binds; IoError naming the address when it cannot
  void stop();
  uint16_t port() const;
  uint64_t lines() const;
  uint64_t errors() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace algohost::live
