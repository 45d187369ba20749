// Shared by the catalog's implementation files: column lists, row readers and binding helpers.
// Not part of the catalog's interface.
#pragma once

#include <string>
#include <vector>

#include "registry/catalog/catalog.h"

namespace algohost::catalog::internal {

// The strategies columns read by read_strategy(), in order, prefixed with "s.".
extern const char* const kStrategyColumns;
extern const int kStrategyColumnCount;
StrategyRecord read_strategy(sql::Statement& st);

extern const char* const kVersionColumns;
VersionRecord read_version(sql::Statement& st);

// The runs columns read by read_run(), in order.
extern const char* const kRunColumns;
RunRecord read_run(sql::Statement& st);

extern const char* const kTradeColumns;
TradeRecord read_trade(sql::Statement& st);

// Binds a JSON scalar (string, number, bool, null) at index i.
void bind_json(sql::Statement& st, int i, const Json& v);

// Parses a JSON column; null on SQL NULL.
Json parse_json_column(const std::optional<std::string>& text);

// Runs `sql` with `binds`; the statement is cached by the Database.
Status run(sql::Database& db, const std::string& sql, const std::vector<Json>& binds);

}  // namespace algohost::catalog::internal
