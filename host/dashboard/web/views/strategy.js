/* views/strategy.js — one strategy (#/strategies/NAME): its record and manifest, versions with
 * changelog and the one running live, parameters with their history and reasons, relationships as
 * links, the audit trail, its runs (each linked to its page and report) and the equity of its
 * latest run. Each section loads on its own; one that fails shows the API's error in its place. */
import { get, getPage, enc } from "../api.js";
import { h, link, errorBox, table } from "../dom.js";
import { latestCurves } from "./latest.js";

const F = () => window.AHCharts.fmt;

function panel(title, cls) {
  const body = h("div", { class: "panel-body" }, h("p", { class: "note" }, "Loading…"));
  const sec = h("section", { class: `panel ${cls || ""}` }, h("h2", null, title), body);
  return { sec, body };
}

async function fill(p, fn) {
  try {
    const nodes = await fn();
    p.body.textContent = "";
    p.body.append(...[].concat(nodes).filter(Boolean));
  } catch (e) {
    p.body.textContent = "";
    p.body.appendChild(errorBox(e));
  }
}

export async function render(main, [name]) {
  const s = await get(`/api/v1/strategies/${enc(name)}`);
  const qn = enc(s.strategy_name);
  main.appendChild(h("section", { class: "panel strategy-head" },
    h("h1", null, s.display_name || s.strategy_name, " ", h("small", null, s.strategy_name)),
    h("p", null, h("span", { class: `badge status-${s.status}` }, s.status), ` ${s.language || ""} · ${s.category || "no category"}`,
      s.sub_category ? ` / ${s.sub_category}` : "", ` · origin ${s.origin || "?"} · current version ${s.current_version || "–"}`,
      s.runnable === false ? " · not runnable (metadata only)" : ""),
    s.description ? h("p", null, s.description) : null,
    s.tags && s.tags.length ? h("p", { class: "tags" }, s.tags.map((t) => h("a", { class: "tag", href: `#/strategies?tag=${enc(t)}` }, t))) : null,
    h("p", { class: "actions" },
      link(`#/compare?names=${qn}`, "Performance"), " · ", link(`#/mem/${qn}`, "MEM"), " · ", link("#/live", "Live"),
      s.deprecation_reason ? ` · deprecated: ${s.deprecation_reason}` : "")));

  const chart = panel("Equity of its latest run", "strategy-chart");
  const versions = panel("Versions", "versions");
  const params = panel("Parameters", "parameters");
  const related = panel("Relationships", "related");
  const perf = panel("Recorded performance", "performance");
  const runs = panel("Runs", "strategy-runs");
  const audit = panel("Audit trail", "audit");
  const manifest = panel("Manifest", "manifest");
  main.append(chart.sec, versions.sec, params.sec, perf.sec, related.sec, runs.sec, audit.sec, manifest.sec);

  const runsPage = getPage(`/api/v1/strategies/${qn}/runs`, { limit: 20 });
  await Promise.all([
    fill(chart, async () => {
      const { run, curves } = await latestCurves(s.strategy_name);
      if (!run) return h("p", { class: "empty" }, "No finished run has included this strategy yet.");
      const note = h("p", { class: "note" }, "Run ", link(`#/runs/${enc(run.run_id)}`, run.run_id), ` (${run.kind}, ${F().time(run.started_at)}) · `,
        link(`#/compare?names=${qn}`, "compare"), " · ", h("a", { href: `/api/v1/runs/${enc(run.run_id)}/report`, target: "_blank" }, "report"));
      if (!curves.length) return [note, h("p", { class: "empty no-curves" }, "This run has no recorded curve for the strategy (runs recorded before curves were kept).")];
      const div = h("div", { class: "equity-chart" });
      window.AHCharts.lineChart(div, window.AHCharts.curveSeries(curves, "equity"), { title: "Equity", kind: "equity" });
      return [note, div];
    }),
    fill(versions, async () => {
      let live = [], liveErr = null;
      try { live = (await get("/api/v1/instances")).filter((i) => i.strategy === s.strategy_name); }
      catch (e) { liveErr = e; }
      const t = table([
        { title: "version", cell: (v) => h("span", null, v.version_number, v.version_number === s.current_version ? h("span", { class: "badge" }, "current") : null) },
        { title: "live", cell: (v) => live.filter((i) => i.version === v.version_number).map((i) => h("span", { class: "badge live", "data-instance": i.instance }, `running: ${i.instance}`))
            .concat(live.filter((i) => i.canary_version === v.version_number).map((i) => h("span", { class: "badge canary" }, `canary: ${i.instance}`))) },
        { title: "type", cell: (v) => v.version_type || "" },
        { title: "created", cell: (v) => F().time(v.created_at) },
        { title: "validation", cell: (v) => v.validation_status || "" },
        { title: "Sharpe", num: true, cell: (v) => F().num(v.sharpe_ratio, 3) },
        { title: "changelog", cell: (v) => [v.changelog || "", v.breaking_changes ? h("div", { class: "warn" }, `breaking: ${v.breaking_changes}`) : null, v.migration_notes ? h("div", { class: "note" }, `migration: ${v.migration_notes}`) : null] },
      ], s.versions || [], { class: "list versions-table", rowAttrs: (v) => ({ "data-version": v.version_number }) });
      return [t, liveErr ? h("p", { class: "note" }, `Which version runs live is unknown: ${liveErr.message}`) : null];
    }),
    fill(params, async () => {
      const p = await get(`/api/v1/strategies/${qn}/parameters`);
      const rows = p.parameters || [];
      if (!rows.length) return h("p", { class: "empty" }, "No parameters.");
      const t = table([
        { title: "name", cell: (r) => r.name },
        { title: "value", cell: (r) => JSON.stringify(r.value) },
        { title: "type", cell: (r) => r.type || "" },
        { title: "range", cell: (r) => r.choices ? `one of ${r.choices.join(", ")}` : `${r.min ?? "–"} … ${r.max ?? "–"}${r.step ? ` step ${r.step}` : ""}` },
        { title: "description", cell: (r) => r.description || "" },
        { title: "history", cell: (r) => (r.history || []).length ? h("ul", { class: "history" }, r.history.map((c) =>
            h("li", null, `${F().time(c.changed_at)}: ${JSON.stringify(c.previous)} → ${JSON.stringify(c.value)} by ${c.changed_by || "?"}`,
              c.reason ? ` — ${c.reason}` : "", c.improvement_pct !== null && c.improvement_pct !== undefined ? ` (Sharpe ${F().num(c.before_sharpe, 3)} → ${F().num(c.after_sharpe, 3)}, ${F().num(c.improvement_pct, 2)}%)` : ""))) : "defaults, never changed" },
      ], rows, { class: "list params-table" });
      return [h("p", { class: "note" }, `Version ${p.version || s.current_version}`), t,
        p.constraints && p.constraints.length ? h("p", { class: "note" }, "Constraints: " + p.constraints.map((c) => typeof c === "string" ? c : JSON.stringify(c)).join("; ")) : null];
    }),
    fill(perf, async () => {
      const p = s.performance || {};
      return h("dl", { class: "facts" }, ...[["trades", p.trades], ["win rate", F().pct(p.win_rate)], ["total PnL", F().money(p.total_pnl)],
        ["per-trade Sharpe", F().num(p.per_trade_sharpe, 3)], ["profit factor", F().num(p.profit_factor, 3)],
        ["max drawdown", F().money(p.max_drawdown)]].flatMap(([k, v]) => [h("dt", null, k), h("dd", null, String(v ?? "–"))]));
    }),
    fill(related, async () => {
      const r = s.related || [];
      if (!r.length) return h("p", { class: "empty" }, "No relationships.");
      return h("ul", { class: "related-list" }, r.map((x) => h("li", null,
        `${x.direction === "parent" ? "derived from / child of" : "parent of"} `,
        link(`#/strategies/${enc(x.strategy_name)}`, x.strategy_name), ` (${x.relationship_type}${x.description ? ": " + x.description : ""})`)));
    }),
    fill(runs, async () => {
      const { items, total } = await runsPage;
      if (!items.length) return h("p", { class: "empty" }, "No runs.");
      return [h("p", { class: "note" }, `${total ?? items.length} runs; newest first`), runsTable(items)];
    }),
    fill(audit, async () => {
      const rows = await get("/api/v1/audit", { strategy: s.strategy_name, limit: 50 });
      if (!rows.length) return h("p", { class: "empty" }, "No audit entries.");
      return table([
        { title: "at", cell: (a) => F().time(a.at) },
        { title: "actor", cell: (a) => a.actor },
        { title: "action", cell: (a) => a.action },
        { title: "before → after", cell: (a) => h("code", null, `${shortJson(a.before)} → ${shortJson(a.after)}`) },
      ], rows, { class: "list audit-table", rowAttrs: (a) => ({ "data-action": a.action, "data-audit-id": a.audit_id }) });
    }),
    fill(manifest, async () => {
      const m = s.manifest ?? s.metadata ?? null;
      if (!m) return h("p", { class: "empty" }, "No manifest registered (imported metadata only).");
      return h("pre", { class: "json" }, JSON.stringify(m, null, 2));
    }),
  ]);
}

function shortJson(v) {
  if (v === null || v === undefined) return "–";
  const s = JSON.stringify(v);
  return s.length > 160 ? s.slice(0, 157) + "…" : s;
}

export function runsTable(items) {
  return table([
    { title: "run", cell: (r) => link(`#/runs/${enc(r.run_id)}`, r.run_id, { class: "run-link" }) },
    { title: "kind", cell: (r) => r.kind },
    { title: "status", cell: (r) => r.status },
    { title: "started", cell: (r) => F().time(r.started_at) },
    { title: "strategies", cell: (r) => (r.strategies || []).map((x) => typeof x === "string" ? x : x.strategy).join(", ") },
    { title: "MEM", cell: (r) => r.mem ? "yes" : "" },
    { title: "trades", num: true, cell: (r) => String(r.trades_recorded ?? "") },
    { title: "report", cell: (r) => h("a", { href: `/api/v1/runs/${enc(r.run_id)}/report`, target: "_blank", class: "report-link" }, "report") },
  ], items, { class: "list runs-table", rowAttrs: (r) => ({ "data-run": r.run_id }) });
}
