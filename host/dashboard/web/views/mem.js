/* views/mem.js — MEM of one strategy (#/mem/NAME): base and enhanced arms of its latest MEM run side
 * by side (equity on the same axes, metrics, the verdict and its statistic), every MEM run's arms
 * and verdict, the learned patterns with counts and win rates in and out of sample, the
 * strategies learned from it, and the reasoning of recent MEM-enhanced signals
 * (GET /api/v1/strategies/NAME/mem). */
import { get, enc } from "../api.js";
import { latestCurves } from "./latest.js";
import { h, link, errorBox, table } from "../dom.js";

const C = () => window.AHCharts;
const F = () => window.AHCharts.fmt;

function wr(x) { return x ? `${x.wins ?? "–"}/${x.occurrences ?? "–"} (${F().pct(x.win_rate)})` : "–"; }

function armMetrics(row, arm) {
  for (const k of [`${arm}_metrics`, arm, `${arm}_arm_metrics`]) if (row[k] && typeof row[k] === "object") return row[k];
  return {};
}

export async function render(main, [name]) {
  const qn = enc(name);
  main.appendChild(h("section", { class: "panel" }, h("h1", null, "MEM: ", link(`#/strategies/${qn}`, name)),
    h("p", { class: "note" }, "MEM learns on the first part of a backtest and is scored on the rest against a shadow base arm that follows the unenhanced signal (docs/mem.md).")));
  const arms = h("section", { class: "panel mem-latest" }, h("h2", null, "Latest MEM run: base vs enhanced"));
  const runsSec = h("section", { class: "panel mem-runs" }, h("h2", null, "MEM runs"));
  const patterns = h("section", { class: "panel mem-patterns" }, h("h2", null, "Learned patterns"));
  const learned = h("section", { class: "panel mem-learned" }, h("h2", null, "Learned strategies"));
  const signals = h("section", { class: "panel mem-signals" }, h("h2", null, "Recent enhanced signals"));
  main.append(arms, runsSec, patterns, learned, signals);

  let mem;
  try { mem = await get(`/api/v1/strategies/${qn}/mem`); }
  catch (e) { for (const s of [runsSec, patterns, learned, signals]) s.appendChild(errorBox(e)); mem = null; }

  // The latest MEM run with both arms' curves.
  try {
    const { run, curves } = await latestCurves(name, { mem: true });
    if (!run) arms.appendChild(h("p", { class: "empty" }, "No finished MEM run of this strategy yet (run it with --mem on)."));
    else {
      arms.appendChild(h("p", { class: "note" }, "Run ", link(`#/runs/${enc(run.run_id)}`, run.run_id), " · ",
        h("a", { href: `/api/v1/runs/${enc(run.run_id)}/report`, target: "_blank" }, "report")));
      const eq = h("div", { class: "equity-chart" }); arms.appendChild(eq);
      C().lineChart(eq, curves.map((c) => ({ label: `${c.strategy} (${c.arm})`, points: c.equity, dashed: c.arm === "base", color: c.arm === "base" ? "#6b7280" : "#2563eb" })), { title: "Equity, both arms", kind: "equity", empty: "This run has no recorded curves." });
      const s = ((run.results && run.results.strategies) || []).find((x) => x.strategy.split("@")[0] === name);
      if (s && s.mem && s.mem.scoring) {
        const sc = s.mem.scoring;
        arms.appendChild(h("p", { class: "verdict", "data-verdict": sc.verdict }, `Verdict: ${sc.verdict} — HAC t ${F().num(sc.hac_t, 3)} (lag ${sc.hac_lag}, ${sc.days} days), improvement ${F().num(sc.improvement_pct, 3)} pp`));
        if (sc.test) arms.appendChild(h("p", { class: "note" }, sc.test));
        const mt = h("div"); arms.appendChild(mt);
        C().metricsTable(mt, [{ label: "base", metrics: sc.base || {} }, { label: "enhanced", metrics: sc.enhanced || {} }]);
      }
    }
  } catch (e) { arms.appendChild(errorBox(e)); }
  if (!mem) return;

  const mr = mem.runs || [];
  runsSec.appendChild(mr.length ? table([
    { title: "run", cell: (r) => r.run_id ? link(`#/runs/${enc(r.run_id)}`, String(r.run_id).slice(0, 13)) : "" },
    { title: "when", cell: (r) => F().time(r.created_at || r.started_at || r.at) },
    { title: "base return", num: true, cell: (r) => F().pct(armMetrics(r, "base").total_return ?? r.base_return) },
    { title: "enhanced return", num: true, cell: (r) => F().pct(armMetrics(r, "enhanced").total_return ?? r.enhanced_return) },
    { title: "base Sharpe", num: true, cell: (r) => F().num(armMetrics(r, "base").sharpe, 3) },
    { title: "enhanced Sharpe", num: true, cell: (r) => F().num(armMetrics(r, "enhanced").sharpe, 3) },
    { title: "verdict", cell: (r) => String(r.verdict ?? "") },
    { title: "statistic", num: true, cell: (r) => F().num(r.hac_t ?? r.statistic, 3) },
  ], mr, { class: "list mem-runs-table" }) : h("p", { class: "empty" }, "No MEM runs recorded."));

  const pats = mem.patterns || [];
  patterns.appendChild(pats.length ? table([
    { title: "pattern", cell: (p) => p.pattern_key },
    { title: "conditions", cell: (p) => h("code", null, JSON.stringify(p.conditions)) },
    { title: "occurrences", num: true, cell: (p) => String(p.occurrences) },
    { title: "win rate", num: true, cell: (p) => F().pct(p.win_rate) },
    { title: "in sample (wins/n)", num: true, cell: (p) => wr(p.in_sample) },
    { title: "out of sample (wins/n)", num: true, cell: (p) => wr(p.out_of_sample) },
    { title: "last seen", cell: (p) => F().time(p.last_seen) },
  ], pats, { class: "list patterns-table" }) : h("p", { class: "empty" }, "No learned patterns."));

  const ls = mem.learned_strategies || [];
  learned.appendChild(ls.length ? h("ul", null, ls.map((s) => h("li", null, link(`#/strategies/${enc(s.strategy_name || s)}`, s.strategy_name || String(s)), s.status ? ` (${s.status})` : "")))
    : h("p", { class: "empty" }, "No strategy has been learned from this one."));

  const sig = mem.recent_signals || [];
  signals.appendChild(sig.length ? table([
    { title: "entry", cell: (t) => F().time(t.entry_timestamp) },
    { title: "symbol", cell: (t) => t.symbol },
    { title: "action", cell: (t) => t.signal_action },
    { title: "confidence", num: true, cell: (t) => F().num(t.signal_confidence, 3) },
    { title: "MEM boost", num: true, cell: (t) => F().num(t.mem_confidence_boost, 3) },
    { title: "pattern", cell: (t) => t.learned_pattern_applied || "" },
    { title: "regime", cell: (t) => t.market_regime || "" },
    { title: "reasoning", cell: (t) => t.mem_reasoning || "" },
    { title: "PnL", num: true, cell: (t) => F().money(t.pnl) },
  ], sig, { class: "list signals-table" }) : h("p", { class: "empty" }, "No MEM-enhanced signals recorded."));
}
