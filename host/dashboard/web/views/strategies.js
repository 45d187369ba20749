/* views/strategies.js — the strategy browser (#/strategies?search=&category=&...): the catalog as a
 * table with full-text search, the CLI's filters (category, tag, status, language, origin, minimum
 * Sharpe) and column sorting. Filtering, sorting and paging are done by the host
 * (GET /api/v1/strategies with limit/offset; X-Total-Count gives the total), so the page stays
 * quick with 100,000 strategies; typing is debounced. The filters live in the URL. */
import { getPage } from "../api.js";
import { h, link, debounce, errorBox } from "../dom.js";
import { setQuery } from "../app.js";

const PAGE = 50;
const FILTERS = ["search", "category", "tag", "status", "language", "origin", "min_sharpe"];
const SORTABLE = { strategy_name: "name", category: "category", status: "status", lifetime_per_trade_sharpe: "sharpe",
  total_trades: "trades", lifetime_win_rate: "win_rate", updated_at: "updated", created_at: "created" };

export async function render(main, _params, query, alive) {
  const state = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || ""]));
  state.sort = query.get("sort") || "";
  state.desc = query.get("desc") === "1";
  state.page = Math.max(0, Number(query.get("page") || 0) | 0);

  const input = (name, attrs) => h("input", { name, value: state[name], ...attrs });
  const statusSel = h("select", { name: "status" },
    ["", "active", "experimental", "deprecated", "archived", "all"].map((s) =>
      h("option", { value: s, selected: s === state.status }, s === "" ? "status: active + experimental" : s === "all" ? "every status" : s)));
  const langSel = h("select", { name: "language" },
    ["", "cpp", "c", "python"].map((s) => h("option", { value: s, selected: s === state.language }, s || "any language")));
  const originSel = h("select", { name: "origin" },
    ["", "built_in", "imported", "learned", "user", "derived"].map((s) => h("option", { value: s, selected: s === state.origin }, s || "any origin")));
  const form = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); } },
    input("search", { type: "search", placeholder: "search: words, \"phrases\", prefix*, OR, NOT", class: "search", "aria-label": "search" }),
    input("category", { placeholder: "category", size: 12 }),
    input("tag", { placeholder: "tags (comma = all)", size: 14 }),
    statusSel, langSel, originSel,
    input("min_sharpe", { type: "number", step: "any", placeholder: "min per-trade Sharpe", size: 8 }));
  const status = h("p", { class: "note", id: "strategies-status" });
  const holder = h("div", { class: "table-holder" });
  const pager = h("div", { class: "pager" });
  main.append(h("section", { class: "panel" }, h("h1", null, "Strategies"), form, status, holder, pager));

  let seq = 0;
  async function load() {
    const my = ++seq;
    const q = new URLSearchParams();
    for (const k of FILTERS) if (state[k]) q.set(k, state[k]);
    if (state.sort) q.set("sort", state.sort);
    if (state.desc) q.set("desc", "1");
    if (state.page) q.set("page", String(state.page));
    setQuery(q);
    const params = { limit: PAGE, offset: state.page * PAGE, sort: state.sort || undefined, desc: state.desc || undefined };
    if (state.search) params.search = state.search;
    for (const k of ["category", "tag", "language", "origin"]) if (state[k]) params[k] = state[k];
    if (state.min_sharpe) params.min_sharpe = state.min_sharpe;
    if (state.status === "all") params.all = true;
    else if (state.status) { params.status = state.status; if (state.status === "deprecated" || state.status === "archived") params.all = true; }
    status.textContent = "Loading…";
    const t0 = performance.now();
    try {
      const { items, total } = await getPage("/api/v1/strategies", params);
      if (my !== seq || !alive()) return;
      const ms = Math.round(performance.now() - t0);
      const from = items.length ? state.page * PAGE + 1 : 0, to = state.page * PAGE + items.length;
      status.textContent = total === null ? `${from}–${to} (${ms} ms)` : `${from}–${to} of ${total} strategies (${ms} ms)`;
      status.dataset.total = total === null ? "" : String(total);
      holder.textContent = "";
      holder.appendChild(tableOf(items));
      pager.textContent = "";
      const last = total === null ? items.length < PAGE : to >= total;
      pager.append(
        h("button", { type: "button", class: "prev", disabled: state.page === 0, onclick: () => { state.page--; load(); } }, "‹ previous"),
        h("span", { class: "page" }, ` page ${state.page + 1}${total ? " of " + Math.max(1, Math.ceil(total / PAGE)) : ""} `),
        h("button", { type: "button", class: "next", disabled: last, onclick: () => { state.page++; load(); } }, "next ›"));
      holder.dataset.loaded = String(my);
      document.body.dataset.strategiesLoaded = String(Date.now());
    } catch (e) {
      if (my !== seq) return;
      status.textContent = "";
      holder.textContent = "";
      holder.appendChild(errorBox(e, "The strategies could not be listed"));
    }
  }

  function tableOf(items) {
    const cols = [
      ["strategy_name", "name", (s) => link(`#/strategies/${encodeURIComponent(s.strategy_name)}`, s.strategy_name, { class: "strategy-link" })],
      ["display_name", "title", (s) => s.display_name || ""],
      ["category", "category", (s) => s.category || ""],
      ["language", "language", (s) => s.language || ""],
      ["status", "status", (s) => h("span", { class: `badge status-${s.status}` }, s.status)],
      ["origin", "origin", (s) => s.origin || ""],
      ["tags", "tags", (s) => (s.tags || []).join(", ")],
      ["current_version", "version", (s) => s.current_version || ""],
      ["lifetime_per_trade_sharpe", "per-trade Sharpe", (s) => window.AHCharts.fmt.num(s.lifetime_per_trade_sharpe, 3)],
      ["lifetime_win_rate", "win rate", (s) => window.AHCharts.fmt.pct(s.lifetime_win_rate)],
      ["total_trades", "trades", (s) => String(s.total_trades ?? "")],
      ["updated_at", "updated", (s) => (s.updated_at || "").slice(0, 10)],
    ];
    const t = h("table", { class: "list strategies", "data-rows": String(items.length) });
    t.appendChild(h("tr", null, cols.map(([key, title]) => {
      const sortKey = SORTABLE[key];
      if (!sortKey) return h("th", null, title);
      const active = state.sort === sortKey;
      return h("th", { class: "sortable" + (active ? " sorted" : ""), "data-sort": sortKey, "aria-sort": active ? (state.desc ? "descending" : "ascending") : null },
        h("button", { type: "button", onclick: () => {
          if (state.sort === sortKey) state.desc = !state.desc; else { state.sort = sortKey; state.desc = sortKey === "sharpe" || sortKey === "updated" || sortKey === "trades"; }
          state.page = 0; load();
        } }, title + (active ? (state.desc ? " ▼" : " ▲") : "")));
    })));
    if (!items.length) t.appendChild(h("tr", null, h("td", { colspan: cols.length, class: "empty" }, "No strategy matches.")));
    for (const s of items) t.appendChild(h("tr", { "data-name": s.strategy_name }, cols.map(([key, , cell]) =>
      h("td", { class: ["lifetime_per_trade_sharpe", "lifetime_win_rate", "total_trades"].includes(key) ? "num" : null }, cell(s)))));
    return t;
  }

  const onChange = debounce(() => {
    for (const k of FILTERS) state[k] = (form.elements[k].value || "").trim();
    state.page = 0;
    load();
  }, 250);
  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);
  await load();
}
