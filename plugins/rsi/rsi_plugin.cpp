// The rsi strategy plugin: exports RsiStrategy (see rsi_strategy.hpp) as "rsi".
#include "rsi/rsi_strategy.hpp"

ALGOHOST_EXPORT_STRATEGY(algohost::plugins::RsiStrategy, "rsi")
