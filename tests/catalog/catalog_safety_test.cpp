// Catalog safety: the schema and its version check, corrupt files, the append-only audit log,
// hostile text (SQL injection, LIKE wildcards, quotes, FTS5 query syntax), read-only catalogs and
// two connections sharing one file.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/schema.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::TempDir;
using algohost::testing::write_file;

using algohost::testing::must;

// The SQL of every statement of the connection that is still running (stepped to a row and left
// neither finished nor reset). Such a statement keeps a read transaction, and so an old snapshot,
// open on the file.
std::string busy_statements(Catalog& c) {
  std::string out;
  sqlite3* db = c.database().raw();
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s))
    if (sqlite3_stmt_busy(s)) out += std::string("  ") + sqlite3_sql(s) + "\n";
  return out;
}

using testutil::scalar;
std::string text_of(Catalog& c, const std::string& sql) {
  auto st = must(c.database().prepare(sql), sql);
  if (!st->step()) throw std::runtime_error("no row: " + sql);
  std::string v = st->text(0);
  st->reset();
  return v;
}

// Runs SQL on a file with the plain SQLite C API, outside the catalog.
void raw_exec(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

Registration reg(const std::string& name, const std::string& category = "momentum",
                 std::vector<std::string> tags = {}, const std::string& description = "") {
  Registration r;
  r.name = name;
  r.display_name = name;
  r.language = "cpp";
  r.category = category;
  r.tags = std::move(tags);
  r.description = description;
  return r;
}

std::vector<std::string> names(const std::vector<StrategyRecord>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.strategy_name);
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> names(const std::vector<SearchHit>& v) {
  std::vector<std::string> out;
  for (const auto& h : v) out.push_back(h.strategy.strategy_name);
  std::sort(out.begin(), out.end());
  return out;
}
using V = std::vector<std::string>;

// ---- Schema ------------------------------------------------------------------------------

TEST(CatalogSchema, ForeignKeysWalAndSchemaVersion) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  EXPECT_EQ(scalar(*cat, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(text_of(*cat, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  // Foreign keys are enforced, not just declared.
  Status st = cat->database().exec("INSERT INTO strategy_tags (strategy_id, tag) VALUES ('no-such-id', 'x')");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategy_tags"), 0);
  for (const char* table : {"strategies", "strategy_tags", "strategy_versions", "strategy_performance",
                            "strategy_parameters", "strategy_relationships", "mem_learned_patterns", "audit_log",
                            "runs", "strategies_fts"})
    EXPECT_EQ(scalar(*cat, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"), 1)
        << table;
}

TEST(CatalogSchema, ReopeningKeepsDataAndVersion) {
  TempDir dir;
  {
    auto cat = must(Catalog::open(dir / "catalog.db"));
    must(cat->register_strategy(reg("kept")));
  }
  auto cat = must(Catalog::open(dir / "catalog.db"));
  EXPECT_EQ(must(cat->get("kept")).strategy_name, "kept");
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), 1);  // migration did not run twice
}

// A catalog written at schema version 2 migrates to 3 (strategies and strategy_versions rebuilt
// with OR-chain CHECKs, unused indexes gone, mem_models added), keeping every row, the rowids the
// full-text index shares, the references into the rebuilt tables, and the CHECKs themselves.
TEST(CatalogSchema, Version2CatalogMigratesKeepingRowsRowidsAndChecks) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  std::string parent_id, child_id;
  {
    auto db = must(sql::Database::open(file, {}));
    must(migrate(*db, false, 2));
  }
  {
    // Written through an older schema's file by today's API: the tables it touches exist at v2.
    auto db = must(sql::Database::open(file, {}));
    must(db->exec(
        "INSERT INTO strategies (strategy_id, strategy_name, display_name, description, complexity_level, language, "
        "origin, status, created_at, updated_at) VALUES "
        "('sid-a', 'alpha_walrus', 'Alpha', 'first', 'simple', 'cpp', 'built_in', 'active', 't', 't'),"
        "('sid-b', 'beta', 'Beta', 'second', 'complex', 'python', 'learned', 'experimental', 't', 't');"
        "DELETE FROM strategies WHERE strategy_id = 'sid-a';"  // leaves a gap: rowids must survive as they are
        "INSERT INTO strategies (strategy_id, strategy_name, display_name, description, learned_from_strategy_id, "
        "created_at, updated_at) VALUES ('sid-c', 'gamma_walrus', 'Gamma', 'third', 'sid-b', 't', 't');"
        "INSERT INTO strategies_fts (rowid, strategy_name, display_name, description, search_keywords, tags) "
        "SELECT rowid, replace(strategy_name, '_', ' '), display_name, description, '', '' FROM strategies;"
        "INSERT INTO strategy_versions (version_id, strategy_id, version_number, version_major, version_minor, "
        "version_patch, version_type, validation_status, created_at) VALUES "
        "('v-1', 'sid-b', '1.0.0', 1, 0, 0, 'initial', 'passed', 't');"
        "INSERT INTO strategy_tags (strategy_id, tag) VALUES ('sid-c', 'x');"));
  }
  auto cat = must(Catalog::open(file));
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(scalar(*cat, "PRAGMA foreign_keys"), 1);  // back on after the rebuild
  EXPECT_EQ(text_of(*cat, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v3'"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE name IN ('idx_strategies_status', "
                         "'idx_versions_active', 'idx_versions_strategy')"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE name = 'mem_models'"), 1);
  EXPECT_EQ(scalar(*cat, "SELECT rowid FROM strategies WHERE strategy_id = 'sid-c'"), 3);
  // The full-text rows still point at their strategies.
  const auto hits = must(cat->search("walrus"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].strategy.strategy_name, "gamma_walrus");
  EXPECT_EQ(must(cat->get("gamma_walrus")).tags, std::vector<std::string>{"x"});
  EXPECT_EQ(must(cat->get_version("beta", "1.0.0")).validation_status, "passed");
  // The rewritten CHECKs still refuse what they refused.
  // (each refusal must be the constraint's, not any error such as a mistyped statement)
  auto refused_by = [&](const std::string& sql, const char* constraint) {
    const Status st = cat->database().exec(sql);
    EXPECT_FALSE(st.ok()) << sql;
    EXPECT_NE(st.message().find(constraint), std::string::npos) << sql << ": " << st.message();
  };
  refused_by("UPDATE strategies SET status = 'gone' WHERE strategy_id = 'sid-b'", "CHECK constraint failed");
  refused_by("UPDATE strategies SET language = 'java' WHERE strategy_id = 'sid-b'", "CHECK constraint failed");
  refused_by("UPDATE strategy_versions SET version_type = 'big' WHERE version_id = 'v-1'", "CHECK constraint failed");
  EXPECT_TRUE(cat->database().exec("UPDATE strategies SET complexity_level = NULL WHERE strategy_id = 'sid-b'").ok());
  // And the references into the rebuilt tables are enforced.
  refused_by("INSERT INTO strategy_versions (version_id, strategy_id, version_number, version_major, "
             "version_minor, version_patch, created_at) VALUES ('v-x', 'nobody', '1.0.0', 1, 0, 0, 't')",
             "FOREIGN KEY constraint failed");
}

// A catalog written at schema version 1 (trades keyed by performance_id, three indexes) opens,
// migrates to the current version and keeps every trade, its id and its order.
TEST(CatalogSchema, Version1CatalogMigratesKeepingItsTrades) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  {
    auto db = must(sql::Database::open(file, {}));
    must(migrate(*db, false, 1));
    must(db->exec(
        "INSERT INTO strategies (strategy_id, strategy_name, display_name, created_at, updated_at) VALUES "
        "('sid-1', 'old', 'Old', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');"
        "INSERT INTO runs (run_id, kind, started_at, status, strategies_json, engine_version) VALUES "
        "('run-1', 'backtest', '2024-01-01T00:00:00Z', 'finished', '[]', 'test');"
        "INSERT INTO strategy_performance (performance_id, strategy_id, run_id, symbol, signal_action, entry_price, "
        "exit_price, quantity, entry_timestamp, exit_timestamp, pnl, pnl_percentage, is_win, commission, recorded_at) "
        "VALUES ('p-3', 'sid-1', 'run-1', 'A', 'buy', 10, 12, 1, '2024-01-03T00:00:00Z', '2024-01-04T00:00:00Z', 2, 0.2, 1, 0.5, 'x'),"
        "       ('p-1', 'sid-1', NULL, 'A', 'sell', 10, 9, 1, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', -1, -0.1, 0, 0.5, 'x'),"
        "       ('p-2', 'sid-1', 'run-1', 'B', 'buy', 20, 25, 2, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', 10, 0.25, 1, 0, 'x');"));
    auto st = must(db->prepare("PRAGMA user_version"));
    ASSERT_TRUE(st->step());
    ASSERT_EQ(st->int64(0), 1);
  }
  auto cat = must(Catalog::open(file));
  EXPECT_EQ(scalar(*cat, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'idx_perf_%' OR name LIKE '%_v2'"), 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(text_of(*cat, "PRAGMA integrity_check"), "ok");
  const auto trades = must(cat->trades("old"));
  ASSERT_EQ(trades.size(), 3u);
  // Exit order, ties by performance id.
  EXPECT_EQ(trades[0].pnl, -1);
  EXPECT_EQ(trades[1].pnl, 10);
  EXPECT_EQ(trades[2].pnl, 2);
  EXPECT_EQ(trades[2].run_id, std::optional<std::string>("run-1"));
  EXPECT_EQ(must(cat->trades("old", std::string("run-1"))).size(), 2u);
  const PerformanceMetrics m = must(cat->performance("old"));
  EXPECT_EQ(m.trades, 3);
  EXPECT_DOUBLE_EQ(m.total_pnl, 11);
  EXPECT_DOUBLE_EQ(m.total_commission, 1);
  EXPECT_EQ(text_of(*cat, "SELECT group_concat(performance_id, ',') FROM (SELECT performance_id FROM "
                          "strategy_performance ORDER BY performance_id)"),
            "p-1,p-2,p-3");
  // The migrated table takes new trades, and still enforces its references.
  TradeRecord t;
  t.strategy_id = "old";
  t.entry_timestamp = "2024-02-01T00:00:00Z";
  t.exit_timestamp = "2024-02-02T00:00:00Z";
  t.pnl = 1;
  must(cat->record_trade(t));
  EXPECT_EQ(must(cat->performance("old")).trades, 4);
  Status bad = cat->database().exec(
      "INSERT INTO strategy_performance (performance_id, strategy_id, exit_timestamp, recorded_at) "
      "VALUES ('p-9', 'no-such-strategy', '2024-01-01', 'x')");
  EXPECT_FALSE(bad.ok());
}

// The WAL checkpointer: while it lives the writer's commits never checkpoint (automatic
// checkpoints are off on its connection) and its own thread does; afterwards the writer's
// automatic checkpoints are back. Readers on other connections see every commit throughout.
TEST(CatalogSchema, WalCheckpointerMovesCheckpointsOffTheWriter) {
  TempDir dir;
  auto writer = must(sql::Database::open(dir / "plain.db", {}));
  auto reader = must(sql::Database::open(dir / "plain.db", {}));
  must(writer->exec("CREATE TABLE t (x INTEGER, pad TEXT)"));
  auto rows = [&] {
    auto st = must(reader->prepare("SELECT count(*) FROM t"));
    return st->step() ? st->int64(0) : -1;
  };
  {
    auto ckpt = must(sql::WalCheckpointer::start(*writer, 8));
    auto autock = must(writer->prepare("PRAGMA wal_autocheckpoint"));
    ASSERT_TRUE(autock->step());
    EXPECT_EQ(autock->int64(0), 0);
    for (int k = 0; k < 20; ++k) {
      sql::Transaction txn(*writer);
      for (int i = 0; i < 500; ++i) {
        auto ins = must(writer->prepare("INSERT INTO t VALUES (?, printf('%.200c', 'x'))"));
        ins->bind(1, k * 500 + i);
        must(ins->run());
      }
      must(txn.commit());
    }
    for (int i = 0; i < 500 && ckpt->checkpoints() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GT(ckpt->checkpoints(), 0u);
    EXPECT_EQ(rows(), 10000);
  }
  auto autock = must(writer->prepare("PRAGMA wal_autocheckpoint"));
  ASSERT_TRUE(autock->step());
  EXPECT_EQ(autock->int64(0), 1000);
  EXPECT_EQ(rows(), 10000);
}

// Every writable catalog checkpoints on a thread of its own (its connection never does it inside
// a commit); a read-only one leaves SQLite's default alone. Trades written through it are all
// there afterwards, and the file is sound.
TEST(CatalogSchema, AWritableCatalogCheckpointsOffItsConnection) {
  TempDir dir;
  {
    auto cat = must(Catalog::open(dir / "catalog.db"));
    EXPECT_EQ(scalar(*cat, "PRAGMA wal_autocheckpoint"), 0);
    Registration r;
    r.name = "w";
    r.display_name = "W";
    must(cat->register_strategy(r));
    TradeRecord one;  // 500 copies of one trade (assigning in a loop trips GCC 12's -Wrestrict)
    one.strategy_id = "w";
    one.entry_timestamp = "2024-01-01T00:00:00Z";
    one.exit_timestamp = "2024-01-02T00:00:00Z";
    one.pnl = 1;
    const std::vector<TradeRecord> batch(500, one);
    for (int k = 0; k < 20; ++k) must(cat->append_trades(batch));
  }
  CatalogOptions ro;
  ro.read_only = true;
  auto reader = must(Catalog::open(dir / "catalog.db", ro));
  EXPECT_EQ(scalar(*reader, "PRAGMA wal_autocheckpoint"), 1000);
  EXPECT_EQ(must(reader->performance("w")).trades, 10000);
  EXPECT_EQ(text_of(*reader, "PRAGMA integrity_check"), "ok");
}

TEST(CatalogSchema, NewerSchemaIsRefusedNamingBothVersions) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  { must(Catalog::open(file)); }
  raw_exec(file, "PRAGMA user_version = 99");
  for (bool read_only : {false, true}) {
    CatalogOptions o;
    o.read_only = read_only;
    auto r = Catalog::open(file, o);
    ASSERT_FALSE(r.ok()) << read_only;
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    const std::string& msg = r.status().message();
    EXPECT_NE(msg.find("99"), std::string::npos) << msg;
    std::string without_99 = msg;
    without_99.erase(without_99.find("99"), 2);
    EXPECT_NE(without_99.find(std::to_string(kSchemaVersion)), std::string::npos) << msg;
  }
  // Nothing was written: the version is still the newer one.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 99);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Destroying a Catalog really closes the database: its file descriptors are released and, as the
// last connection, it checkpoints and removes the -wal file.
TEST(CatalogSchema, ClosingReleasesTheFile) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  { must(Catalog::open(file)); }  // create once
  const size_t before = open_descriptors();
  for (int i = 0; i < 5; ++i) {
    auto cat = must(Catalog::open(file));
    std::string name = "s";
    name += std::to_string(i);
    Registration r = reg(name);
    must(cat->register_strategy(r));
    must(cat->get(r.name));
  }
  EXPECT_EQ(open_descriptors(), before) << "file descriptors leaked by open/close cycles";
  EXPECT_FALSE(std::filesystem::exists(file.string() + "-wal")) << "the last connection did not close cleanly";
}

TEST(CatalogSchema, NotADatabaseIsCorruption) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  std::string garbage;
  for (int i = 0; i < 2048; ++i) garbage += "this is not a database ";
  write_file(file, garbage);
  auto r = Catalog::open(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().to_string();
  EXPECT_NE(r.status().message().find(file.string()), std::string::npos) << r.status().message();
}

TEST(CatalogSchema, UnopenablePathIsAnError) {
  TempDir dir;
  write_file(dir / "plainfile", "x");
  auto r = Catalog::open(dir / "plainfile" / "catalog.db");  // a file where a folder should be
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError) << r.status().to_string();
}

TEST(CatalogSchema, AuditLogIsAppendOnly) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  must(cat->register_strategy(reg("audited")));
  const int64_t n = scalar(*cat, "SELECT count(*) FROM audit_log");
  ASSERT_EQ(n, 1);
  Status up = cat->database().exec("UPDATE audit_log SET actor = 'mallory'");
  EXPECT_FALSE(up.ok());
  EXPECT_NE(up.message().find("append-only"), std::string::npos) << up.message();
  Status del = cat->database().exec("DELETE FROM audit_log");
  EXPECT_FALSE(del.ok());
  EXPECT_NE(del.message().find("append-only"), std::string::npos) << del.message();
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), n);
  EXPECT_EQ(text_of(*cat, "SELECT actor FROM audit_log"), "cli");
}

// ---- Hostile text ------------------------------------------------------------------------

class CatalogInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = must(Catalog::open(dir / "catalog.db"));
    must(cat->register_strategy(reg(kDrop, "momentum", {kDrop}, std::string("desc ") + kDrop)), "drop");
    must(cat->register_strategy(reg("percent_tagged", "momentum", {"%"}, "100% sure")), "percent");
    must(cat->register_strategy(reg("underscore_tagged", "momentum", {"_"}, "a_b")), "underscore");
    must(cat->register_strategy(reg("it's \"quoted\"", "o'brien", {"it's", "say \"hi\""}, "Bob's \"best\" idea")),
         "quotes");
    must(cat->register_strategy(reg("or_category", "x' OR '1'='1", {"plain"})), "or");
    must(cat->register_strategy(reg("plain_one", "momentum", {"plain"}, "nothing special")), "plain");
    must(cat->register_strategy(reg("100%_sure", "momentum", {"plain"})), "100");
    count = scalar(*cat, "SELECT count(*) FROM strategies");
  }
  void expect_intact() {
    EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategies"), count);
    for (const char* t : {"strategies", "strategy_tags", "audit_log", "strategies_fts"})
      EXPECT_EQ(scalar(*cat, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + t + "'"), 1) << t;
  }
  V run(const StrategyFilter& f) { return names(must(cat->list(f), "list")); }

  static constexpr const char* kDrop = "'; DROP TABLE strategies; --";
  TempDir dir;
  std::unique_ptr<Catalog> cat;
  int64_t count = 0;
};

TEST_F(CatalogInjection, NamesWithSqlAndQuotesRoundTrip) {
  auto s = must(cat->get(kDrop));
  EXPECT_EQ(s.strategy_name, kDrop);
  EXPECT_EQ(s.tags, V{kDrop});
  auto q = must(cat->get("it's \"quoted\""));
  EXPECT_EQ(q.category, "o'brien");
  EXPECT_EQ(q.description, "Bob's \"best\" idea");
  EXPECT_EQ(cat->get("x' OR '1'='1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->get("%").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->get("100%").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->get("_").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cat->get("' OR 1=1 --").status().code(), StatusCode::kNotFound);
  expect_intact();
}

TEST_F(CatalogInjection, FiltersMatchValuesExactly) {
  StrategyFilter f;
  f.all_tags = {"%"};
  EXPECT_EQ(run(f), V{"percent_tagged"});
  f = {};
  f.any_tags = {"_"};
  EXPECT_EQ(run(f), V{"underscore_tagged"});
  f = {};
  f.any_tags = {"%", "_"};
  EXPECT_EQ(run(f), (V{"percent_tagged", "underscore_tagged"}));
  f = {};
  f.all_tags = {kDrop};
  EXPECT_EQ(run(f), V{kDrop});
  f = {};
  f.all_tags = {"it's"};
  EXPECT_EQ(run(f), V{"it's \"quoted\""});
  f = {};
  f.any_tags = {"say \"hi\""};
  EXPECT_EQ(run(f), V{"it's \"quoted\""});
  f = {};
  f.category = "x' OR '1'='1";
  EXPECT_EQ(run(f), V{"or_category"});
  f = {};
  f.category = "o'brien";
  EXPECT_EQ(run(f), V{"it's \"quoted\""});
  f = {};
  f.category = "%";
  EXPECT_EQ(run(f), V{});
  f = {};
  f.category = "momentum' --";
  EXPECT_EQ(run(f), V{});
  f = {};
  f.sub_category = "' OR ''='";
  EXPECT_EQ(run(f), V{});
  f = {};
  f.statuses = {"active' OR '1'='1"};
  EXPECT_EQ(run(f), V{});
  f = {};
  f.language = "cpp' OR 1=1 --";
  EXPECT_EQ(run(f), V{});
  f = {};
  f.sort = "name; DROP TABLE strategies";
  EXPECT_EQ(cat->list(f).status().code(), StatusCode::kInvalidArgument);
  expect_intact();
}

TEST_F(CatalogInjection, SearchWithHostileTextIsExact) {
  // The words of the SQL text are searched for; only the strategy that contains them matches.
  EXPECT_EQ(names(must(cat->search(kDrop))), V{kDrop});
  EXPECT_EQ(names(must(cat->search("DROP TABLE"))), V{kDrop});
  // A tag "_" is a token; "%" is not a word at all and must not act as a wildcard.
  auto pct = must(cat->search("%"));
  EXPECT_LT(pct.size(), static_cast<size_t>(count)) << "'%' matched everything";
  auto us = names(must(cat->search("_")));
  EXPECT_LT(us.size(), static_cast<size_t>(count)) << "'_' matched everything";
  EXPECT_EQ(names(must(cat->search("Bob's"))), V{"it's \"quoted\""});
  EXPECT_EQ(names(must(cat->search("\"best\""))), V{"it's \"quoted\""});
  // OR is an operator (FTS5's) with nothing on its left: refused, naming the query.
  auto sqlish = cat->search("' OR 1=1 --");
  EXPECT_EQ(sqlish.status().code(), StatusCode::kInvalidArgument) << sqlish.status().to_string();
  EXPECT_EQ(names(must(cat->search("1=1 --"))), V{});
  expect_intact();
}

// FTS5 query syntax is read as the user meant it (search_query.h) or refused as InvalidArgument
// naming the query; never an SQL error, never anything FTS5 itself fails on.
TEST_F(CatalogInjection, Fts5QuerySyntaxIsReadOrRefusedClearly) {
  must(cat->register_strategy(reg("rsi_basic", "mean_reversion", {}, "rsi oscillator")));
  must(cat->register_strategy(reg("macd_basic", "momentum", {}, "macd crossover")));
  const std::vector<std::string> inputs = {
      "rsi OR macd", "rsi AND macd", "NOT rsi", "rsi NOT macd", "NEAR(", "NEAR(rsi macd, 2)", "\"", "\"\"", "*",
      "rsi*", "-foo", "col:val", "strategy_name:rsi", "{strategy_name description}: rsi", "^rsi", "(", ")", "()",
      "rsi)", "+", "rsi + macd", "AND", "OR", "NOT", "'", "''", "\\", ";", "--", "/*", "\x01", "caf\xc3\xa9",
      "\xff\xfe", "   ", "", "a\"b", "rsi\"", "rank:1", "strategies_fts MATCH 'x'", std::string(5000, 'a'),
      "%%%", "___"};
  const std::vector<std::string> refused = {"NOT rsi", "NEAR(", "\"", "\"\"", "(", ")", "()", "rsi)", "AND",
                                             "OR", "NOT", "a\"b", "rsi\""};
  for (const auto& in : inputs) {
    auto r = cat->search(in);
    if (std::find(refused.begin(), refused.end(), in) != refused.end()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "search(" << in << "): " << r.status().to_string();
      EXPECT_EQ(r.status().message().rfind("search '" + in + "': ", 0), 0u) << r.status().message();
      continue;
    }
    EXPECT_TRUE(r.ok()) << "search(" << in << "): " << r.status().to_string();
    if (!r.ok()) continue;
    auto n = names(*r);
    std::sort(n.begin(), n.end());
    if (in == "rsi OR macd") {
      EXPECT_EQ(n, (V{"macd_basic", "rsi_basic"})) << "OR is an operator";
    } else if (in == "rsi AND macd" || in == "NEAR(rsi macd, 2)") {
      EXPECT_EQ(n, V{}) << in;
    } else if (in == "rsi NOT macd") {
      EXPECT_EQ(n, V{"rsi_basic"}) << "NOT is an operator";
    }
  }
  // Plain words still work after all that.
  EXPECT_EQ(names(must(cat->search("rsi"))), V{"rsi_basic"});
  EXPECT_EQ(names(must(cat->search("macd crossover"))), V{"macd_basic"});
}

// ---- Read-only ---------------------------------------------------------------------------

void expect_writes_refused(Catalog& cat) {
  auto check = [](const Status& st, const char* what) {
    EXPECT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.code(), StatusCode::kIoError) << what << ": " << st.to_string();  // exit 8, an I/O failure
    EXPECT_NE(st.message().find("read-only"), std::string::npos) << what << ": " << st.message();
  };
  Registration r;
  r.name = "new_one";
  r.display_name = "New";
  check(cat.register_strategy(r).status(), "register");
  StrategyUpdate u;
  u.description = "changed";
  check(cat.update_strategy("existing", u), "update");
  check(cat.deprecate("existing", "why"), "deprecate");
  check(cat.archive("existing"), "archive");
  VersionCreate v;
  v.version = "2.0.0";
  v.artifact_sha256 = std::string(64, 'c');
  check(cat.create_version("existing", v).status(), "create_version");
  TradeRecord t;
  t.strategy_id = "existing";
  t.entry_timestamp = "2024-01-01T10:00:00Z";
  t.exit_timestamp = "2024-01-01T11:00:00Z";
  check(cat.record_trade(t).status(), "record_trade");
  check(cat.update_parameter("existing", "threshold", 5.0, "r"), "update_parameter");
  check(cat.mark_mem_enhanced("existing"), "mark_mem_enhanced");
}

void make_catalog(const std::filesystem::path& file) {
  auto cat = must(Catalog::open(file));
  Registration r;
  r.name = "existing";
  r.display_name = "Existing";
  r.description = "original";
  must(cat->register_strategy(r));
  VersionCreate v;
  v.version = "1.0.0";
  v.artifact_sha256 = std::string(64, 'a');
  v.parameters = Json::parse(R"({"threshold": {"type": "float", "default": 1.0, "min": 0, "max": 10}})");
  v.default_parameters = Json{{"threshold", 1.0}};
  must(cat->create_version("existing", v));
}

TEST(CatalogReadOnly, ReadOnlyOptionRefusesEveryWriteAndChangesNothing) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  make_catalog(file);
  CatalogOptions o;
  o.read_only = true;
  o.data_dir = dir / "mirror";
  auto cat = must(Catalog::open(file, o));
  const int64_t audits = scalar(*cat, "SELECT count(*) FROM audit_log");
  // Reads work.
  EXPECT_EQ(must(cat->get("existing")).description, "original");
  EXPECT_EQ(must(cat->list(StrategyFilter{})).size(), 1u);
  EXPECT_EQ(must(cat->search("existing")).size(), 1u);
  EXPECT_EQ(must(cat->versions("existing")).size(), 1u);
  expect_writes_refused(*cat);
  auto s = must(cat->get("existing"));
  EXPECT_EQ(s.description, "original");
  EXPECT_EQ(s.status, "experimental");
  EXPECT_EQ(s.version_count, 1);
  EXPECT_EQ(s.total_trades, 0);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM strategies"), 1);
  EXPECT_EQ(scalar(*cat, "SELECT count(*) FROM audit_log"), audits);
  EXPECT_FALSE(std::filesystem::exists(dir / "mirror")) << "a read-only catalog wrote its mirror";
}

// Opens `file` (made read-only) for writing and checks the catalog refuses every write with a
// clear reason, or refuses to open with one; nothing changes.
void expect_read_only_file_refused(const std::filesystem::path& file) {
  auto cat = Catalog::open(file);
  if (!cat.ok()) {
    // Refusing to open for writing is fine too, as long as the reason is clear.
    EXPECT_NE(cat.status().code(), StatusCode::kInternal) << cat.status().to_string();
    return;
  }
  expect_writes_refused(**cat);
  EXPECT_EQ(must((*cat)->get("existing")).description, "original");
}

// File permissions do not stop root, so as root the check runs in a child process that has
// dropped to the unprivileged user `nobody` (65534) first; its failures are printed by the child
// and its exit status says whether there were any.
TEST(CatalogReadOnly, ReadOnlyFileRefusesWrites) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  make_catalog(file);
  ASSERT_EQ(::chmod(file.c_str(), 0444), 0);
  if (::geteuid() != 0) {
    expect_read_only_file_refused(file);
  } else {
    ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);  // the child may create its -shm/-wal files
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      // It must be able to read the file, or a refused open would say nothing about writes.
      if (::access(file.c_str(), R_OK) != 0) ::_exit(4);
      expect_read_only_file_refused(file);
      std::fflush(stdout);
      ::_exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the unprivileged child did not exit normally";
    ASSERT_NE(WEXITSTATUS(status), 3) << "could not drop to user nobody";
    ASSERT_NE(WEXITSTATUS(status), 4) << "user nobody cannot read " << file << " (a parent folder is closed to it)";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the read-only catalog let a write through (see the child's failures above)";
  }
  ::chmod(file.c_str(), 0644);
  auto after = must(Catalog::open(file));
  EXPECT_EQ(must(after->get("existing")).description, "original");
  EXPECT_EQ(must(after->versions("existing")).size(), 1u);
  EXPECT_FALSE(after->get("new_one").ok()) << "a refused registration left a row";
}

TEST(CatalogReadOnly, ReadOnlyOpenOfAMissingFileFails) {
  TempDir dir;
  CatalogOptions o;
  o.read_only = true;
  auto r = Catalog::open(dir / "missing.db", o);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

// ---- Two connections ---------------------------------------------------------------------

// "Open one per thread to share a file": each connection sees the other's committed changes and
// can write after the other did.
TEST(CatalogSharing, TwoCatalogsOnOneFileSeeEachOthersChanges) {
  TempDir dir;
  const auto file = dir / "catalog.db";
  auto a = must(Catalog::open(file));
  must(a->register_strategy(reg("from_a")));
  auto b = must(Catalog::open(file));
  EXPECT_EQ(must(b->get("from_a")).strategy_name, "from_a");
  // A reads by name (lookups leave nothing open), then B writes, then A reads and writes.
  EXPECT_EQ(must(a->versions("from_a")).size(), 0u);
  must(b->register_strategy(reg("from_b")));
  auto seen = a->get("from_b");
  EXPECT_TRUE(seen.ok()) << "A does not see B's committed strategy: " << seen.status().to_string();
  Status st = a->register_strategy(reg("from_a_again")).status();
  EXPECT_TRUE(st.ok()) << "A cannot write after B did: " << st.to_string();
  EXPECT_TRUE(b->get("from_a_again").ok());
}

// The cause of the above: no public call may leave a statement running once it has returned.
// (rowid, score) of every match, best first, ranked by `rank_sql` on the catalog's connection.
std::vector<std::pair<int64_t, double>> ranked(Catalog& c, const std::string& rank_sql, const std::string& match) {
  auto st = must(c.database().prepare("SELECT rowid, " + rank_sql +
                                      " AS r FROM strategies_fts WHERE strategies_fts MATCH ?1 ORDER BY r, rowid"));
  st->bind(1, match);
  std::vector<std::pair<int64_t, double>> out;
  while (st->step()) out.emplace_back(st->int64(0), st->real(1));
  EXPECT_TRUE(st->status().ok()) << st->status().message();
  return out;
}

// Search ranks with algohost_rank, which takes each row's token count from a cache instead of
// the index: its scores are FTS5's bm25 scores (the table's rank) exactly, also after other
// connections and this one change the rows.
TEST(CatalogSharing, SearchRankingIsTheIndexsBm25ExactlyAndFollowsChanges) {
  TempDir dir;
  auto a = must(Catalog::open(dir / "catalog.db"));
  auto b = must(Catalog::open(dir / "catalog.db"));
  const std::vector<std::string> words = {"momentum", "reversion", "trend", "breakout", "volatility", "carry"};
  for (int i = 0; i < 40; ++i) {
    Registration r = reg("strat_" + std::to_string(i) + "_" + words[static_cast<size_t>(i) % words.size()]);
    for (int w = 0; w <= i % 7; ++w) r.description += words[static_cast<size_t>(i + w * w) % words.size()] + " ";
    r.search_keywords = words[static_cast<size_t>(i * 3) % words.size()];
    r.tags = {words[static_cast<size_t>(i * 5) % words.size()]};
    must(a->register_strategy(r));
  }
  const std::vector<std::string> queries = {"\"momentum\"", "\"trend\" \"carry\"", "\"vol\"*", "\"strat_1\"*", "\"reversion\""};
  auto check = [&](Catalog& c, const char* when) {
    ASSERT_FALSE(c.search("momentum", 5).value().empty()) << when;  // loads the cache
    for (const auto& q : queries) {
      const auto bm25 = ranked(c, "rank", q);
      const auto fast = ranked(c, "algohost_rank(strategies_fts, 10.0, 5.0, 1.0, 2.0, 3.0)", q);
      ASSERT_FALSE(bm25.empty()) << when << " " << q;
      EXPECT_EQ(fast, bm25) << when << " " << q;
    }
  };
  check(*a, "fresh");
  StrategyUpdate u;
  u.description = "momentum momentum momentum carry trend now much longer than it was before";
  must(b->update_strategy("strat_3_breakout", u));  // another connection changes a row's size
  check(*a, "after another connection's change");
  u.description = "short";
  must(a->update_strategy("strat_4_volatility", u));  // and this one
  check(*a, "after this connection's change");
  must(b->register_strategy(reg("late_momentum_entry")));
  check(*a, "after a new row");
  check(*b, "on the other connection");
  // Search results themselves are ordered by that rank.
  const auto hits = must(a->search("momentum", 50));
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].rank, hits[i].rank);
}

TEST(CatalogSharing, NoStatementIsLeftRunningBetweenCalls) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  EXPECT_EQ(busy_statements(*cat), "") << "after open";
  must(cat->register_strategy(reg("first_s")));
  must(cat->register_strategy(reg("second_s")));
  EXPECT_EQ(busy_statements(*cat), "") << "after register_strategy";
  must(cat->get("first_s"));
  EXPECT_EQ(busy_statements(*cat), "") << "after get";
  VersionCreate v;
  v.version = "1.0.0";
  v.artifact_sha256 = std::string(64, 'a');
  const auto ver = must(cat->create_version("first_s", v));
  EXPECT_EQ(busy_statements(*cat), "") << "after create_version";
  must(cat->versions("first_s"));
  EXPECT_EQ(busy_statements(*cat), "") << "after versions (name lookup)";
  must(cat->get_version(ver.version_id));
  EXPECT_EQ(busy_statements(*cat), "") << "after get_version(id)";
  must(cat->get_version("first_s", "1.0.0"));
  EXPECT_EQ(busy_statements(*cat), "") << "after get_version(name, number)";
  must(cat->link("first_s", "second_s", "combined_with"));
  EXPECT_FALSE(cat->link("first_s", "second_s", "combined_with").ok());
  EXPECT_EQ(busy_statements(*cat), "") << "after a duplicate link";
  must(cat->related("first_s"));
  must(cat->trades("first_s"));
  must(cat->audit(std::string("first_s")));
  EXPECT_EQ(busy_statements(*cat), "") << "after related/trades/audit";
}

}  // namespace
}  // namespace algohost::catalog
