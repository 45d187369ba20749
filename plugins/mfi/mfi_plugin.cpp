// The mfi strategy plugin: exports MfiStrategy (see mfi_strategy.hpp) as "mfi".
#include "mfi/mfi_strategy.hpp"

ALGOHOST_EXPORT_STRATEGY(algohost::plugins::MfiStrategy, "mfi")
