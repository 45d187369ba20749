// TradeMemory — recall of similar past contexts (the seed's "last 50 trades").
//
// Holds the strategy's last `capacity` (50) learned outcomes (all symbols) with their raw
// features. recall() looks among those on the same symbol for the `k` (5) nearest by Euclidean
// distance between standardized feature vectors (standardized with the statistics current at
// recall time; ties keep the older trade first) and returns how many there were and how many won.
#pragma once

#include <cstdint>
#include <deque>

#include <nlohmann/json.hpp>

#include "host/mem/features.h"

namespace algohost::mem {

struct Recall {
  int found = 0, wins = 0;
};

class TradeMemory {
 public:
  explicit TradeMemory(size_t capacity = 50, int k = 5) : capacity_(capacity), k_(k) {}
  void add(uint32_t symbol, const FeatureVec& raw, bool win);
  Recall recall(uint32_t symbol, const FeatureVec& z, const Standardizer& st) const;
  size_t size() const { return items_.size(); }
  int k() const { return k_; }

  nlohmann::json to_json() const;
  void load_json(const nlohmann::json& j);

 private:
  struct Entry {
    uint32_t symbol;
    FeatureVec raw;
    bool win;
  };
  size_t capacity_;
  int k_;
  std::deque<Entry> items_;
  // The entries standardized with a standardizer of `cache_count_` observations (it only changes
  // when an outcome is learned), rebuilt by recall() when stale.
  mutable std::vector<FeatureVec> cache_z_;
  mutable std::vector<uint32_t> cache_symbol_;
  mutable std::vector<uint8_t> cache_win_;
  mutable int64_t cache_count_ = -1;
  mutable const Standardizer* cache_st_ = nullptr;
  mutable bool cache_dirty_ = true;
};

}  // namespace algohost::mem
