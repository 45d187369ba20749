// LogisticModel — the online model of one strategy: P(trade wins | standardized features),
// logistic regression trained by plain SGD, one step per learned outcome, in the order outcomes
// closed. Deterministic: the initial weights come from a seeded std::mt19937_64 (uniform in
// +-0.01) and every step is a fixed sequence of double operations.
//
//   p = sigmoid(b + w . z)
//   step: g = p - y;  w -= lr * (g * z + l2 * w);  b -= lr * g      (y = 1 for a win, else 0)
//
// Not thread-safe; one owner (the MemStage of that strategy).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "host/mem/features.h"

namespace algohost::mem {

struct ModelConfig {
  double learning_rate = 0.05;
  double l2 = 1e-3;
  uint64_t seed = 42;
};

class LogisticModel {
 public:
  explicit LogisticModel(ModelConfig cfg = {});
  double predict(const FeatureVec& z) const;
  void update(const FeatureVec& z, bool win);
  int64_t updates() const { return updates_; }
  const FeatureVec& weights() const { return w_; }
  double bias() const { return b_; }

  nlohmann::json to_json() const;
  static LogisticModel from_json(const nlohmann::json& j);

 private:
  ModelConfig cfg_;
  FeatureVec w_{};
  double b_ = 0;
  int64_t updates_ = 0;
};

}  // namespace algohost::mem
