// Catalog: opening, strategies (register, update, deprecate, archive), discovery and search.
// Versions, performance, parameters, relationships and audit queries live in their own files.
#include "registry/catalog/catalog.h"
#include "registry/catalog/search_query.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include "registry/catalog/catalog_internal.h"
#include "registry/catalog/file_mirror.h"
#include "registry/catalog/schema.h"

namespace algohost::catalog {

using internal::bind_json;
using internal::read_strategy;

std::string now_iso() {
  // Every change stamps one or more rows: the date and time are formatted once per second and
  // only the milliseconds after that.
  using namespace std::chrono;
  const auto ms_since_epoch = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(ms_since_epoch / 1000);
  thread_local std::time_t cached_second = -1;
  thread_local char prefix[64];  // "2026-11-24T10:00:00"
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = t;
  }
  const int ms = static_cast<int>(ms_since_epoch % 1000);
  std::string out(prefix);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
  return out;
}

void new_uuid_into(char* out) {
  // UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered ids
  // keep inserts at the right end of the primary-key index instead of scattered through it.
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  thread_local uint64_t last_ms = 0, counter = 0;
  const uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  // Within one millisecond a 12-bit counter (seeded randomly) keeps ids increasing.
  if (ms != last_ms) {
    last_ms = ms;
    counter = rng() & 0x3FF;
  } else {
    ++counter;
  }
  const uint64_t hi = (ms << 16) | 0x7000ULL | (counter & 0xFFF);
  const uint64_t lo = (rng() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  static const char* kHex = "0123456789abcdef";
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int k = nibbles - 1; k >= 0; --k) out[pos++] = kHex[(v >> (4 * k)) & 0xF];
  };
  put(hi >> 32, 8);
  out[pos++] = '-';
  put((hi >> 16) & 0xFFFF, 4);
  out[pos++] = '-';
  put(hi & 0xFFFF, 4);
  out[pos++] = '-';
  put(lo >> 48, 4);
  out[pos++] = '-';
  put(lo & 0xFFFFFFFFFFFFULL, 12);
}

std::string new_uuid() {
  std::string out(kUuidLength, '-');
  new_uuid_into(out.data());
  return out;
}

namespace {

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20; });
}

Status check_one_of(const std::string& field, const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return Status::Ok();
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Status::InvalidArgument(field + ": '" + value + "' is not one of: " + list);
}

std::vector<std::string> clean_tags(const std::vector<std::string>& tags, Status& st) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (t.empty() || t.size() > 100 || has_control_chars(t)) {
      st = Status::InvalidArgument("tag '" + t + "': tags are 1 to 100 printable characters");
      return {};
    }
    if (seen.insert(t).second) out.push_back(t);
  }
  return out;
}

}  // namespace

// ---- Search ranking -----------------------------------------------------------------------
//
// FTS5's bm25 reads each matching row's token count from the index's docsize table, one lookup
// per match, which is most of the cost of ranking thousands of matches. algohost_rank computes
// exactly what bm25 computes (the same formula, in the same order, from the same inputs: FTS5's
// own bm25 in fts5_aux.c) but takes the token count from internal::FtsDocSizes, an array by rowid
// read from that docsize table whenever the database has changed since. A row the array does not
// cover is looked up as bm25 does.

struct internal::FtsDocSizes {
  std::vector<int32_t> total;  // tokens in all columns, by rowid; -1 where there is no row
  bool loaded = false;
  uint32_t data_version = 0;   // SQLITE_FCNTL_DATA_VERSION when loaded
};

namespace {

// The columns' weights of the strategies_fts rank (schema migration 1: bm25(10, 5, 1, 2, 3)).
constexpr const char* kRankCall = "algohost_rank(strategies_fts, 10.0, 5.0, 1.0, 2.0, 3.0)";

struct RankQueryData {
  double avgdl = 0;
  std::vector<double> idf, freq;
};

int count_rows(const Fts5ExtensionApi*, Fts5Context*, void* n) {
  ++*static_cast<sqlite3_int64*>(n);
  return SQLITE_OK;
}

void algohost_rank(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int n_val, sqlite3_value** vals) {
  const double k1 = 1.2, b = 0.75;
  int rc = SQLITE_OK;
  auto* data = static_cast<RankQueryData*>(api->xGetAuxdata(fts, 0));
  if (!data) {  // once per query: IDF of each phrase and the average row size, as bm25 does
    auto owned = std::make_unique<RankQueryData>();
    sqlite3_int64 rows = 0, tokens = 0;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK) owned->avgdl = static_cast<double>(tokens) / static_cast<double>(rows);
    const int phrases = api->xPhraseCount(fts);
    owned->idf.assign(static_cast<size_t>(phrases), 0.0);
    owned->freq.assign(static_cast<size_t>(phrases), 0.0);
    for (int i = 0; rc == SQLITE_OK && i < phrases; i++) {
      sqlite3_int64 hits = 0;
      rc = api->xQueryPhrase(fts, i, &hits, count_rows);
      if (rc == SQLITE_OK) {
        double idf = std::log((static_cast<double>(rows - hits) + 0.5) / (static_cast<double>(hits) + 0.5));
        if (idf <= 0.0) idf = 1e-6;
        owned->idf[static_cast<size_t>(i)] = idf;
      }
    }
    if (rc == SQLITE_OK) {
      data = owned.get();
      rc = api->xSetAuxdata(fts, owned.release(), [](void* p) { delete static_cast<RankQueryData*>(p); });
    }
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
  }
  std::fill(data->freq.begin(), data->freq.end(), 0.0);
  int inst = 0;
  rc = api->xInstCount(fts, &inst);
  for (int i = 0; rc == SQLITE_OK && i < inst; i++) {
    int phrase = 0, col = 0, off = 0;
    rc = api->xInst(fts, i, &phrase, &col, &off);
    if (rc == SQLITE_OK) data->freq[static_cast<size_t>(phrase)] += n_val > col ? sqlite3_value_double(vals[col]) : 1.0;
  }
  double d = 0;
  if (rc == SQLITE_OK) {
    const auto* sizes = static_cast<const internal::FtsDocSizes*>(api->xUserData(fts));
    const sqlite3_int64 rowid = api->xRowid(fts);
    if (sizes && sizes->loaded && rowid >= 0 && rowid < static_cast<sqlite3_int64>(sizes->total.size()) &&
        sizes->total[static_cast<size_t>(rowid)] >= 0) {
      d = sizes->total[static_cast<size_t>(rowid)];
    } else {
      int tokens = 0;
      rc = api->xColumnSize(fts, -1, &tokens);
      d = static_cast<double>(tokens);
    }
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double score = 0.0;
  for (size_t i = 0; i < data->idf.size(); i++)
    score += data->idf[i] * ((data->freq[i] * (k1 + 1.0)) / (data->freq[i] + k1 * (1 - b + b * d / data->avgdl)));
  sqlite3_result_double(ctx, -1.0 * score);
}

}  // namespace

void Catalog::enable_fast_rank() {
  doc_sizes_ = std::make_unique<internal::FtsDocSizes>();
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_->raw(), "SELECT fts5(?1)", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(st, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(st);
  }
  sqlite3_finalize(st);
  fast_rank_ = api && api->iVersion >= 2 &&
               api->xCreateFunction(api, "algohost_rank", doc_sizes_.get(), algohost_rank, nullptr) == SQLITE_OK;
}

Status Catalog::refresh_doc_sizes() {
  // Inside the search's read transaction: the version read here is the snapshot's.
  unsigned int version = 0;
  if (sqlite3_file_control(db_->raw(), "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) {
    doc_sizes_->loaded = false;  // cannot tell whether it changed: every row is looked up
    return Status::Ok();
  }
  if (doc_sizes_->loaded && doc_sizes_->data_version == version) return Status::Ok();
  doc_sizes_->loaded = false;
  doc_sizes_->total.clear();
  auto st = db_->prepare("SELECT id, sz FROM strategies_fts_docsize");
  if (!st.ok()) return st.status();
  while ((*st)->step()) {
    const int64_t id = (*st)->int64(0);
    const std::string sz = (*st)->text(1);  // one varint per column (FTS5's format)
    int64_t total = 0;
    for (size_t i = 0; i < sz.size();) {
      uint64_t v = 0;
      for (int k = 0; i < sz.size() && k < 9; ++k) {
        const auto c = static_cast<unsigned char>(sz[i++]);
        v = (v << 7) | (c & 0x7F);
        if (!(c & 0x80)) break;
      }
      total += static_cast<int64_t>(v);
    }
    if (id < 0 || id > (int64_t{1} << 28) || total > INT32_MAX) continue;  // left to the per-row lookup
    if (static_cast<size_t>(id) >= doc_sizes_->total.size()) doc_sizes_->total.resize(static_cast<size_t>(id) + 1, -1);
    doc_sizes_->total[static_cast<size_t>(id)] = static_cast<int32_t>(total);
  }
  if (!(*st)->status().ok()) return (*st)->status();
  doc_sizes_->data_version = version;
  doc_sizes_->loaded = true;
  return Status::Ok();
}

Result<std::unique_ptr<Catalog>> Catalog::open(const std::filesystem::path& db_file, CatalogOptions options) {
  std::error_code ec;
  if (!options.read_only && db_file.has_parent_path()) std::filesystem::create_directories(db_file.parent_path(), ec);
  auto db = sql::Database::open(db_file, {options.read_only, true, options.busy_timeout_ms});
  if (!db.ok()) return db.status();
  Status st = migrate(**db, options.read_only);
  if (!st.ok()) return st;
  std::unique_ptr<Catalog> c(new Catalog());
  c->options_ = std::move(options);
  c->db_ = std::move(*db);
  if (c->options_.data_dir && !c->options_.read_only) c->mirror_ = std::make_unique<FileMirror>(*c->options_.data_dir);
  c->enable_fast_rank();
  // WAL checkpoints on a thread of their own (sql::WalCheckpointer), not inside the commit that
  // crosses SQLite's threshold: a bulk change (a sync, a run's trades) commits without copying the
  // whole log into the database file and waiting for its fsyncs. Without a second connection the
  // writer checkpoints for itself, as SQLite does.
  if (!c->options_.read_only)
    if (auto cp = sql::WalCheckpointer::start(*c->db_); cp.ok()) c->checkpointer_ = std::move(*cp);
  Catalog* self = c.get();
  c->db_->set_commit_hooks([self] { return self->flush_fts(); }, [self] { self->fts_pending_.clear(); });
  return c;
}

Catalog::~Catalog() = default;

Result<std::string> Catalog::resolve_id(const std::string& id_or_name) {
  auto st = db_->prepare("SELECT strategy_id FROM strategies WHERE strategy_id = ?1 OR strategy_name = ?1");
  if (!st.ok()) return st.status();
  (*st)->bind(1, id_or_name);
  if ((*st)->step()) return (*st)->text(0);
  if (!(*st)->status().ok()) return (*st)->status();
  return Status::NotFound("unknown strategy '" + id_or_name + "'");
}

Status Catalog::write_audit(const std::string& action, const std::string& entity_type, const std::string& entity_id,
                            const std::string& strategy_id, const Json& before, const Json& after) {
  auto st = db_->prepare(
      "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, strategy_id, before_json, after_json) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  (*st)->bind_all(now_iso(), options_.actor, action, entity_type, entity_id, strategy_id);
  (*st)->bind(7, before.is_null() ? std::optional<std::string>() : before.dump());
  (*st)->bind(8, after.is_null() ? std::optional<std::string>() : after.dump());
  return (*st)->run();
}

void Catalog::refresh_fts(const std::string& id, bool is_new) {
  // Written when the outermost transaction commits (flush_fts): FTS5 flushes its pending terms at
  // every savepoint it takes part in, so indexing row by row inside a bulk change costs more than
  // the rows. A strategy registered in this transaction has no index row yet.
  auto [it, inserted] = fts_pending_.emplace(id, is_new);
  if (!inserted) it->second = it->second || is_new;
}

Status Catalog::flush_fts() {
  // One DELETE and one INSERT for everything queued, each over a JSON array of ids: FTS5 flushes
  // its pending terms at the end of every statement, so one statement per strategy would flush
  // once per strategy. The index row shares the strategy's rowid (a keyed delete, not a scan). A
  // strategy rolled back since it was queued has no row to index and is skipped by both.
  if (fts_pending_.empty()) return Status::Ok();
  Json replaced = Json::array(), all = Json::array();
  for (const auto& [id, is_new] : fts_pending_) {
    if (!is_new) replaced.push_back(id);
    all.push_back(id);
  }
  fts_pending_.clear();
  if (!replaced.empty()) {
    Status st = internal::run(*db_,
                              "DELETE FROM strategies_fts WHERE rowid IN (SELECT s.rowid FROM strategies s WHERE "
                              "s.strategy_id IN (SELECT value FROM json_each(?)))",
                              {replaced.dump()});
    if (!st.ok()) return st;
  }
  return internal::run(*db_,
                       "INSERT INTO strategies_fts (rowid, strategy_name, display_name, description, "
                       "search_keywords, tags) SELECT s.rowid, replace(s.strategy_name, '_', ' ') || ' ' || "
                       "s.strategy_name, s.display_name, s.description, s.search_keywords, "
                       "(SELECT group_concat(tag, ' ') FROM strategy_tags t WHERE t.strategy_id = s.strategy_id) "
                       "FROM strategies s WHERE s.strategy_id IN (SELECT value FROM json_each(?)) ORDER BY s.rowid",
                       {all.dump()});
}

Result<std::vector<StrategyRecord>> Catalog::query_strategies(const std::string& where_sql, const std::vector<Json>& binds,
                                                              const std::string& order_sql, const std::string& limit_sql) {
  // Two phases: find the rowids (filter, order, limit) on narrow rows, then read the full records
  // (tags and all) for those rows only.
  const std::string where = where_sql.empty() ? "" : " WHERE " + where_sql;
  const std::string order = order_sql.empty() ? "" : " ORDER BY " + order_sql;
  const std::string sql =
      limit_sql.empty() ? std::string("SELECT ") + internal::kStrategyColumns + " FROM strategies s" + where + order
                        : std::string("SELECT ") + internal::kStrategyColumns +
                              " FROM (SELECT s.rowid AS rid FROM strategies s" + where + order + " " + limit_sql +
                              ") AS ids JOIN strategies s ON s.rowid = ids.rid" + order;
  auto st = db_->prepare(sql);
  if (!st.ok()) return st.status();
  for (size_t i = 0; i < binds.size(); ++i) bind_json(**st, static_cast<int>(i + 1), binds[i]);
  std::vector<StrategyRecord> out;
  while ((*st)->step()) out.push_back(read_strategy(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Result<StrategyRecord> Catalog::get(const std::string& id_or_name) {
  auto rows = query_strategies("s.strategy_id = ?1 OR s.strategy_name = ?1", {id_or_name}, "", "");
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown strategy '" + id_or_name + "'");
  return std::move(rows->front());
}

namespace {

// The WHERE of a strategy listing (without "WHERE"; "" for none), its parameters appended to binds.
std::string strategy_filter_sql(const StrategyFilter& f, std::vector<Json>& binds) {
  std::vector<std::string> where;
  auto eq = [&](const char* col, const std::optional<std::string>& v) {
    if (!v) return;
    binds.push_back(*v);
    where.push_back(std::string(col) + " = ?" + std::to_string(binds.size()));
  };
  eq("s.category", f.category);
  eq("s.sub_category", f.sub_category);
  eq("s.language", f.language);
  eq("s.origin", f.origin);
  if (!f.statuses.empty()) {
    std::string in;
    for (const auto& s : f.statuses) {
      binds.push_back(s);
      in += (in.empty() ? "?" : ", ?") + std::to_string(binds.size());
    }
    where.push_back("s.status IN (" + in + ")");
  } else if (!f.include_inactive) {
    where.push_back("s.status NOT IN ('deprecated', 'archived')");
  }
  // Tags match whatever their case ("RSI" finds "rsi"; ASCII letters, as SQLite's NOCASE folds).
  for (const auto& tag : f.all_tags) {
    binds.push_back(tag);
    where.push_back("EXISTS (SELECT 1 FROM strategy_tags t WHERE t.strategy_id = s.strategy_id AND t.tag = ?" +
                    std::to_string(binds.size()) + " COLLATE NOCASE)");
  }
  if (!f.any_tags.empty()) {
    std::string in;
    for (const auto& tag : f.any_tags) {
      binds.push_back(tag);
      in += (in.empty() ? "?" : ", ?") + std::to_string(binds.size());
    }
    where.push_back("EXISTS (SELECT 1 FROM strategy_tags t WHERE t.strategy_id = s.strategy_id AND t.tag COLLATE NOCASE IN (" +
                    in + "))");
  }
  if (f.min_sharpe) {
    binds.push_back(*f.min_sharpe);
    where.push_back("s.lifetime_sharpe_ratio >= ?" + std::to_string(binds.size()));
  }
  if (f.min_win_rate) {
    binds.push_back(*f.min_win_rate);
    where.push_back("s.lifetime_win_rate >= ?" + std::to_string(binds.size()));
  }
  std::string joined;
  for (const auto& w : where) joined += (joined.empty() ? "" : " AND ") + w;
  return joined;
}

}  // namespace

Result<int64_t> Catalog::count_strategies(const StrategyFilter& f) {
  auto count = [&](const StrategyFilter& filter) -> Result<int64_t> {
    std::vector<Json> binds;
    const std::string where = strategy_filter_sql(filter, binds);
    auto st = db_->prepare(std::string("SELECT count(*) FROM strategies s") + (where.empty() ? "" : " WHERE " + where));
    if (!st.ok()) return st.status();
    for (size_t i = 0; i < binds.size(); ++i) bind_json(**st, static_cast<int>(i + 1), binds[i]);
    const int64_t n = (*st)->step() ? (*st)->int64(0) : 0;
    if (!(*st)->status().ok()) return (*st)->status();
    return n;
  };
  if (!f.statuses.empty() || f.include_inactive) return count(f);
  // "All but deprecated and archived" counted as all minus those two: both counts come from an
  // index (a NOT IN over 100,000 rows would read them all).
  StrategyFilter all = f, inactive = f;
  all.include_inactive = true;
  inactive.statuses = {"deprecated", "archived"};
  auto n_all = count(all);
  if (!n_all.ok()) return n_all.status();
  auto n_inactive = count(inactive);
  if (!n_inactive.ok()) return n_inactive.status();
  return *n_all - *n_inactive;
}

Result<std::vector<StrategyRecord>> Catalog::list(const StrategyFilter& f) {
  std::vector<Json> binds;
  const std::string joined = strategy_filter_sql(f, binds);
  static const std::map<std::string, std::string> kSort = {
      {"name", "s.strategy_name"},       {"sharpe", "s.lifetime_sharpe_ratio"}, {"win_rate", "s.lifetime_win_rate"},
      {"trades", "s.total_trades"},      {"pnl", "s.total_pnl"},                {"created", "s.created_at"},
      {"updated", "s.updated_at"},       {"category", "s.category"},            {"versions", "s.version_count"},
      {"status", "s.status"}};
  auto sort = kSort.find(f.sort);
  if (sort == kSort.end()) {
    std::string list;
    for (const auto& [k, v] : kSort) list += (list.empty() ? "" : ", ") + k;
    return Status::InvalidArgument("sort: '" + f.sort + "' is not one of: " + list);
  }
  if (f.limit < 0 || f.offset < 0) return Status::InvalidArgument("limit and offset must not be negative");
  binds.push_back(f.limit);
  binds.push_back(f.offset);
  // Category, which may be NULL, sorts its NULLs last through "(category IS NULL)", the expression
  // its index (schema 7) starts with; the other columns are NOT NULL or have a DESC index.
  const std::string order = f.sort == "category"
                                ? std::string("(s.category IS NULL), s.category") + (f.descending ? " DESC" : " ASC") + ", s.strategy_name"
                                : sort->second + (f.descending ? " DESC" : " ASC") + " NULLS LAST, s.strategy_name";
  const std::string limit = "LIMIT ?" + std::to_string(binds.size() - 1) + " OFFSET ?" + std::to_string(binds.size());
  return query_strategies(joined, binds, order, limit);
}

Result<std::vector<SearchHit>> Catalog::search(const std::string& text, int64_t limit, bool include_inactive) {
  // The user's words and FTS5 operators, rebuilt as a query FTS5 always reads (search_query.h);
  // a malformed one is InvalidArgument naming the query.
  auto query = fts5_query(text);
  if (!query.ok()) return query.status();
  if (query->empty()) return std::vector<SearchHit>{};
  const std::string& match = *query;
  // Rank and cut on (rowid, rank) pairs first, inside the full-text index; then read the records
  // of the best candidates only and drop inactive ones. When too many candidates were inactive to
  // fill the page, the cut is widened until it holds enough or covers every match.
  // One read snapshot for the whole search, so that the token counts the ranking takes from
  // doc_sizes_ are those of the rows it ranks.
  if (!fts_pending_.empty()) {  // inside a transaction that changed strategies: index them first
    if (Status st = flush_fts(); !st.ok()) return st;
  }
  const bool own_snapshot = fast_rank_ && !db_->in_transaction();
  if (own_snapshot) {
    if (Status st = db_->exec("BEGIN"); !st.ok()) return st;
  }
  struct EndSnapshot {
    sql::Database* db;
    ~EndSnapshot() {
      if (db) (void)db->exec("COMMIT");
    }
  } end_snapshot{own_snapshot ? db_.get() : nullptr};
  if (fast_rank_) {
    if (Status st = db_->exec("SELECT 1 FROM strategies_fts_docsize LIMIT 1"); !st.ok()) return st;  // starts the read
    if (Status st = refresh_doc_sizes(); !st.ok()) return st;
  }
  const std::string rank_sql = fast_rank_ ? std::string(kRankCall) : std::string("rank");
  const std::string sql = std::string("SELECT ") + internal::kStrategyColumns +
                          ", h.rank FROM (SELECT rowid AS rid, " + rank_sql +
                          " AS rank FROM strategies_fts WHERE strategies_fts MATCH ?1 "
                          "ORDER BY rank LIMIT ?3) AS h JOIN strategies s ON s.rowid = h.rid" +
                          (include_inactive ? "" : " WHERE s.status NOT IN ('deprecated', 'archived')") +
                          " ORDER BY h.rank, s.strategy_name LIMIT ?2";
  // FTS5 refusing the query (it should not: fts5_query writes only what it reads) is still the
  // query's fault, said without SQL.
  auto refused = [&](const Status& st) {
    return st.code() == StatusCode::kInternal
               ? Status::InvalidArgument("search '" + text + "': the full-text index cannot read this query")
               : st;
  };
  std::vector<SearchHit> hits;
  for (int64_t cut = limit * 4 + 32;; cut *= 8) {
    auto st = db_->prepare(sql);
    if (!st.ok()) return st.status();
    (*st)->bind(1, match).bind(2, limit).bind(3, cut);
    hits.clear();
    while ((*st)->step()) {
      SearchHit h;
      h.strategy = read_strategy(**st);
      h.rank = (*st)->real(internal::kStrategyColumnCount);
      hits.push_back(std::move(h));
    }
    if (!(*st)->status().ok()) return refused((*st)->status());
    if (include_inactive || static_cast<int64_t>(hits.size()) >= limit || cut > (int64_t{1} << 40)) break;
    // Fewer than a page survived: were there more matches beyond the cut?
    auto more = db_->prepare("SELECT count(*) FROM (SELECT rowid FROM strategies_fts WHERE strategies_fts MATCH ?1 LIMIT ?2)");
    if (!more.ok()) return more.status();
    (*more)->bind(1, match).bind(2, cut + 1);
    if (!(*more)->step()) {
      if (!(*more)->status().ok()) return refused((*more)->status());
      break;
    }
    if ((*more)->int64(0) <= cut) break;
  }
  return hits;
}

Result<std::string> Catalog::register_strategy(const Registration& r) {
  if (r.name.empty() || r.name.size() > 100 || has_control_chars(r.name))
    return Status::InvalidArgument("name: 1 to 100 printable characters");
  if (r.display_name.empty()) return Status::InvalidArgument("display_name: required");
  Status st = check_one_of("origin", r.origin, {"built_in", "learned", "imported", "research"});
  if (st.ok()) st = check_one_of("status", r.status, {"active", "deprecated", "experimental", "archived"});
  if (st.ok() && !r.language.empty()) st = check_one_of("language", r.language, {"cpp", "python", "multi"});
  if (st.ok() && !r.complexity.empty()) st = check_one_of("complexity", r.complexity, {"simple", "moderate", "complex"});
  if (!st.ok()) return st;
  std::vector<std::string> tags = clean_tags(r.tags, st);
  if (!st.ok()) return st;

  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  if (resolve_id(r.name).ok()) return Status::AlreadyExists("strategy '" + r.name + "' is already registered");
  std::optional<std::string> learned_from;
  if (r.learned_from_strategy_id) {
    auto parent = resolve_id(*r.learned_from_strategy_id);
    if (!parent.ok()) return parent.status().with_context("learned_from_strategy_id");
    learned_from = *parent;
  }
  StrategyRecord rec;  // as read_strategy() would read the row back
  rec.strategy_id = new_uuid();
  rec.strategy_name = r.name;
  rec.display_name = r.display_name;
  rec.description = r.description;
  rec.category = r.category;
  rec.sub_category = r.sub_category;
  rec.complexity_level = r.complexity;
  rec.language = r.language;
  rec.file_path = r.file_path;
  rec.class_name = r.class_name;
  rec.origin = r.origin;
  rec.academic_source = r.academic_source;
  rec.learned_from_strategy_id = learned_from;
  rec.created_by = r.created_by;
  rec.status = r.status;
  rec.requires_short_selling = r.requires_short_selling;
  rec.requires_margin = r.requires_margin;
  rec.search_keywords = r.search_keywords;
  rec.mem_learning_enabled = r.mem_learning_enabled;
  rec.runnable = r.runnable;
  rec.created_at = rec.updated_at = now_iso();
  rec.tags = tags;
  std::sort(rec.tags.begin(), rec.tags.end());
  rec.metadata = r.metadata;
  const std::string& id = rec.strategy_id;
  auto ins = db_->prepare(
      "INSERT INTO strategies (strategy_id, strategy_name, display_name, description, category, sub_category, "
      "complexity_level, language, file_path, class_name, origin, academic_source, learned_from_strategy_id, "
      "created_by, status, requires_short_selling, requires_margin, search_keywords, mem_learning_enabled, "
      "metadata_json, created_at, updated_at, runnable) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins.ok()) return ins.status();
  auto opt = [](const std::string& s) { return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s); };
  (*ins)->bind_all(id, r.name, r.display_name, opt(r.description), opt(r.category), opt(r.sub_category),
                   opt(r.complexity), opt(r.language), opt(r.file_path), opt(r.class_name), r.origin,
                   opt(r.academic_source), learned_from, opt(r.created_by), r.status, r.requires_short_selling,
                   r.requires_margin, opt(r.search_keywords), r.mem_learning_enabled);
  (*ins)->bind(20, r.metadata.is_null() ? std::optional<std::string>() : r.metadata.dump());
  (*ins)->bind(21, rec.created_at).bind(22, rec.updated_at).bind(23, r.runnable ? 1 : 0);
  st = (*ins)->run();
  if (!st.ok()) return st;
  for (const auto& t : tags) {
    st = internal::run(*db_, "INSERT INTO strategy_tags (strategy_id, tag) VALUES (?, ?)", {id, t});
    if (!st.ok()) return st;
  }
  refresh_fts(id, /*is_new=*/true);
  if (st = write_audit("register", "strategy", id, id, nullptr, rec.to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(id);
  return id;
}

Status Catalog::update_strategy(const std::string& id_or_name, const StrategyUpdate& u) {
  Status st;
  if (u.status) st = check_one_of("status", *u.status, {"active", "deprecated", "experimental", "archived"});
  if (st.ok() && u.complexity) st = check_one_of("complexity", *u.complexity, {"simple", "moderate", "complex"});
  if (!st.ok()) return st;
  std::vector<std::string> tags;
  if (u.tags) {
    tags = clean_tags(*u.tags, st);
    if (!st.ok()) return st;
  }
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get(id_or_name);
  if (!before.ok()) return before.status();
  const std::string id = before->strategy_id;
  std::vector<std::string> sets;
  std::vector<Json> binds;
  auto set = [&](const char* col, const Json& v) {
    binds.push_back(v);
    sets.push_back(std::string(col) + " = ?" + std::to_string(binds.size()));
  };
  if (u.display_name) set("display_name", *u.display_name);
  if (u.description) set("description", *u.description);
  if (u.category) set("category", *u.category);
  if (u.sub_category) set("sub_category", *u.sub_category);
  if (u.complexity) set("complexity_level", *u.complexity);
  if (u.status) set("status", *u.status);
  if (u.search_keywords) set("search_keywords", *u.search_keywords);
  if (u.academic_source) set("academic_source", *u.academic_source);
  if (u.requires_short_selling) set("requires_short_selling", *u.requires_short_selling ? 1 : 0);
  if (u.requires_margin) set("requires_margin", *u.requires_margin ? 1 : 0);
  if (u.mem_learning_enabled) set("mem_learning_enabled", *u.mem_learning_enabled ? 1 : 0);
  if (u.runnable) set("runnable", *u.runnable ? 1 : 0);
  if (u.metadata) set("metadata_json", u.metadata->is_null() ? Json(nullptr) : Json(u.metadata->dump()));
  set("updated_at", now_iso());
  std::string joined;
  for (const auto& s : sets) joined += (joined.empty() ? "" : ", ") + s;
  binds.push_back(id);
  st = internal::run(*db_, "UPDATE strategies SET " + joined + " WHERE strategy_id = ?" + std::to_string(binds.size()), binds);
  if (!st.ok()) return st;
  if (u.tags) {
    if (st = internal::run(*db_, "DELETE FROM strategy_tags WHERE strategy_id = ?", {id}); !st.ok()) return st;
    for (const auto& t : tags)
      if (st = internal::run(*db_, "INSERT INTO strategy_tags (strategy_id, tag) VALUES (?, ?)", {id, t}); !st.ok()) return st;
  }
  refresh_fts(id);
  auto after = get(id);
  if (!after.ok()) return after.status();
  if (st = write_audit("update", "strategy", id, id, before->to_json(), after->to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(id);
  return Status::Ok();
}

Status Catalog::deprecate(const std::string& id_or_name, const std::string& reason,
                          const std::optional<std::string>& replacement) {
  if (reason.empty()) return Status::InvalidArgument("deprecate: a reason is required");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get(id_or_name);
  if (!before.ok()) return before.status();
  const std::string id = before->strategy_id;
  std::optional<std::string> replacement_id;
  if (replacement) {
    auto r = resolve_id(*replacement);
    if (!r.ok()) return r.status().with_context("replacement");
    if (*r == id) return Status::InvalidArgument("replacement: a strategy cannot replace itself");
    replacement_id = *r;
  }
  const std::string now = now_iso();
  Status st = internal::run(*db_,
                            "UPDATE strategies SET status = 'deprecated', deprecated_at = ?, deprecation_reason = ?, "
                            "replacement_strategy_id = ?, updated_at = ? WHERE strategy_id = ?",
                            {now, reason, replacement_id ? Json(*replacement_id) : Json(nullptr), now, id});
  if (!st.ok()) return st;
  if (replacement_id) {
    st = internal::run(*db_,
                       "INSERT OR IGNORE INTO strategy_relationships (relationship_id, parent_strategy_id, "
                       "child_strategy_id, relationship_type, description, created_at) VALUES (?, ?, ?, 'replaces', ?, ?)",
                       {new_uuid(), *replacement_id, id, "replaces " + before->strategy_name + ": " + reason, now});
    if (!st.ok()) return st;
  }
  auto after = get(id);
  if (!after.ok()) return after.status();
  if (st = write_audit("deprecate", "strategy", id, id, before->to_json(), after->to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(id);
  return Status::Ok();
}

Status Catalog::archive(const std::string& id_or_name) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  auto before = get(id_or_name);
  if (!before.ok()) return before.status();
  const std::string id = before->strategy_id;
  Status st = internal::run(*db_, "UPDATE strategies SET status = 'archived', updated_at = ? WHERE strategy_id = ?",
                            {now_iso(), id});
  if (!st.ok()) return st;
  auto after = get(id);
  if (!after.ok()) return after.status();
  if (st = write_audit("archive", "strategy", id, id, before->to_json(), after->to_json()); !st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  mirror_strategy(id);
  return Status::Ok();
}

Status Catalog::in_transaction(const std::function<Status()>& body) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  Status st = body();
  if (!st.ok()) return st;
  return txn.commit();
}

void Catalog::mirror_strategy(const std::string& strategy_id) {
  if (!mirror_) return;
  auto rec = get(strategy_id);
  if (!rec.ok()) return;
  auto vers = versions(strategy_id);
  auto perf = performance(strategy_id);
  mirror_->write_strategy(*rec, vers.ok() ? *vers : std::vector<VersionRecord>{}, perf.ok() ? &*perf : nullptr);
}

}  // namespace algohost::catalog
