#include "registry/catalog/sqlite.h"

#include <thread>

#include <sqlite3.h>

#include <chrono>

namespace algohost::sql {

namespace {
Status map_error(sqlite3* db, int rc, const std::string& what) {
  const std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_READONLY: return Status::FailedPrecondition(msg + " (the catalog is read-only)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Corruption(msg);
    case SQLITE_CONSTRAINT: return Status::InvalidArgument(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM: return Status::IoError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::IoError(msg + " (the catalog is busy)");
    default: return Status::Internal(msg);
  }
}
}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::nullptr_t) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), borrow_text_ ? SQLITE_STATIC : SQLITE_TRANSIENT);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE && status_.ok()) status_ = map_error(db_, rc, std::string("SQL \"") + sqlite3_sql(stmt_) + "\"");
  return false;
}

Status Statement::run() {
  while (step()) {
  }
  return status_;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  status_ = Status::Ok();
  borrow_text_ = false;
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
}
std::optional<double> Statement::opt_real(int col) const {
  return is_null(col) ? std::nullopt : std::optional<double>(real(col));
}
std::optional<std::string> Statement::opt_text(int col) const {
  return is_null(col) ? std::nullopt : std::optional<std::string>(text(col));
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& file, Options options) {
  // Before SQLite's first use in the process: no memory statistics. They are never read here, and
  // keeping them takes a global mutex on every allocation, which every connection (the recorder's
  // writer and the engine's readers) would contend on. Refused harmlessly (SQLITE_MISUSE) when
  // something else in the process started SQLite first.
  static const bool configured = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  std::unique_ptr<Database> db(new Database());
  db->path_ = file;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!options.read_only && options.create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(file.c_str(), &db->db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = map_error(db->db_, rc, file.string() + ": cannot open the catalog");
    return st;
  }
  sqlite3_extended_result_codes(db->db_, 1);
  sqlite3_busy_timeout(db->db_, options.busy_timeout_ms);
  Status st = db->exec("PRAGMA foreign_keys = ON");
  if (!st.ok()) return st;
  // Probe the file: a corrupt or non-database file fails here with a clear message.
  st = db->exec("SELECT count(*) FROM sqlite_master");
  if (!st.ok()) return st.with_context(file.string());
  if (!options.read_only) {
    // Switching a new file to WAL needs it to itself, and SQLite answers "database is locked" at
    // once, without the busy handler, while another connection is creating or switching the same
    // file (two commands started at once on a new catalog): wait for it as a busy handler would.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    while (true) {
      st = db->exec("PRAGMA journal_mode = WAL");
      const int rc = sqlite3_errcode(db->db_) & 0xff;
      if (st.ok() || (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (st.ok()) st = db->exec("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY");
    if (!st.ok()) return st.with_context(file.string());
  }
  return db;
}

Database::~Database() {
  cache_.clear();
  if (db_) sqlite3_close_v2(db_);
}

Status Database::error(const std::string& what) const { return map_error(db_, sqlite3_errcode(db_), what); }

void StatementRef::release() {
  if (s_) sqlite3_reset(s_->stmt_);
  s_ = nullptr;
}

Result<StatementRef> Database::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return StatementRef(it->second.get());
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return map_error(db_, rc, "preparing \"" + sql + "\"");
  auto owned = std::make_unique<Statement>(db_, stmt);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return StatementRef(raw);
}

Status Database::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = map_error(db_, rc, "executing SQL");
    return Status(st.code(), msg);
  }
  return Status::Ok();
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

void Database::set_commit_hooks(std::function<Status()> before_commit, std::function<void()> after_rollback) {
  before_commit_ = std::move(before_commit);
  after_rollback_ = std::move(after_rollback);
}

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Database::run_cached(const std::string& sql) {
  auto st = prepare(sql);
  if (!st.ok()) return st.status();
  return (*st)->run();
}

// Transaction control runs as cached prepared statements (parsing "SAVEPOINT ..." for every
// change costs more than the change's own small writes). Savepoints are named by nesting depth,
// so a handful of names, and so of statements, serve every transaction.
Transaction::Transaction(Database& db) : db_(db) {
  outer_ = !db_.in_transaction();
  if (outer_) {
    status_ = db_.run_cached("BEGIN IMMEDIATE");
  } else {
    savepoint_ = "algohost_sp";
    savepoint_ += std::to_string(++db_.savepoints_);
    status_ = db_.run_cached("SAVEPOINT " + savepoint_);
    if (!status_.ok()) --db_.savepoints_;
  }
  done_ = !status_.ok();
}

Transaction::~Transaction() {
  if (done_) return;
  if (outer_) {
    (void)db_.run_cached("ROLLBACK");
    if (db_.after_rollback_) db_.after_rollback_();
  } else {
    (void)db_.run_cached("ROLLBACK TO " + savepoint_);
    (void)db_.run_cached("RELEASE " + savepoint_);
    --db_.savepoints_;
  }
}

Status Transaction::commit() {
  if (done_) return status_.ok() ? Status::Internal("transaction already finished") : status_;
  if (outer_ && db_.before_commit_) {
    if (Status hook = db_.before_commit_(); !hook.ok()) return hook;  // the destructor rolls back
  }
  Status st = db_.run_cached(outer_ ? std::string("COMMIT") : "RELEASE " + savepoint_);
  if (st.ok()) {
    done_ = true;
    if (!outer_) --db_.savepoints_;
  }
  return st;
}

int WalCheckpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (frames >= c->pages_) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(Database& writer, int pages) {
  auto own = Database::open(writer.path(), {});
  if (!own.ok()) return own.status().with_context("opening the checkpointer's connection");
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer, std::move(*own), pages < 1 ? 1 : pages));
  sqlite3_wal_autocheckpoint(writer.raw(), 0);
  sqlite3_wal_hook(writer.raw(), &WalCheckpointer::on_commit, c.get());
  c->thread_ = std::thread([p = c.get()] { p->loop(); });
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  // The writer checkpoints for itself again from here on (SQLite's default threshold).
  sqlite3_wal_autocheckpoint(writer_.raw(), 1000);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return wanted_ || stop_; });
    const bool last = stop_;
    wanted_ = false;
    lock.unlock();
    // PASSIVE: copies what it can without waiting for the writer or any reader, and never blocks
    // them. A busy or locked result only means it tries again after the next commit.
    int log = 0, done = 0;
    (void)sqlite3_wal_checkpoint_v2(own_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    ++checkpoints_;
    lock.lock();
    if (last) return;
  }
}

}  // namespace algohost::sql
