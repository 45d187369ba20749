// Catalog: trades (strategy_performance), performance metrics and the strategies' summaries.
#include <cmath>
#include <map>
#include <set>

#include "registry/catalog/catalog.h"
#include "registry/catalog/catalog_internal.h"

namespace algohost::catalog {

namespace {

bool looks_iso(const std::string& s) {
  auto d = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  return s.size() >= 10 && d(0) && d(1) && d(2) && d(3) && s[4] == '-' && d(5) && d(6) && s[7] == '-' && d(8) && d(9);
}

Status check_trade(const TradeRecord& t, size_t index) {
  auto bad = [&](const std::string& what) { return Status::InvalidArgument("trade " + std::to_string(index) + ": " + what); };
  if (t.strategy_id.empty()) return bad("strategy_id is empty");
  if (!looks_iso(t.entry_timestamp) || !looks_iso(t.exit_timestamp))
    return bad("entry and exit timestamps must be ISO-8601 (got '" + t.entry_timestamp + "', '" + t.exit_timestamp + "')");
  if (t.exit_timestamp < t.entry_timestamp) return bad("exit is before entry");
  for (double v : {t.entry_price, t.exit_price, t.quantity, t.pnl, t.pnl_percentage, t.slippage, t.commission})
    if (!std::isfinite(v)) return bad("prices, quantity, PnL and costs must be finite");
  if (t.signal_action != "buy" && t.signal_action != "sell" && t.signal_action != "hold" && t.signal_action != "target")
    return bad("signal_action '" + t.signal_action + "' is not one of: buy, sell, hold, target");
  return Status::Ok();
}

// Trade-level metrics over pnl values in exit order (formulas in docs/catalog.md).
void compute(const std::vector<std::pair<double, double>>& pnl_and_pct, const std::vector<double>& commissions,
             PerformanceMetrics& m) {
  m.trades = static_cast<int64_t>(pnl_and_pct.size());
  double gross_win = 0, gross_loss = 0, sum_pct = 0, cum = 0, peak = 0;
  // pnl% spread by Welford's update: no cancellation of two large sums (1,000 identical trades
  // used to leave a variance of rounding noise and a "Sharpe" in the millions).
  double mean_pct = 0, m2_pct = 0, max_abs_pct = 0;
  int64_t k = 0;
  for (const auto& [pnl, pct] : pnl_and_pct) {
    if (pnl > 0) {
      ++m.wins;
      gross_win += pnl;
    } else if (pnl < 0) {
      ++m.losses;
      gross_loss -= pnl;
    }
    m.total_pnl += pnl;
    sum_pct += pct;
    const double delta = pct - mean_pct;
    mean_pct += delta / static_cast<double>(++k);
    m2_pct += delta * (pct - mean_pct);
    max_abs_pct = std::max(max_abs_pct, std::fabs(pct));
    cum += pnl;
    peak = std::max(peak, cum);
    m.max_drawdown = std::max(m.max_drawdown, peak - cum);
  }
  for (double c : commissions) m.total_commission += c;
  if (m.trades == 0) return;
  const double n = static_cast<double>(m.trades);
  m.win_rate = static_cast<double>(m.wins) / n;
  m.average_pnl = m.total_pnl / n;
  m.average_pnl_pct = sum_pct / n;
  m.average_win = m.wins ? gross_win / static_cast<double>(m.wins) : 0.0;
  m.average_loss = m.losses ? -gross_loss / static_cast<double>(m.losses) : 0.0;
  if (gross_loss > 0) m.profit_factor = gross_win / gross_loss;
  if (m.trades >= 2) {
    // A spread below kZeroSpread of the largest |pnl%| is rounding noise: the ratio is undefined
    // (null), not huge.
    constexpr double kZeroSpread = 1e-9;
    const double sd = std::sqrt(std::max(0.0, m2_pct) / (n - 1.0));
    if (sd > kZeroSpread * max_abs_pct) m.per_trade_sharpe = m.average_pnl_pct / sd;
  }
}

// INSERT of `rows` trades in one statement (33 parameters a row, in the order insert_trades binds).
std::string insert_trades_sql(size_t rows) {
  std::string sql =
      "INSERT INTO strategy_performance (performance_id, strategy_id, version_id, run_id, trade_id, symbol, timeframe, "
      "signal_action, signal_confidence, entry_price, exit_price, quantity, entry_timestamp, exit_timestamp, "
      "duration_seconds, pnl, pnl_percentage, is_win, max_adverse_excursion, max_favorable_excursion, stop_loss, "
      "take_profit, was_mem_enhanced, mem_confidence_boost, mem_reasoning, learned_pattern_applied, market_regime, "
      "volatility, volume_ratio, broker, slippage, commission, recorded_at) VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += r ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                                             : "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  return sql;
}

}  // namespace

Status Catalog::refresh_summary(const std::string& strategy_id) {
  auto perf = performance(strategy_id);
  if (!perf.ok()) return perf.status();
  return internal::run(*db_,
                       "UPDATE strategies SET lifetime_sharpe_ratio = ?, lifetime_win_rate = ?, total_trades = ?, "
                       "total_pnl = ?, last_used_at = ?, updated_at = ? WHERE strategy_id = ?",
                       {perf->per_trade_sharpe ? Json(*perf->per_trade_sharpe) : Json(nullptr),
                        perf->trades ? Json(perf->win_rate) : Json(nullptr), perf->trades, perf->total_pnl, now_iso(),
                        now_iso(), strategy_id});
}

Status Catalog::refresh_summaries(const std::vector<std::string>& ids_or_names) {
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  std::vector<std::string> ids;
  for (const auto& x : ids_or_names) {
    auto sid = resolve_id(x);
    if (!sid.ok()) return sid.status();
    if (Status st = refresh_summary(*sid); !st.ok()) return st;
    ids.push_back(*sid);
  }
  if (Status st = txn.commit(); !st.ok()) return st;
  for (const auto& id : ids) mirror_strategy(id);
  return Status::Ok();
}

Result<std::vector<std::string>> Catalog::record_trades(const std::vector<TradeRecord>& trades, bool refresh_summaries) {
  std::vector<std::string> ids;
  if (Status st = insert_trades(trades, &ids, refresh_summaries); !st.ok()) return st;
  return ids;
}

Status Catalog::append_trades(std::span<const TradeRecord> trades) { return insert_trades(trades, nullptr, false); }

Status Catalog::insert_trades(std::span<const TradeRecord> trades, std::vector<std::string>* ids_out,
                              bool refresh_summaries) {
  if (trades.empty()) return Status::Ok();  // nothing changes, nothing is audited
  for (size_t i = 0; i < trades.size(); ++i)
    if (Status st = check_trade(trades[i], i); !st.ok()) return st;
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  const std::string now = now_iso();
  // Rows go in kRowsPerInsert at a time (one statement of that many rows), the rest one by one: a
  // statement per row costs SQLite more than the row itself.
  constexpr size_t kRowsPerInsert = 32;
  constexpr int kColumns = 33;
  static const std::string kInsertOne = insert_trades_sql(1), kInsertMany = insert_trades_sql(kRowsPerInsert);
  auto ins = db_->prepare(kInsertOne);
  if (!ins.ok()) return ins.status();
  auto ins_many = db_->prepare(kInsertMany);
  if (!ins_many.ok()) return ins_many.status();
  // Referenced strategies, runs and versions must exist; each distinct value is checked once (a
  // batch normally repeats one of each), for a clear message.
  std::vector<std::pair<const std::string*, std::string>> ids;  // (as given, strategy_id), in first-seen order
  std::vector<const std::string*> known_runs, known_versions;
  auto seen = [](std::vector<const std::string*>& known, const std::string& v) {
    for (auto it = known.rbegin(); it != known.rend(); ++it)
      if (**it == v) return true;
    known.push_back(&v);
    return false;
  };
  std::vector<uint32_t> which(trades.size());  // index into ids, per trade
  for (size_t i = 0; i < trades.size(); ++i) {
    const TradeRecord& t = trades[i];
    if (t.run_id && !seen(known_runs, *t.run_id) && !get_run(*t.run_id).ok())
      return Status::InvalidArgument("trade " + std::to_string(i) + ": run_id '" + *t.run_id + "' is not a recorded run");
    if (t.version_id && !seen(known_versions, *t.version_id) && !get_version(*t.version_id).ok())
      return Status::InvalidArgument("trade " + std::to_string(i) + ": version_id '" + *t.version_id + "' is not a registered version");
    size_t k = ids.size();
    if (k && *ids.back().first == t.strategy_id) {
      k = ids.size() - 1;
    } else {
      k = 0;
      while (k < ids.size() && *ids[k].first != t.strategy_id) ++k;
      if (k == ids.size()) {
        auto sid = resolve_id(t.strategy_id);
        if (!sid.ok()) return sid.status();
        ids.emplace_back(&t.strategy_id, std::move(*sid));
      }
    }
    which[i] = static_cast<uint32_t>(k);
  }
  if (ids_out) {
    ids_out->clear();
    ids_out->reserve(trades.size());
  }
  std::vector<int64_t> counts(ids.size(), 0);
  char pids[kRowsPerInsert][kUuidLength];
  for (size_t from = 0; from < trades.size();) {
    const size_t rows = trades.size() - from >= kRowsPerInsert ? kRowsPerInsert : 1;
    sql::Statement& s = rows == kRowsPerInsert ? **ins_many : **ins;
    s.reset();
    s.borrow_text();  // every string below lives in `trades`, `ids`, `pids` or `now` until run()
    for (size_t r = 0; r < rows; ++r) {
      const size_t i = from + r;
      const TradeRecord& t = trades[i];
      const std::string& sid = ids[which[i]].second;
      ++counts[which[i]];
      new_uuid_into(pids[r]);
      s.bind_from(static_cast<int>(r) * kColumns + 1, std::string_view(pids[r], kUuidLength), sid, t.version_id,
                  t.run_id, t.trade_id, t.symbol, t.timeframe, t.signal_action, t.signal_confidence, t.entry_price,
                  t.exit_price, t.quantity, t.entry_timestamp, t.exit_timestamp, t.duration_seconds, t.pnl,
                  t.pnl_percentage, t.pnl > 0, t.max_adverse_excursion, t.max_favorable_excursion, t.stop_loss,
                  t.take_profit, t.was_mem_enhanced, t.mem_confidence_boost, t.mem_reasoning,
                  t.learned_pattern_applied, t.market_regime, t.volatility, t.volume_ratio, t.broker, t.slippage,
                  t.commission, now);
    }
    Status st = s.run();
    if (!st.ok()) return st;
    if (ids_out)
      for (size_t r = 0; r < rows; ++r) ids_out->emplace_back(pids[r], kUuidLength);
    from += rows;
  }
  Json per_strategy = Json::object();
  for (size_t k = 0; k < ids.size(); ++k)
    per_strategy[ids[k].second] = per_strategy.value(ids[k].second, int64_t{0}) + counts[k];
  if (refresh_summaries)
    for (const auto& [given, sid] : ids)
      if (Status st = refresh_summary(sid); !st.ok()) return st;
  const std::optional<std::string> run_id = trades.front().run_id;
  const std::string audit_strategy = ids.size() == 1 ? ids.front().second : "";
  Status st = write_audit("record_trades", "performance", run_id.value_or(""), audit_strategy, nullptr,
                          Json{{"trades", trades.size()}, {"per_strategy", per_strategy}, {"run_id", run_id ? Json(*run_id) : Json(nullptr)}});
  if (!st.ok()) return st;
  if (st = txn.commit(); !st.ok()) return st;
  if (refresh_summaries) {
    std::vector<const std::string*> mirrored;
    for (const auto& [given, sid] : ids)
      if (!seen(mirrored, sid)) mirror_strategy(sid);
  }
  return Status::Ok();
}

Result<std::string> Catalog::record_trade(const TradeRecord& t) {
  auto ids = record_trades({t});
  if (!ids.ok()) return ids.status();
  return ids->front();
}

Result<PerformanceMetrics> Catalog::performance(const std::string& id_or_name, const std::optional<std::string>& from,
                                                const std::optional<std::string>& to,
                                                const std::optional<std::string>& version_id,
                                                const std::optional<std::string>& run_id) {
  auto strategy = get(id_or_name);
  if (!strategy.ok()) return strategy.status();
  if (run_id)
    if (auto run = get_run(*run_id); !run.ok()) return run.status();
  PerformanceMetrics m;
  m.strategy_id = strategy->strategy_id;
  m.strategy_name = strategy->strategy_name;
  m.from = from;
  m.to = to;
  // A date-only bound covers the whole day: "2024-10-21" as the end means up to 2024-10-21T23:59:59.999Z.
  std::optional<std::string> to_bound = to;
  if (to_bound && to_bound->size() == 10) *to_bound += "T23:59:59.999Z";
  auto st = db_->prepare(
      "SELECT p.pnl, p.pnl_percentage, p.commission, r.status IS NOT NULL AND r.status != 'finished', p.run_id "
      "FROM strategy_performance p LEFT JOIN runs r ON r.run_id = p.run_id WHERE p.strategy_id = ?1 "
      "AND (?2 IS NULL OR p.exit_timestamp >= ?2) AND (?3 IS NULL OR p.exit_timestamp <= ?3) "
      "AND (?4 IS NULL OR p.version_id = ?4) AND (?5 IS NULL OR p.run_id = ?5) ORDER BY p.exit_timestamp, p.performance_id");
  if (!st.ok()) return st.status();
  (*st)->bind_all(m.strategy_id, from, to_bound, version_id, run_id);
  std::vector<std::pair<double, double>> rows;
  std::vector<double> commissions;
  std::set<std::string> unfinished_runs;
  while ((*st)->step()) {
    rows.emplace_back((*st)->real(0), (*st)->real(1));
    commissions.push_back((*st)->real(2));
    if ((*st)->int64(3) != 0) {
      ++m.unfinished_trades;
      unfinished_runs.insert((*st)->text(4));
    }
  }
  if (!(*st)->status().ok()) return (*st)->status();
  m.unfinished_runs = static_cast<int64_t>(unfinished_runs.size());
  compute(rows, commissions, m);
  return m;
}

Result<std::vector<PerformanceMetrics>> Catalog::compare(const std::vector<std::string>& ids_or_names) {
  std::vector<PerformanceMetrics> out;
  for (const auto& id : ids_or_names) {
    auto p = performance(id);
    if (!p.ok()) return p.status();
    out.push_back(std::move(*p));
  }
  return out;
}

Result<std::vector<TradeRecord>> Catalog::trades(const std::string& id_or_name, const std::optional<std::string>& run_id,
                                                 int64_t limit) {
  auto sid = resolve_id(id_or_name);
  if (!sid.ok()) return sid.status();
  if (run_id)
    if (auto run = get_run(*run_id); !run.ok()) return run.status();
  auto st = db_->prepare(std::string("SELECT ") + internal::kTradeColumns +
                         " FROM strategy_performance p WHERE p.strategy_id = ?1 AND (?2 IS NULL OR p.run_id = ?2) "
                         "ORDER BY p.exit_timestamp, p.performance_id LIMIT ?3");
  if (!st.ok()) return st.status();
  (*st)->bind_all(*sid, run_id, limit);
  std::vector<TradeRecord> out;
  while ((*st)->step()) out.push_back(internal::read_trade(**st));
  if (!(*st)->status().ok()) return (*st)->status();
  return out;
}

}  // namespace algohost::catalog
