// MEM features — what the MEM stage knows about one signal: the market context as of the signal's
// bar (host/engine/market_context.h) and the signal itself (side, base confidence).
//
//   raw vector (kFeatures = 7):
//     0 log(volatility)       annualized realized volatility (floored at 1e-4)
//     1 log(volume_ratio)     this bar's volume / mean of the previous window (floored at 1e-3)
//     2 regime == trending    0/1
//     3 regime == mean_reverting
//     4 regime == volatile    (unknown: all three 0)
//     5 side                  +1 buy / long, -1 sell / short
//     6 base confidence       the strategy's own confidence, 0..1
//
// Standardizer: Welford running mean and variance of features 0, 1 and 6, updated only with
// outcomes the stage has learned (never with the signal being judged), so a decision uses only
// what was known before it. The one-hot and side features are used as they are.
//
// Discretized items (for patterns): vol_bucket low/mid/high (z of log volatility < -0.5, in
// between, > 0.5, with the standardizer's current statistics), volume low/normal/high (ratio < 0.8,
// in between, > 1.25), regime trending/mean_reverting/volatile/unknown, side buy/sell.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "host/engine/market_context.h"

namespace algohost::mem {

constexpr int kFeatures = 7;
using FeatureVec = std::array<double, kFeatures>;

// side: +1 or -1.
FeatureVec raw_features(const ContextReading& ctx, int side, double base_confidence);

class Standardizer {
 public:
  void observe(const FeatureVec& x);
  // z-scores for the scaled features, raw values for the others; z = 0 until 2 observations.
  FeatureVec apply(const FeatureVec& x) const;
  double z(int feature, double value) const;
  int64_t count() const { return n_; }
  double mean(int feature) const { return mean_[feature]; }

  nlohmann::json to_json() const;
  static Standardizer from_json(const nlohmann::json& j);

 private:
  void refresh();
  int64_t n_ = 0;
  FeatureVec mean_{}, m2_{};
  FeatureVec inv_sd_{};  // 1 / sample sd, 0 when undefined (cached by observe and from_json)
};

// Attributes and their values; an item is (attribute, value) packed in one byte: attr * 8 + value.
enum Attr : uint8_t { kVolBucket = 0, kVolume = 1, kRegime = 2, kSide = 3, kAttrs = 4 };
using Items = std::array<uint8_t, kAttrs>;  // one item per attribute

Items discretize(const FeatureVec& raw, const Standardizer& st);
std::string item_text(uint8_t item);  // "vol_bucket=low"
// Parses "vol_bucket=low"; false when unknown.
bool parse_item(const std::string& text, uint8_t& item);

}  // namespace algohost::mem
