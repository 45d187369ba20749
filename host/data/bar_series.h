// Market data in memory: the bars of one symbol in columns (oldest first), and a set of symbols.
// Columnar so that a series can be handed to a plugin's batch entry (ah_series) and to numpy
// without copying.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <algohost/strategy_api.h>

namespace algohost {

struct BarSeries {
  std::string symbol;
  std::vector<int64_t> ts_ms;
  std::vector<double> open, high, low, close, volume;
  std::vector<double> carry;  // optional: annual carry (interest-rate differential) per bar; empty if none

  size_t size() const { return ts_ms.size(); }
  bool empty() const { return ts_ms.empty(); }
  void push(const ah_bar& b) {
    ts_ms.push_back(b.ts_ms);
    open.push_back(b.open);
    high.push_back(b.high);
    low.push_back(b.low);
    close.push_back(b.close);
    volume.push_back(b.volume);
  }
  ah_bar bar(size_t i) const { return {ts_ms[i], open[i], high[i], low[i], close[i], volume[i]}; }
  // A view of bars [from, from + n) for a batch call; valid while this series is unchanged.
  ah_series view(size_t from, size_t n) const {
    return {symbol.c_str(), n, ts_ms.data() + from, open.data() + from, high.data() + from,
            low.data() + from, close.data() + from, volume.data() + from,
            carry.empty() ? nullptr : carry.data() + from};
  }
};

struct MarketData {
  std::vector<BarSeries> series;  // sorted by symbol, each non-empty

  const BarSeries* find(const std::string& symbol) const {
    for (const auto& s : series)
      if (s.symbol == symbol) return &s;
    return nullptr;
  }
  // True when every series has the same timestamps (then each timestamp is every series' next bar).
  bool aligned() const {
    for (const auto& s : series)
      if (s.ts_ms != series[0].ts_ms) return false;
    return !series.empty();
  }
  size_t total_bars() const {
    size_t n = 0;
    for (const auto& s : series) n += s.size();
    return n;
  }
};

}  // namespace algohost
