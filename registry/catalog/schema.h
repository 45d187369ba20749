// The catalog schema and its forward migrations (docs/catalog.md describes every table).
//
// The schema version is SQLite's user_version. migrate() applies each missing migration in its
// own transaction, in order. A catalog written by a newer algohost (user_version above
// kSchemaVersion) is refused with a message naming both versions: an older binary never writes
// a schema it does not know.
#pragma once

#include "registry/catalog/sqlite.h"

namespace algohost::catalog {

constexpr int kSchemaVersion = 7;

// Brings the database to kSchemaVersion (or, for tests of the migrations, to `target` when given:
// an older version). With read_only, only checks that it is already there.
Status migrate(sql::Database& db, bool read_only, int target = -1);

}  // namespace algohost::catalog
