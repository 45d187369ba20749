// RiskAdapter — the learning loop's parameter rule, run after each outcome.
//
// Keeps the strategy's outcomes (exit time, win) and, after each one, computes the win rate over
// the outcomes that exited in the last 30 days (up to and including this one). With at least
// `min_trades` (10) of them, and at least `cooldown` (10) outcomes since the last change:
//   win rate < 0.45  every RISK parameter is multiplied by 0.8 (less exposure, tighter stops)
//   win rate > 0.70  every SIZING parameter is multiplied by 1.2
// A risk parameter is a numeric manifest parameter whose name contains stop, risk, size,
// position, allocation, leverage or exposure; a sizing parameter one whose name contains size,
// position, allocation or leverage. New values are clamped to the manifest's [min, max], integers
// rounded; a parameter already at its bound is left alone. A value that, with the others in
// effect, would break a range or one of the manifest's constraints ("stop_z > entry_z") is never
// proposed: check_parameter_set() decides, and the parameter is left as it is. The caller writes
// each change with Catalog::update_parameter(changed_by = "mem_learning", reason).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/manifest/manifest.h"

namespace algohost::mem {

struct ParamChange {
  std::string parameter;
  nlohmann::json before, after;
  std::string reason;
  int64_t at_ms = 0;  // exit time of the outcome that triggered it
};

class RiskAdapter {
 public:
  // `current`: the parameters in effect (name -> value), updated in place as changes are made.
  RiskAdapter(const Manifest& m, nlohmann::json current) : m_(m), current_(std::move(current)) {}
  std::vector<ParamChange> after_outcome(int64_t exit_ms, bool win);
  const nlohmann::json& current() const { return current_; }

  static bool is_risk(const std::string& name);
  static bool is_sizing(const std::string& name);

  int min_trades = 10, cooldown = 10;

 private:
  const Manifest& m_;
  nlohmann::json current_;
  std::deque<std::pair<int64_t, bool>> window_;
  int64_t since_change_ = 1 << 30;
};

}  // namespace algohost::mem
