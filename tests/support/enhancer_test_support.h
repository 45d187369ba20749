// Helpers for the enhancer tests: the input the stage hands a plugin for a plain entry, and the
// output it pre-fills.
#pragma once

#include <algohost/enhancer_api.h>

namespace algohost::testing {

// An entry: a buy of EURUSD by rsi@1.0.0 on its 2020-01-01 bar (close 1.15), confidence 0.6, size
// 0.5, in a ready mean-reverting market of the given annualized volatility.
inline ah_enhance_input entry_input(double volatility) {
  ah_enhance_input in{};
  in.ts_ms = 1'577'836'800'000;
  in.role = AH_ROLE_ENTRY;
  in.symbol = "EURUSD";
  in.strategy = "rsi@1.0.0";
  in.bar = ah_bar{in.ts_ms, 1.1, 1.2, 1.0, 1.15, 1000};
  in.context.ready = 1;
  in.context.regime = AH_REGIME_MEAN_REVERTING;
  in.context.volatility = volatility;
  in.action = AH_BUY;
  in.side = 1;
  in.confidence = 0.6;
  in.size = 0.5;
  return in;
}

// What the stage passes as the output: the signal unchanged.
inline ah_enhance_output prefilled(const ah_enhance_input& in) {
  ah_enhance_output out{};
  out.confidence = in.confidence;
  out.size = in.size;
  return out;
}

}  // namespace algohost::testing
