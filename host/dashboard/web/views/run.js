/* views/run.js — one run (#/runs/ID?strategy=&symbol=&side=): equity and drawdown of its curves,
 * monthly returns, the run's own metrics, MEM arms, and its trades filtered by the host
 * (GET /api/v1/runs/ID/trades, paged); drawn by the same code as the report (runview.js). */
import { get, getPage, enc } from "../api.js";
import { h, errorBox, debounce } from "../dom.js";
import { setQuery } from "../app.js";

const PAGE = 200;

export async function render(main, [id], query, alive) {
  const run = await get(`/api/v1/runs/${enc(id)}`);
  const state = { strategy: query.get("strategy") || "", symbol: query.get("symbol") || "", side: query.get("side") || "", page: 0 };
  const strategies = ((run.results && run.results.strategies) || []).map((s) => s.strategy);
  const stratSel = h("select", { name: "strategy" }, h("option", { value: "" }, "every strategy"),
    strategies.map((s) => h("option", { value: s.split("@")[0], selected: s.split("@")[0] === state.strategy }, s)));
  const symbol = h("input", { name: "symbol", placeholder: "symbol", value: state.symbol, size: 10 });
  const side = h("select", { name: "side" }, ["", "buy", "sell"].map((s) => h("option", { value: s, selected: s === state.side }, s || "either side")));
  const pager = h("span", { class: "pager" });
  const controls = h("form", { class: "filters trade-filters", onsubmit: (e) => e.preventDefault() }, stratSel, symbol, side, pager);
  const content = h("div");
  main.append(h("p", { class: "actions" }, h("a", { href: `/api/v1/runs/${enc(run.run_id)}/report`, target: "_blank", class: "report-link" }, "Open the report of this run"),
    " · ", h("a", { href: `#/compare?runs=${enc(run.run_id)}` }, "compare with other runs")), content);
  const view = window.AHRunView.render(content, run, [], { tradesControls: controls });
  const holder = view.tradesHolder;
  let seq = 0;
  async function loadTrades() {
    const my = ++seq;
    const q = new URLSearchParams();
    for (const k of ["strategy", "symbol", "side"]) if (state[k]) q.set(k, state[k]);
    setQuery(q);
    try {
      const { items, total } = await getPage(`/api/v1/runs/${enc(run.run_id)}/trades`,
        { strategy: state.strategy, symbol: state.symbol, side: state.side, limit: PAGE, offset: state.page * PAGE });
      if (my !== seq || !alive()) return;
      window.AHCharts.tradesTable(holder, items, { strategyNames: view.strategyNames, empty: "No trade matches." });
      pager.textContent = "";
      const last = total === null ? items.length < PAGE : (state.page + 1) * PAGE >= total;
      pager.append(` ${total ?? items.length} trades `,
        h("button", { type: "button", disabled: state.page === 0, onclick: () => { state.page--; loadTrades(); } }, "‹"),
        ` page ${state.page + 1} `, h("button", { type: "button", disabled: last, onclick: () => { state.page++; loadTrades(); } }, "›"));
    } catch (e) {
      holder.textContent = ""; holder.appendChild(errorBox(e, "The trades could not be listed"));
    }
  }
  const onChange = debounce(() => { state.strategy = stratSel.value; state.symbol = symbol.value.trim(); state.side = side.value; state.page = 0; loadTrades(); }, 250);
  controls.addEventListener("input", onChange); controls.addEventListener("change", onChange);
  await loadTrades();
}
