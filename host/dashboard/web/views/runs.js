/* views/runs.js — the recorded runs (#/runs?kind=&strategy=&page=), newest first, paged by the host
 * (GET /api/v1/runs, X-Total-Count); each links to its page and its report. */
import { getPage } from "../api.js";
import { h, errorBox, debounce } from "../dom.js";
import { setQuery } from "../app.js";
import { runsTable } from "./strategy.js";

const PAGE = 50;

export async function render(main, _p, query, alive) {
  const state = { kind: query.get("kind") || "", strategy: query.get("strategy") || "", page: Number(query.get("page") || 0) | 0 };
  const kind = h("select", { name: "kind" }, ["", "backtest", "serve"].map((k) => h("option", { value: k, selected: k === state.kind }, k || "any kind")));
  const strat = h("input", { name: "strategy", placeholder: "strategy", value: state.strategy });
  const status = h("p", { class: "note" });
  const holder = h("div");
  const pager = h("div", { class: "pager" });
  main.append(h("section", { class: "panel" }, h("h1", null, "Runs"), h("form", { class: "filters", onsubmit: (e) => e.preventDefault() }, kind, strat), status, holder, pager));
  let seq = 0;
  async function load() {
    const my = ++seq;
    const q = new URLSearchParams();
    if (state.kind) q.set("kind", state.kind);
    if (state.strategy) q.set("strategy", state.strategy);
    if (state.page) q.set("page", String(state.page));
    setQuery(q);
    try {
      const { items, total } = await getPage("/api/v1/runs", { limit: PAGE, offset: state.page * PAGE, kind: state.kind, strategy: state.strategy });
      if (my !== seq || !alive()) return;
      status.textContent = `${total ?? items.length} runs`;
      holder.textContent = "";
      holder.appendChild(items.length ? runsTable(items) : h("p", { class: "empty" }, "No runs recorded."));
      pager.textContent = "";
      const last = total === null ? items.length < PAGE : (state.page + 1) * PAGE >= total;
      pager.append(h("button", { type: "button", disabled: state.page === 0, onclick: () => { state.page--; load(); } }, "‹ previous"),
        ` page ${state.page + 1} `, h("button", { type: "button", disabled: last, onclick: () => { state.page++; load(); } }, "next ›"));
    } catch (e) {
      holder.textContent = ""; holder.appendChild(errorBox(e, "The runs could not be listed"));
    }
  }
  const onChange = debounce(() => { state.kind = kind.value; state.strategy = strat.value.trim(); state.page = 0; load(); }, 250);
  kind.addEventListener("change", onChange); strat.addEventListener("input", onChange);
  await load();
}
