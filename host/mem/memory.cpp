#include "host/mem/memory.h"

#include <array>

namespace algohost::mem {

void TradeMemory::add(uint32_t symbol, const FeatureVec& raw, bool win) {
  items_.push_back({symbol, raw, win});
  if (items_.size() > capacity_) items_.pop_front();
  cache_dirty_ = true;
}

Recall TradeMemory::recall(uint32_t symbol, const FeatureVec& z, const Standardizer& st) const {
  // Insertion into a small sorted array of the k best (k <= 16).
  constexpr int kMaxK = 16;
  std::array<double, kMaxK> best_d;
  std::array<bool, kMaxK> best_w;
  const int k = k_ < kMaxK ? k_ : kMaxK;
  int n = 0;
  if (cache_dirty_ || cache_st_ != &st || cache_count_ != st.count()) {
    cache_z_.clear();
    cache_symbol_.clear();
    cache_win_.clear();
    for (const Entry& e : items_) {
      cache_z_.push_back(st.apply(e.raw));
      cache_symbol_.push_back(e.symbol);
      cache_win_.push_back(e.win);
    }
    cache_dirty_ = false;
    cache_st_ = &st;
    cache_count_ = st.count();
  }
  for (size_t idx = 0; idx < cache_z_.size(); ++idx) {
    if (cache_symbol_[idx] != symbol) continue;
    const FeatureVec& ez = cache_z_[idx];
    double d = 0;
    for (int i = 0; i < kFeatures; ++i) d += (ez[i] - z[i]) * (ez[i] - z[i]);
    if (n == k && d >= best_d[k - 1]) continue;
    int pos = n < k ? n++ : k - 1;
    while (pos > 0 && best_d[pos - 1] > d) {
      best_d[pos] = best_d[pos - 1];
      best_w[pos] = best_w[pos - 1];
      --pos;
    }
    best_d[pos] = d;
    best_w[pos] = cache_win_[idx] != 0;
  }
  Recall r;
  r.found = n;
  for (int i = 0; i < n; ++i) r.wins += best_w[i];
  return r;
}

nlohmann::json TradeMemory::to_json() const {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : items_) a.push_back({{"symbol", e.symbol}, {"features", e.raw}, {"win", e.win}});
  return a;
}

void TradeMemory::load_json(const nlohmann::json& j) {
  items_.clear();
  cache_dirty_ = true;
  for (const auto& e : j) add(e.at("symbol").get<uint32_t>(), e.at("features").get<FeatureVec>(), e.at("win").get<bool>());
}

}  // namespace algohost::mem
