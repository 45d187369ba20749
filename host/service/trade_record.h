// The catalog's record of one closed trade, as every face that runs strategies writes it (`run`
// and the live host): the broker's ClosedTrade with the ids of what ran and where.
#pragma once

#include <string>

#include "host/data/bar_series.h"
#include "host/engine/paper_broker.h"
#include "registry/catalog/types.h"

namespace algohost {

// `version_id` "" = none (a learned strategy has no version of its own).
catalog::TradeRecord to_trade_record(const ClosedTrade& t, const std::string& symbol, const std::string& timeframe,
                                     const std::string& strategy_id, const std::string& version_id,
                                     const std::string& run_id);

// The bar spacing of a series as a timeframe name ("1m", "1h", "1d", or "<seconds>s"); "" for
// fewer than two bars.
std::string timeframe_of(const BarSeries& s);

}  // namespace algohost
