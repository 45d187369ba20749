// The vwap strategy plugin: exports VwapStrategy (see vwap_strategy.hpp) as "vwap".
#include "vwap/vwap_strategy.hpp"

ALGOHOST_EXPORT_STRATEGY(algohost::plugins::VwapStrategy, "vwap")
