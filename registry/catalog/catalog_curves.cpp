// Catalog: a run's daily equity curves (schema 7, run_curves), runs and a run's trades page by page
// with their totals, a strategy's MEM-enhanced trades and learned strategies (the dashboard's views).
#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"

namespace algohost::catalog {

Status Catalog::record_run_curves(const std::string& run_id, const std::vector<RunCurve>& curves) {
  for (const auto& c : curves)
    if (c.arm != "enhanced" && c.arm != "base")
      return Status::InvalidArgument("run curve of " + c.strategy + ": arm '" + c.arm + "' is not enhanced or base");
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  if (auto run = get_run(run_id); !run.ok()) return run.status();
  for (const auto& c : curves) {
    Json points = Json::array();
    for (const auto& [t, e] : c.equity) points.push_back(Json::array({t, e}));
    Status st = internal::run(*db_,
                              "INSERT OR REPLACE INTO run_curves (run_id, position, arm, strategy, strategy_id, "
                              "starting_capital, equity_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              {run_id, c.position, c.arm, c.strategy, c.strategy_id ? Json(*c.strategy_id) : Json(nullptr),
                               c.starting_capital, points.dump()});
    if (!st.ok()) return st.with_context("run " + run_id + ": curve of " + c.strategy);
  }
  return txn.commit();
}

Result<std::vector<RunCurve>> Catalog::run_curves(const std::string& run_id) {
  if (auto run = get_run(run_id); !run.ok()) return run.status();
  auto st = db_->prepare(
      "SELECT position, arm, strategy, strategy_id, starting_capital, equity_json FROM run_curves WHERE run_id = ? "
      "ORDER BY position, arm = 'base'");
  if (!st.ok()) return st.status();
  (*st)->bind(1, run_id);
  std::vector<RunCurve> out;
  while ((*st)->step()) {
    RunCurve c;
    c.run_id = run_id;
    c.position = (*st)->int64(0);
    c.arm = (*st)->text(1);
    c.strategy = (*st)->text(2);
    c.strategy_id = (*st)->opt_text(3);
    c.starting_capital = (*st)->real(4);
    const Json points = internal::parse_json_column((*st)->opt_text(5));
    if (points.is_array())
      for (const auto& p : points)
        if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number())
          c.equity.emplace_back(p[0].get<int64_t>(), p[1].get<double>());
    out.push_back(std::move(c));
  }
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

namespace {

// One page of rows: how many rows `from_where` (" FROM ... WHERE ...", parameters ?1..?n bound to
// `binds`) selects in all, then `columns` of those rows in `order`, `limit` of them from `offset`
// (bound as ?n+1 and ?n+2), each read by `read`.
template <class T, class Read>
Result<Page<T>> page_of(sql::Database& db, const char* columns, const std::string& from_where, const char* order,
                        const std::vector<Json>& binds, int64_t limit, int64_t offset, Read read) {
  auto bind_all = [&](sql::Statement& st) {
    for (size_t i = 0; i < binds.size(); ++i) internal::bind_json(st, static_cast<int>(i + 1), binds[i]);
  };
  Page<T> page;
  auto counted = db.prepare("SELECT count(*)" + from_where);
  if (!counted.ok()) return counted.status();
  bind_all(**counted);
  page.total = (*counted)->step() ? (*counted)->int64(0) : 0;
  if (!(*counted)->status().ok()) return (*counted)->status();
  const int n = static_cast<int>(binds.size());
  auto st = db.prepare(std::string("SELECT ") + columns + from_where + " ORDER BY " + order + " LIMIT ?" +
                       std::to_string(n + 1) + " OFFSET ?" + std::to_string(n + 2));
  if (!st.ok()) return st.status();
  bind_all(**st);
  (*st)->bind(n + 1, limit).bind(n + 2, offset);
  while ((*st)->step()) page.rows.push_back(read(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  return page;
}

}  // namespace

Result<Page<RunRecord>> Catalog::runs_page(const RunFilter& f) {
  if (f.limit < 0 || f.offset < 0) return Status::InvalidArgument("limit and offset must not be negative");
  const std::string where =
      " WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(r.strategies_json) e "
      "WHERE json_extract(e.value, '$.strategy') = ?2 OR substr(json_extract(e.value, '$.strategy'), 1, length(?2) + 1) = ?2 || '@'))";
  const std::vector<Json> binds{f.kind ? Json(*f.kind) : Json(nullptr), f.strategy_name ? Json(*f.strategy_name) : Json(nullptr)};
  return page_of<RunRecord>(*db_, internal::kRunColumns, " FROM runs r" + where, "r.started_at DESC, r.rowid DESC", binds,
                            f.limit, f.offset, [](sql::Statement& st) { return internal::read_run(st); });
}

Result<Page<TradeRecord>> Catalog::run_trades(const RunTradeFilter& f) {
  if (f.limit < 0 || f.offset < 0) return Status::InvalidArgument("limit and offset must not be negative");
  if (auto run = get_run(f.run_id); !run.ok()) return run.status();
  std::string side_sql = "1";
  if (f.side) {
    if (*f.side == "buy" || *f.side == "sell" || *f.side == "target") side_sql = "p.signal_action = ?4";
    else if (*f.side == "long") side_sql = "p.quantity > 0";
    else if (*f.side == "short") side_sql = "p.quantity < 0";
    else return Status::InvalidArgument("side: '" + *f.side + "' is not one of: buy, sell, target, long, short");
  }
  const std::string where = " FROM strategy_performance p WHERE p.run_id = ?1 AND (?2 IS NULL OR p.strategy_id = ?2) "
                            "AND (?3 IS NULL OR p.symbol = ?3) AND (?4 IS NULL OR " + side_sql + ")";
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  const std::vector<Json> binds{f.run_id, opt(f.strategy_id), opt(f.symbol), opt(f.side)};
  return page_of<TradeRecord>(*db_, internal::kTradeColumns, where, "p.exit_timestamp, p.performance_id", binds, f.limit,
                              f.offset, [](sql::Statement& st) { return internal::read_trade(st); });
}

Result<std::vector<TradeRecord>> Catalog::mem_enhanced_trades(const std::string& id_or_name, int64_t limit) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  auto st = db_->prepare(std::string("SELECT ") + internal::kTradeColumns +
                         " FROM strategy_performance p WHERE p.strategy_id = ?1 AND p.was_mem_enhanced = 1 "
                         "ORDER BY p.entry_timestamp DESC, p.performance_id DESC LIMIT ?2");
  if (!st.ok()) return st.status();
  (*st)->bind_all(*sid, limit);
  std::vector<TradeRecord> out;
  while ((*st)->step()) out.push_back(internal::read_trade(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

Result<std::vector<StrategyRecord>> Catalog::learned_from(const std::string& id_or_name) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  return query_strategies("s.learned_from_strategy_id = ?1", {*sid}, "s.strategy_name", "");
}

}  // namespace algohost::catalog
