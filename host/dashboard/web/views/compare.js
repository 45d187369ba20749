/* views/compare.js — Performance (#/compare?names=a,b@1.0.0&runs=ID,ID): equity and drawdown of
 * several strategies (each from its latest run) and/or runs on the same axes, the metrics table
 * (the recorded performance of each name, GET /api/v1/compare, and each curve's run metrics),
 * monthly returns as heat maps, and the trades of one of them with filters. */
import { get, getPage, enc } from "../api.js";
import { h, link, errorBox, table } from "../dom.js";
import { setQuery } from "../app.js";
import { latestCurves } from "./latest.js";

const C = () => window.AHCharts;

export async function render(main, _p, query, alive) {
  const names = (query.get("names") || "").split(",").map((s) => s.trim()).filter(Boolean);
  const runs = (query.get("runs") || "").split(",").map((s) => s.trim()).filter(Boolean);
  const namesIn = h("input", { name: "names", value: names.join(","), placeholder: "strategies: rsi, macd@1.0.0", size: 40 });
  const runsIn = h("input", { name: "runs", value: runs.join(","), placeholder: "run ids (optional)", size: 40 });
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (namesIn.value.trim()) q.set("names", namesIn.value.replace(/\s+/g, ""));
    if (runsIn.value.trim()) q.set("runs", runsIn.value.replace(/\s+/g, ""));
    location.hash = `#/compare${q.toString() ? "?" + q : ""}`;
  } }, namesIn, runsIn, h("button", { type: "submit" }, "Compare"));
  main.append(h("section", { class: "panel" }, h("h1", null, "Performance"),
    h("p", { class: "note" }, "Strategies are drawn from their latest run; add run ids to draw those runs. Every curve is on the same axes."), form));
  if (!names.length && !runs.length) {
    main.appendChild(h("p", { class: "empty" }, "Name one or more strategies (or runs) to compare."));
    return;
  }
  const charts = h("section", { class: "panel perf-charts" }, h("h2", null, "Equity and drawdown"));
  const metrics = h("section", { class: "panel perf-metrics" }, h("h2", null, "Metrics"));
  const monthly = h("section", { class: "panel perf-monthly" }, h("h2", null, "Monthly returns"));
  const trades = h("section", { class: "panel perf-trades" }, h("h2", null, "Trades"));
  main.append(charts, metrics, monthly, trades);

  // The curves: each name's latest run (its own curve), then each run named (all its curves).
  const picked = []; // {label, run, curve}
  const problems = [];
  for (const n of names) {
    try {
      const { run, curves } = await latestCurves(n);
      if (!run) { problems.push(`${n}: no finished run has included it`); continue; }
      if (!curves.length) problems.push(`${n}: run ${run.run_id} has no recorded curve for it`);
      for (const c of curves) picked.push({ label: `${c.strategy}${curves.length > 1 ? " (" + c.arm + ")" : ""}`, run, curve: c });
    } catch (e) { problems.push(`${n}: ${e.message}`); }
  }
  for (const id of runs) {
    try {
      const run = await get(`/api/v1/runs/${enc(id)}`);
      if (!(run.curves || []).length) problems.push(`run ${id}: no recorded curves`);
      for (const c of run.curves || []) picked.push({ label: `${id.slice(0, 8)} ${c.strategy}${c.arm === "enhanced" ? " (enhanced)" : run.curves.length > 1 ? " (" + c.arm + ")" : ""}`, run, curve: c });
    } catch (e) { problems.push(`run ${id}: ${e.message}`); }
  }
  if (!alive()) return;
  for (const p of problems) charts.appendChild(h("div", { class: "error", role: "alert" }, p));
  const eq = h("div", { class: "equity-chart" }), dd = h("div", { class: "drawdown-chart" });
  charts.append(eq, dd);
  const dashed = (p) => p.curve.arm === "base" && picked.some((o) => o.run === p.run && o.curve.strategy === p.curve.strategy && o.curve.arm === "enhanced");
  C().lineChart(eq, picked.map((p) => ({ label: p.label, points: p.curve.equity || [], dashed: dashed(p), group: p.run.run_id + p.curve.strategy })), { title: "Equity", kind: "equity" });
  C().lineChart(dd, picked.map((p) => ({ label: p.label, points: p.curve.drawdown || [], dashed: dashed(p), group: p.run.run_id + p.curve.strategy })), { title: "Drawdown", kind: "drawdown", yFormat: (v) => C().fmt.pct(v, 0) });
  for (const p of picked) { const d = h("div"); monthly.appendChild(d); C().heatmap(d, p.curve.monthly_returns || [], { title: p.label }); }

  // Metrics: each curve's run metrics, then the catalog's recorded performance per name.
  const cols = picked.map((p) => {
    const s = ((p.run.results && p.run.results.strategies) || []).find((x) => x.strategy === p.curve.strategy);
    // The run's own metrics are its account's (the enhanced arm of a MEM run); the shadow base
    // arm's, over the same whole run, are mem.base_arm_metrics.
    let m = s ? s.metrics : null;
    if (s && p.curve.arm === "base" && s.mem && s.mem.base_arm_metrics) m = s.mem.base_arm_metrics;
    return { label: p.label, metrics: m || {} };
  });
  const mt = h("div"); metrics.appendChild(mt);
  if (cols.length) C().metricsTable(mt, cols);
  if (names.length) {
    try {
      const rows = await get("/api/v1/compare", { names: names.join(",") });
      metrics.append(h("h3", null, "Recorded trades (catalog)"), table([
        { title: "strategy", cell: (r) => link(`#/strategies/${enc(r.strategy_name.split("@")[0])}`, r.strategy_name) },
        { title: "trades", num: true, cell: (r) => String(r.trades) },
        { title: "win rate", num: true, cell: (r) => C().fmt.pct(r.win_rate) },
        { title: "total PnL", num: true, cell: (r) => C().fmt.money(r.total_pnl) },
        { title: "per-trade Sharpe", num: true, cell: (r) => C().fmt.num(r.per_trade_sharpe, 3) },
        { title: "profit factor", num: true, cell: (r) => C().fmt.num(r.profit_factor, 3) },
        { title: "max drawdown", num: true, cell: (r) => C().fmt.money(r.max_drawdown) },
        { title: "unfinished runs", num: true, cell: (r) => String(r.unfinished_runs ?? 0) },
      ], rows, { class: "list compare-table" }));
    } catch (e) { metrics.appendChild(errorBox(e, "compare")); }
  }

  // Trades: of one picked curve, filtered by symbol and side.
  if (!picked.length) { trades.appendChild(h("p", { class: "empty" }, "No run to list trades of.")); return; }
  const which = h("select", null, picked.map((p, i) => h("option", { value: String(i) }, `${p.label} — run ${p.run.run_id.slice(0, 8)}`)));
  const symbol = h("input", { placeholder: "symbol", size: 10 });
  const side = h("select", null, ["", "buy", "sell"].map((s) => h("option", { value: s }, s || "either side")));
  const holder = h("div");
  trades.append(h("form", { class: "filters", onsubmit: (e) => e.preventDefault() }, which, symbol, side), holder);
  const load = async () => {
    const p = picked[Number(which.value)];
    try {
      const { items, total } = await getPage(`/api/v1/runs/${enc(p.run.run_id)}/trades`,
        { strategy: p.curve.strategy.split("@")[0], symbol: symbol.value.trim(), side: side.value, limit: 200 });
      holder.textContent = "";
      holder.appendChild(h("p", { class: "note" }, `${total ?? items.length} trades${(total ?? 0) > 200 ? " (first 200)" : ""}`));
      const d = h("div"); holder.appendChild(d);
      const names = Object.fromEntries(((p.run.results && p.run.results.strategies) || []).map((x) => [x.strategy_id, x.strategy]));
      C().tradesTable(d, items, { strategyNames: names });
    } catch (e) { holder.textContent = ""; holder.appendChild(errorBox(e, "trades")); }
  };
  which.addEventListener("change", load); side.addEventListener("change", load); symbol.addEventListener("change", load);
  await load();
  setQuery(query);
}
