// A thin RAII layer over the SQLite C API: a connection, prepared statements with bound
// parameters only (no SQL is ever built from values), and a transaction guard that rolls back
// unless committed. Errors come back as Status with SQLite's message and the statement's text.
// Not thread-safe: one Database per thread (SQLite serialises writers across connections).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "registry/common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace algohost::sql {

// How long a statement waits for another connection's (or process's) write lock before it fails
// with "the catalog is busy": long enough for another command's sync or migration to finish.
constexpr int kBusyTimeoutMs = 30000;

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind by 1-based index. std::nullopt / nullptr binds NULL.
  Statement& bind(int i, std::nullptr_t);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return v ? bind(i, std::string_view(v)) : bind(i, nullptr); }
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, nullptr);
  }

  // Binds all arguments from index 1.
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    return bind_from(1, args...);
  }
  // Binds the arguments from index `first` on (one row of a multi-row INSERT).
  template <class... Args>
  Statement& bind_from(int first, const Args&... args) {
    int i = first - 1;
    (bind(++i, args), ...);
    return *this;
  }

  // Steps once: true when a row is available, false when done. Errors are returned via status().
  bool step();
  // Steps to completion (for statements that return no rows).
  Status run();
  const Status& status() const { return status_; }
  // Makes the statement ready to bind and run again (prepare() does this for cached statements).
  // Also ends borrow_text().
  void reset();
  // Until reset(): text is bound without a copy. Only for callers that keep every bound string
  // alive and unchanged until the statement has run (a hot insert loop).
  void borrow_text() { borrow_text_ = true; }

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<double> opt_real(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  friend class Database;
  friend class StatementRef;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  Status status_;
  bool borrow_text_ = false;
};

// A cached statement on loan: resets it (ending its implicit read transaction, so the connection
// never keeps an old WAL snapshot) when the loan ends. Use as a pointer to the Statement.
class StatementRef {
 public:
  explicit StatementRef(Statement* s) : s_(s) {}
  StatementRef(StatementRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StatementRef& operator=(StatementRef&& o) noexcept {
    if (this != &o) {
      release();
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  StatementRef(const StatementRef&) = delete;
  StatementRef& operator=(const StatementRef&) = delete;
  ~StatementRef() { release(); }
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  void release();
  Statement* s_;
};

class Database {
 public:
  struct Options {
    bool read_only = false;
    bool create = true;
    int busy_timeout_ms = kBusyTimeoutMs;
  };
  // Opens (creating unless told not to) with foreign keys on, WAL, and a busy timeout.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& file, Options options);
  ~Database();

  // A prepared statement, cached by its SQL text, reset for reuse, and reset again when the
  // returned loan ends. Do not prepare the same text again while a loan of it is live.
  Result<StatementRef> prepare(const std::string& sql);
  // Runs one or more statements without parameters (schema, pragmas).
  Status exec(const std::string& sql);
  // Runs one statement without parameters through the statement cache (one that runs often).
  Status run_cached(const std::string& sql);
  int64_t changes() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* raw() { return db_; }
  // True inside a transaction (autocommit off).
  bool in_transaction() const;

  // Maps the last SQLite error to a Status (read-only, corrupt, busy, constraint...).
  Status error(const std::string& what) const;

  // Work deferred to the end of the outermost Transaction: `before_commit` runs just before its
  // COMMIT (inside the transaction; an error fails the commit, which then rolls back), and
  // `after_rollback` after a ROLLBACK of it. Either may be empty. Savepoints do not call them.
  void set_commit_hooks(std::function<Status()> before_commit, std::function<void()> after_rollback);

 private:
  Database() = default;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::map<std::string, std::unique_ptr<Statement>> cache_;
  int savepoints_ = 0;  // open nested Transactions (savepoint depth)
  std::function<Status()> before_commit_;
  std::function<void()> after_rollback_;
  friend class Transaction;
};

// A transaction that nests: the outermost is BEGIN IMMEDIATE ... COMMIT; one opened inside
// another is a SAVEPOINT, released on commit(). Destroyed without a successful commit() it rolls
// back its own work only (ROLLBACK, or ROLLBACK TO its savepoint).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  const Status& status() const { return status_; }
  Status commit();

 private:
  Database& db_;
  Status status_;
  bool done_ = false;
  bool outer_ = false;
  std::string savepoint_;
};

// Takes a writing connection's WAL checkpoints off its thread. SQLite otherwise runs them inside
// the commit that leaves 1000 or more frames in the WAL: that commit then copies the frames into
// the database file and waits for its fsyncs. With this, the writer's automatic checkpoints are
// off and each such commit only wakes a thread of this object, which runs a PASSIVE checkpoint
// through a connection of its own (it copies what no reader still needs and never blocks the
// writer or the readers). Durability is unchanged: commits are in the WAL either way.
// start() and the destructor run on the writer's thread; the writer must outlive this. The
// destructor runs one last checkpoint, stops the thread and restores automatic checkpoints.
class WalCheckpointer {
 public:
  static Result<std::unique_ptr<WalCheckpointer>> start(Database& writer, int pages = 1000);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  // Checkpoints run so far (for tests).
  uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  WalCheckpointer(Database& writer, std::unique_ptr<Database> own, int pages)
      : writer_(writer), own_(std::move(own)), pages_(pages) {}
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  void loop();

  Database& writer_;
  std::unique_ptr<Database> own_;
  const int pages_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false, stop_ = false;
  std::atomic<uint64_t> checkpoints_{0};
  std::thread thread_;
};

}  // namespace algohost::sql
