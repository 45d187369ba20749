#include "host/mem/model.h"

#include <cmath>
#include <random>

namespace algohost::mem {

LogisticModel::LogisticModel(ModelConfig cfg) : cfg_(cfg) {
  std::mt19937_64 rng(cfg.seed);
  // A fixed transform of the raw draws (not std::uniform_real_distribution, whose output is
  // implementation-defined): the same weights with every standard library.
  for (auto& w : w_) w = (static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5) * 0.02;
}

double LogisticModel::predict(const FeatureVec& z) const {
  double s = b_;
  for (int i = 0; i < kFeatures; ++i) s += w_[i] * z[i];
  return 1.0 / (1.0 + std::exp(-s));
}

void LogisticModel::update(const FeatureVec& z, bool win) {
  const double g = predict(z) - (win ? 1.0 : 0.0);
  for (int i = 0; i < kFeatures; ++i) w_[i] -= cfg_.learning_rate * (g * z[i] + cfg_.l2 * w_[i]);
  b_ -= cfg_.learning_rate * g;
  ++updates_;
}

nlohmann::json LogisticModel::to_json() const {
  return {{"type", "logistic_sgd"}, {"learning_rate", cfg_.learning_rate}, {"l2", cfg_.l2}, {"seed", cfg_.seed},
          {"weights", w_}, {"bias", b_}, {"updates", updates_}};
}

LogisticModel LogisticModel::from_json(const nlohmann::json& j) {
  ModelConfig c;
  c.learning_rate = j.at("learning_rate").get<double>();
  c.l2 = j.at("l2").get<double>();
  c.seed = j.at("seed").get<uint64_t>();
  LogisticModel m(c);
  m.w_ = j.at("weights").get<FeatureVec>();
  m.b_ = j.at("bias").get<double>();
  m.updates_ = j.at("updates").get<int64_t>();
  return m;
}

}  // namespace algohost::mem
