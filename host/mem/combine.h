// The MEM formula (docs/mem.md): base confidence, model, memory and patterns into one win
// probability, a new confidence, a new position size and a veto, with the reasoning spelled out.
//
//   evidence i   p_i (a win probability)          w_i (its weight)
//   model        sigmoid(b + w . z)               min(1, n_learned / 50); 0 below 10 learned
//   memory       (wins + 1) / (found + 2)         0.5 * found / k; 0 below 3 found
//   pattern      (wins + 1) / (occurrences + 2)   1 for the best matching pattern; 0 when none
//
//   P = sigmoid( sum_i w_i * logit(p_i) / max(1, sum_i w_i) )       (P = 0.5 with no evidence)
//   confidence' = clamp(base + (P - 0.5), 0, 1)                         (partial and full)
//   size'       = clamp(size * clamp(2P, 0, 1.5) * clamp(v_ref / v, 0.5, 1.5), 0, 1)   (full)
//                 v = the context's volatility, v_ref = exp(mean learned log volatility)
//   veto        full, sum_i w_i >= 0.5 and P < 0.45 -> the action becomes hold
#pragma once

#include <optional>
#include <string>

namespace algohost::mem {

struct Evidence {
  std::optional<double> model_p;
  double model_w = 0;
  int64_t model_n = 0;
  int memory_found = 0, memory_wins = 0, memory_k = 5;
  double memory_w = 0;
  std::string pattern_key;  // empty: none matched
  int64_t pattern_occurrences = 0, pattern_wins = 0;
};

struct Decision {
  double probability = 0.5, weight = 0;
  double confidence = 0, boost = 0;
  double size = 0;  // new size (full), else the input size
  bool veto = false;
};

enum class Mode { kPartial, kFull };

constexpr double kVetoBelow = 0.45;
constexpr double kVetoMinWeight = 0.5;

// `vol` and `v_ref` <= 0: no volatility scaling.
Decision combine(const Evidence& e, Mode mode, double base_confidence, double base_size, double vol, double v_ref);

// "base conf 0.60; model p=0.31 w=1.00 (n=120); memory 1/5 won p=0.29 w=0.50; pattern
// vol_bucket=low 14/16 p=0.83 w=1.00; P=0.42 -> conf 0.52 (-0.08); size 0.50 -> 0.31; veto"
std::string reasoning(const Evidence& e, Mode mode, double base_confidence, double base_size, const Decision& d);

}  // namespace algohost::mem
