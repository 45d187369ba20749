#include "host/mem/features.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace algohost::mem {
namespace {

constexpr bool kScaled[kFeatures] = {true, true, false, false, false, false, true};
const char* const kAttrName[kAttrs] = {"vol_bucket", "volume", "regime", "side"};
const char* const kValues[kAttrs][4] = {{"low", "mid", "high", nullptr},
                                        {"low", "normal", "high", nullptr},
                                        {"trending", "mean_reverting", "volatile", "unknown"},
                                        {"buy", "sell", nullptr, nullptr}};

}  // namespace

FeatureVec raw_features(const ContextReading& ctx, int side, double base_confidence) {
  FeatureVec x{};
  x[0] = std::log(std::max(ctx.volatility, 1e-4));
  x[1] = std::log(std::max(ctx.volume_ratio, 1e-3));
  const char* r = ctx.regime ? ctx.regime : "unknown";
  x[2] = std::strcmp(r, "trending") == 0;
  x[3] = std::strcmp(r, "mean_reverting") == 0;
  x[4] = std::strcmp(r, "volatile") == 0;
  x[5] = side >= 0 ? 1.0 : -1.0;
  x[6] = base_confidence;
  return x;
}

void Standardizer::observe(const FeatureVec& x) {
  ++n_;
  for (int i = 0; i < kFeatures; ++i) {
    if (!kScaled[i]) continue;
    const double d = x[i] - mean_[i];
    mean_[i] += d / static_cast<double>(n_);
    m2_[i] += d * (x[i] - mean_[i]);
  }
  refresh();
}

void Standardizer::refresh() {
  for (int i = 0; i < kFeatures; ++i) {
    const double var = n_ >= 2 ? m2_[i] / static_cast<double>(n_ - 1) : 0.0;
    inv_sd_[i] = var > 1e-18 ? 1.0 / std::sqrt(var) : 0.0;
  }
}

double Standardizer::z(int i, double v) const {
  return (v - mean_[i]) * inv_sd_[i];
}

FeatureVec Standardizer::apply(const FeatureVec& x) const {
  FeatureVec z_{};
  for (int i = 0; i < kFeatures; ++i) z_[i] = kScaled[i] ? z(i, x[i]) : x[i];
  return z_;
}

nlohmann::json Standardizer::to_json() const {
  return {{"n", n_}, {"mean", mean_}, {"m2", m2_}};
}

Standardizer Standardizer::from_json(const nlohmann::json& j) {
  Standardizer s;
  s.n_ = j.at("n").get<int64_t>();
  s.mean_ = j.at("mean").get<FeatureVec>();
  s.m2_ = j.at("m2").get<FeatureVec>();
  s.refresh();
  return s;
}

Items discretize(const FeatureVec& raw, const Standardizer& st) {
  Items it{};
  const double zv = st.z(0, raw[0]);
  it[kVolBucket] = static_cast<uint8_t>(kVolBucket * 8 + (zv < -0.5 ? 0 : zv > 0.5 ? 2 : 1));
  // raw[1] is log(volume ratio): compared with log(0.8) and log(1.25) instead of exponentiating.
  static const double kLogLow = std::log(0.8), kLogHigh = std::log(1.25);
  it[kVolume] = static_cast<uint8_t>(kVolume * 8 + (raw[1] < kLogLow ? 0 : raw[1] > kLogHigh ? 2 : 1));
  it[kRegime] = static_cast<uint8_t>(kRegime * 8 + (raw[2] > 0 ? 0 : raw[3] > 0 ? 1 : raw[4] > 0 ? 2 : 3));
  it[kSide] = static_cast<uint8_t>(kSide * 8 + (raw[5] > 0 ? 0 : 1));
  return it;
}

std::string item_text(uint8_t item) {
  const int a = item / 8, v = item % 8;
  if (a >= kAttrs || v >= 4 || !kValues[a][v]) return "?";
  return std::string(kAttrName[a]) + "=" + kValues[a][v];
}

bool parse_item(const std::string& text, uint8_t& item) {
  for (int a = 0; a < kAttrs; ++a)
    for (int v = 0; v < 4; ++v)
      if (kValues[a][v] && text == std::string(kAttrName[a]) + "=" + kValues[a][v]) {
        item = static_cast<uint8_t>(a * 8 + v);
        return true;
      }
  return false;
}

}  // namespace algohost::mem
