// The macd strategy plugin: exports MacdStrategy (see macd_strategy.hpp) as "macd".
#include "macd/macd_strategy.hpp"

ALGOHOST_EXPORT_STRATEGY(algohost::plugins::MacdStrategy, "macd")
