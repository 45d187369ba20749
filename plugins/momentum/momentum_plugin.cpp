// The momentum strategy plugin: exports MomentumStrategy (see momentum_strategy.hpp) as "momentum".
#include "momentum/momentum_strategy.hpp"

ALGOHOST_EXPORT_STRATEGY(algohost::plugins::MomentumStrategy, "momentum")
