/* app.js — the dashboard's hash router: every view has its own URL (#/strategies, #/strategies/NAME,
 * #/compare?names=a,b, #/runs, #/runs/ID, #/mem/NAME, #/live), so a view can be linked and reloads
 * as it was. Each view module exports render(main, params, query) and may return a cleanup
 * function, called when the user leaves the view (the Live view closes its event stream). */
import { h, showError } from "./dom.js";
import * as strategies from "./views/strategies.js";
import * as strategy from "./views/strategy.js";
import * as compare from "./views/compare.js";
import * as runs from "./views/runs.js";
import * as run from "./views/run.js";
import * as mem from "./views/mem.js";
import * as live from "./views/live.js";

const routes = [
  [/^\/strategies$/, strategies, "strategies"],
  [/^\/strategies\/([^/]+)$/, strategy, "strategies"],
  [/^\/compare$/, compare, "compare"],
  [/^\/runs$/, runs, "runs"],
  [/^\/runs\/([^/]+)$/, run, "runs"],
  [/^\/mem\/([^/]+)$/, mem, "strategies"],
  [/^\/live$/, live, "live"],
];

let cleanup = null;
let generation = 0;

export function currentGeneration() { return generation; }

export function parseHash(hash) {
  const raw = (hash || "").replace(/^#/, "") || "/strategies";
  const i = raw.indexOf("?");
  const path = i < 0 ? raw : raw.slice(0, i);
  const query = new URLSearchParams(i < 0 ? "" : raw.slice(i + 1));
  return { path, query };
}

/* Replace the query of the current view without re-rendering (filters typed in a view). */
export function setQuery(query) {
  const { path } = parseHash(location.hash);
  const s = new URLSearchParams([...query].filter(([, v]) => v !== "" && v !== null)).toString();
  history.replaceState(null, "", `#${path}${s ? "?" + s : ""}`);
}

async function route() {
  const main = document.getElementById("main");
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const gen = ++generation;
  const { path, query } = parseHash(location.hash);
  if (!location.hash) history.replaceState(null, "", "#/strategies");
  const match = routes.find(([re]) => re.test(path));
  document.querySelectorAll("nav a[data-nav]").forEach((a) =>
    a.classList.toggle("active", !!match && a.dataset.nav === match[2]));
  main.textContent = "";
  document.body.dataset.view = match ? match[2] : "none";
  document.body.dataset.ready = "0";
  if (!match) {
    main.appendChild(h("div", { class: "error", role: "alert" }, `No such page: ${path}. `,
      h("a", { href: "#/strategies" }, "Go to the strategies.")));
    document.body.dataset.ready = "1";
    return;
  }
  const params = path.match(match[0]).slice(1).map(decodeURIComponent);
  try {
    const c = await match[1].render(main, params, query, () => gen === generation);
    if (gen === generation) cleanup = typeof c === "function" ? c : null;
    else if (typeof c === "function") c();
  } catch (e) {
    if (gen === generation) showError(main, e, "This page could not be shown");
  }
  if (gen === generation) document.body.dataset.ready = "1";
}

window.addEventListener("hashchange", route);
route();  // module scripts run once the document is parsed
