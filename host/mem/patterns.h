// PatternMiner — the seed's pattern discovery, over discretized features.
//
// Every learned outcome is kept (up to `history_cap`, oldest dropped) with its discretized items
// (features.h), whether it won and its entry time. discover() — called by the stage every 10
// learned outcomes — re-discretizes the history with the current statistics, takes every
// conjunction of 1 or 2 items (different attributes) that occurs in at least one winning trade,
// counts its occurrences and wins over the whole history, and keeps it when
// occurrences >= min_occurrences (5) and wins / occurrences >= min_win_rate (0.70). The kept set
// replaces the previous one (a pattern that stops qualifying is dropped), in a fixed order (key).
//
// best_match() returns the kept pattern with the highest smoothed win rate (wins+1)/(occ+2)
// whose items are all present in `items`; null when none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/mem/features.h"

namespace algohost::mem {

struct Pattern {
  std::vector<uint8_t> items;  // 1 or 2, ascending
  int64_t occurrences = 0, wins = 0;
  int64_t first_seen_ms = 0, last_seen_ms = 0;  // entry times of the first and last matching trade
  double win_rate() const { return occurrences ? static_cast<double>(wins) / static_cast<double>(occurrences) : 0; }
  double smoothed() const { return (static_cast<double>(wins) + 1.0) / (static_cast<double>(occurrences) + 2.0); }
  // "regime=trending&vol_bucket=low" (computed once by finalize(), after items are set)
  const std::string& key() const { return key_; }
  void finalize();
  nlohmann::json conditions() const;     // {"regime": "trending", "vol_bucket": "low"}
  bool matches(const Items& it) const;

 private:
  std::string key_;
};

struct PatternConfig {
  double min_win_rate = 0.70;
  int64_t min_occurrences = 5;
  size_t history_cap = 5000;
};

class PatternMiner {
 public:
  explicit PatternMiner(PatternConfig cfg = {}) : cfg_(cfg) {}
  void add(const FeatureVec& raw, bool win, int64_t entry_ms);
  void discover(const Standardizer& st);
  const Pattern* best_match(const Items& it) const;
  const std::vector<Pattern>& patterns() const { return patterns_; }
  size_t history() const { return hist_.size(); }
  const PatternConfig& config() const { return cfg_; }

  nlohmann::json to_json() const;
  void load_json(const nlohmann::json& j);

 private:
  struct Rec {
    FeatureVec raw;
    bool win;
    int64_t entry_ms;
  };
  PatternConfig cfg_;
  std::vector<Rec> hist_;
  std::vector<Pattern> patterns_;
};

}  // namespace algohost::mem
