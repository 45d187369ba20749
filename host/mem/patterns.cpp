#include "host/mem/patterns.h"

#include <algorithm>
#include <array>
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
  // Candidates in a dense table indexed by (item a, item b), b = kNone for a single item: an item
  // is attr * 8 + value (< 32), so the table is small enough to clear on every call.
  constexpr int kItems = kAttrs * 8, kNone = kItems;
  struct Count {
    int64_t occurrences = 0, wins = 0, first = 0, last = 0;
  };
  std::array<std::array<Count, kItems + 1>, kItems> counts{};
  auto count = [&](uint8_t a, int b, const Rec& r) {
    Count& c = counts[a][static_cast<size_t>(b)];
    if (c.occurrences == 0) c.first = c.last = r.entry_ms;
    ++c.occurrences;
    c.wins += r.win;
    c.first = std::min(c.first, r.entry_ms);
    c.last = std::max(c.last, r.entry_ms);
  };
  for (const auto& r : hist_) {
    const Items it = discretize(r.raw, st);
    for (int a = 0; a < kAttrs; ++a) {
      count(it[a], kNone, r);
      for (int b = a + 1; b < kAttrs; ++b) count(it[a], it[b], r);
    }
  }
  patterns_.clear();
  for (int a = 0; a < kItems; ++a)
    for (int b = 0; b <= kItems; ++b) {
      const Count& c = counts[static_cast<size_t>(a)][static_cast<size_t>(b)];
      if (c.wins == 0 || c.occurrences < cfg_.min_occurrences) continue;
      Pattern p;
      p.items = {static_cast<uint8_t>(a)};
      if (b != kNone) p.items.push_back(static_cast<uint8_t>(b));
      p.occurrences = c.occurrences;
      p.wins = c.wins;
      p.first_seen_ms = c.first;
      p.last_seen_ms = c.last;
      if (p.win_rate() < cfg_.min_win_rate) continue;
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
