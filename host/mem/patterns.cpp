#include "host/mem/patterns.h"

#include <algorithm>
#include <map>

namespace algohost::mem {

void Pattern::finalize() {
  std::vector<std::string> parts;
  for (uint8_t i : items) parts.push_back(item_text(i));
  std::sort(parts.begin(), parts.end());
  key_.clear();
  for (const auto& p : parts) key_ += (key_.empty() ? "" : "&") + p;
}

nlohmann::json Pattern::conditions() const {
  nlohmann::json c = nlohmann::json::object();
  for (uint8_t i : items) {
    const std::string t = item_text(i);
    const auto eq = t.find('=');
    c[t.substr(0, eq)] = t.substr(eq + 1);
  }
  return c;
}

bool Pattern::matches(const Items& it) const {
  for (uint8_t i : items)
    if (it[i / 8] != i) return false;
  return true;
}

void PatternMiner::add(const FeatureVec& raw, bool win, int64_t entry_ms) {
  hist_.push_back({raw, win, entry_ms});
  if (hist_.size() > cfg_.history_cap) hist_.erase(hist_.begin());
}

void PatternMiner::discover(const Standardizer& st) {
  // Candidates keyed by (item a, item b or 0xFF): occurrences, wins, first and last seen.
  std::map<std::pair<uint8_t, uint8_t>, Pattern> counts;
  std::vector<Items> disc;
  disc.reserve(hist_.size());
  for (const auto& r : hist_) disc.push_back(discretize(r.raw, st));
  auto count = [&](std::pair<uint8_t, uint8_t> key, const Rec& r) {
    Pattern& p = counts[key];
    if (p.occurrences == 0) {
      p.items = {key.first};
      if (key.second != 0xFF) p.items.push_back(key.second);
      p.first_seen_ms = r.entry_ms;
    }
    ++p.occurrences;
    p.wins += r.win;
    p.first_seen_ms = std::min(p.first_seen_ms, r.entry_ms);
    p.last_seen_ms = std::max(p.last_seen_ms, r.entry_ms);
  };
  for (size_t n = 0; n < hist_.size(); ++n) {
    const Items& it = disc[n];
    for (int a = 0; a < kAttrs; ++a) {
      count({it[a], 0xFF}, hist_[n]);
      for (int b = a + 1; b < kAttrs; ++b) count({it[a], it[b]}, hist_[n]);
    }
  }
  patterns_.clear();
  for (auto& [key, p] : counts)
    if (p.wins > 0 && p.occurrences >= cfg_.min_occurrences && p.win_rate() >= cfg_.min_win_rate) {
      p.finalize();
      patterns_.push_back(std::move(p));
    }
  std::sort(patterns_.begin(), patterns_.end(), [](const Pattern& x, const Pattern& y) { return x.key() < y.key(); });
}

const Pattern* PatternMiner::best_match(const Items& it) const {
  const Pattern* best = nullptr;
  for (const auto& p : patterns_)
    if (p.matches(it) && (!best || p.smoothed() > best->smoothed())) best = &p;
  return best;
}

nlohmann::json PatternMiner::to_json() const {
  nlohmann::json j;
  j["min_win_rate"] = cfg_.min_win_rate;
  j["min_occurrences"] = cfg_.min_occurrences;
  j["history"] = nlohmann::json::array();
  for (const auto& r : hist_) j["history"].push_back({{"features", r.raw}, {"win", r.win}, {"entry_ms", r.entry_ms}});
  j["patterns"] = nlohmann::json::array();
  for (const auto& p : patterns_)
    j["patterns"].push_back({{"key", p.key()}, {"items", p.items}, {"occurrences", p.occurrences}, {"wins", p.wins},
                             {"first_seen_ms", p.first_seen_ms}, {"last_seen_ms", p.last_seen_ms}});
  return j;
}

void PatternMiner::load_json(const nlohmann::json& j) {
  hist_.clear();
  patterns_.clear();
  for (const auto& r : j.at("history"))
    add(r.at("features").get<FeatureVec>(), r.at("win").get<bool>(), r.at("entry_ms").get<int64_t>());
  for (const auto& x : j.at("patterns")) {
    Pattern p;
    p.items = x.at("items").get<std::vector<uint8_t>>();
    p.occurrences = x.at("occurrences").get<int64_t>();
    p.wins = x.at("wins").get<int64_t>();
    p.first_seen_ms = x.at("first_seen_ms").get<int64_t>();
    p.last_seen_ms = x.at("last_seen_ms").get<int64_t>();
    p.finalize();
    patterns_.push_back(std::move(p));
  }
}

}  // namespace algohost::mem
