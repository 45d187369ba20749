/* views/live.js — Live (#/live): the running instances of `algohost serve` with their counters,
 * kept current by the event stream (GET /api/v1/events, server-sent events) and a refresh of
 * GET /api/v1/instances every 2 s; per instance: swap to a version, roll back, canary, promote,
 * drop the canary, and set a parameter (checked against the manifest's type and range here, the
 * constraints and the rest by the host, whose error is shown). Writes need the host's token, asked
 * for once and kept in sessionStorage (or localStorage with "remember"). */
import { get, send, getToken, setToken, clearToken, enc } from "../api.js";
import { h, link, errorBox } from "../dom.js";

const F = () => window.AHCharts.fmt;
const COUNTERS = ["slices", "bars", "signals", "trades", "errors", "equity", "last_bar"];
const REFRESH_MS = 2000;

export async function render(main) {
  const tokenBar = h("div", { class: "token-bar" });
  const message = h("div", { class: "message", "aria-live": "polite" });
  const list = h("div", { class: "instances" });
  const events = h("ol", { class: "events", reversed: true });
  const tradeLine = h("p", { class: "note stream-trades" }, "No trade on the stream yet.");
  const recent = h("ul", { class: "events recent-trades" });
  const eventState = h("span", { class: "note stream-state" }, "connecting…");
  const audit = h("div", { class: "live-audit" });
  main.append(h("section", { class: "panel" }, h("h1", null, "Live"), tokenBar, message, list),
    h("section", { class: "panel" }, h("h2", null, "Events ", eventState), h("h3", null, "Operations"), events, h("h3", null, "Trades"), tradeLine, recent),
    h("section", { class: "panel" }, h("h2", null, "Audit (live operations)"), audit));

  function drawToken() {
    tokenBar.textContent = "";
    if (getToken()) {
      tokenBar.append(h("span", { class: "token-set" }, "Token set for this session. "),
        h("button", { type: "button", class: "forget-token", onclick: () => { clearToken(); drawToken(); } }, "Forget the token"));
      return;
    }
    const input = h("input", { type: "password", name: "token", placeholder: "the host's token (<data dir>/token)", size: 48, autocomplete: "off" });
    const remember = h("input", { type: "checkbox", name: "remember" });
    tokenBar.append(h("form", { class: "token-form", onsubmit: (e) => {
      e.preventDefault();
      const t = input.value.trim();
      if (!/^[0-9a-fA-F]{16,}$/.test(t)) { say(errorBox(new Error("a token is the hex text of the file <data dir>/token"))); return; }
      setToken(t, remember.checked); drawToken(); say(h("p", { class: "ok" }, "Token saved; it is sent with each operation."));
    } }, "Operations need the host's token: ", input, h("label", null, remember, " remember on this browser"), h("button", { type: "submit" }, "Use token")));
  }
  function say(node) { message.textContent = ""; message.appendChild(node); }
  drawToken();

  const cards = new Map();     // instance name -> {root, update(inst)}
  const versionsOf = new Map(); // strategy -> Promise<versions[]>
  const versions = (strategy) => {
    if (!versionsOf.has(strategy)) versionsOf.set(strategy, get(`/api/v1/strategies/${enc(strategy)}/versions`).catch((e) => { versionsOf.delete(strategy); throw e; }));
    return versionsOf.get(strategy);
  };

  async function act(label, method, path, body) {
    if (!getToken()) { say(errorBox(new Error("enter the host's token first"), label)); drawToken(); return null; }
    say(h("p", { class: "note" }, `${label}…`));
    try {
      const r = await send(method, path, body);
      say(h("p", { class: "ok", "data-op": label }, `${label}: done${r && r.version ? ` — now ${r.strategy}@${r.version}` : ""}${r && r.canary_version ? `, canary ${r.canary_version}` : ""}`));
      await refresh(); loadAudit();
      return r;
    } catch (e) {
      say(errorBox(e, label)); drawToken(); loadAudit();
      return null;
    }
  }

  function card(inst) {
    const name = inst.instance;
    const ctr = Object.fromEntries(COUNTERS.map((c) => [c, h("td", { class: "num counter", "data-counter": c })]));
    const head = h("h3", null);
    const facts = h("p", { class: "note" });
    const canaryBox = h("div", { class: "canary-box" });
    const memBox = h("p", { class: "note mem-counters" });
    const verSel = h("select", { name: "version", class: "version-select" }, h("option", { value: "" }, "version…"));
    const paramSel = h("select", { name: "param", class: "param-select" });
    const paramVal = h("input", { name: "value", class: "param-value", size: 10, placeholder: "value" });
    const paramHint = h("span", { class: "note param-hint" });
    const btn = (label, cls, fn) => h("button", { type: "button", class: cls, onclick: fn }, label);
    const needVersion = (fn) => () => { if (!verSel.value) { say(errorBox(new Error("choose a version first"), name)); return; } fn(verSel.value); };
    const bSwap = btn("Swap", "swap", needVersion((v) => act(`swap ${name} to ${v}`, "POST", `/api/v1/instances/${enc(name)}/swap`, { version: v })));
    const bRoll = btn("Roll back", "rollback", () => act(`roll back ${name}`, "POST", `/api/v1/instances/${enc(name)}/rollback`));
    const bCanary = btn("Canary", "canary", needVersion((v) => act(`canary ${name} ${v}`, "POST", `/api/v1/instances/${enc(name)}/canary`, { version: v })));
    const bPromote = btn("Promote", "promote", () => act(`promote ${name}`, "POST", `/api/v1/instances/${enc(name)}/promote`));
    const bDrop = btn("Drop canary", "drop-canary", () => act(`drop canary of ${name}`, "DELETE", `/api/v1/instances/${enc(name)}/canary`));
    let specs = {}; // parameter name -> spec of the running version
    let constraints = []; // the manifest's cross-parameter constraints
    const bParam = btn("Set", "set-param", () => {
      const p = paramSel.value, spec = specs[p];
      const checked = checkParam(spec, paramVal.value);
      if (checked.error) { say(errorBox(new Error(checked.error), `parameter ${p}`)); return; }
      const values = Object.fromEntries(Object.keys(specs).map((k) => [k, currentValue(k)]));
      values[p] = checked.value;
      const broken = brokenConstraint(constraints, values);
      if (broken) { say(errorBox(new Error(broken), `parameter ${p}`)); return; }
      act(`set ${name}.${p} = ${JSON.stringify(checked.value)}`, "POST", `/api/v1/instances/${enc(name)}/params`, { name: p, value: checked.value });
    });
    paramSel.addEventListener("change", () => hint());
    function hint() {
      const s = specs[paramSel.value];
      paramHint.textContent = s ? describeSpec(s) : "";
      if (s && paramVal.dataset.for !== paramSel.value) { paramVal.value = String(currentValue(paramSel.value) ?? s.default ?? ""); paramVal.dataset.for = paramSel.value; }
    }
    let last = inst;
    // The host reports given values as text ("12"); read them back as the manifest's type.
    const currentValue = (p) => {
      const v = last.parameters && p in last.parameters ? last.parameters[p] : specs[p] ? specs[p].default : undefined;
      if (typeof v !== "string" || !specs[p]) return v;
      const c = checkParam(specs[p], v);
      return c.error ? v : c.value;
    };
    const root = h("article", { class: "instance", "data-instance": name },
      head, facts,
      h("table", { class: "counters" }, h("tr", null, COUNTERS.map((c) => h("th", null, c.replace("_", " ")))), h("tr", null, COUNTERS.map((c) => ctr[c]))),
      memBox, canaryBox,
      h("div", { class: "ops" }, verSel, bSwap, bCanary, " ", bRoll, bPromote, bDrop),
      h("div", { class: "ops params-op" }, "Parameter ", paramSel, " = ", paramVal, bParam, " ", paramHint));

    let specVersion = null;
    async function loadVersions(i) {
      try {
        const vs = await versions(i.strategy);
        if (verSel.options.length <= 1) for (const v of vs) verSel.appendChild(h("option", { value: v.version_number }, v.version_number));
        for (const o of verSel.options) if (o.value) o.textContent = o.value + (o.value === i.version ? " (running)" : o.value === i.canary_version ? " (canary)" : "");
        if (specVersion !== i.version) {
          specVersion = i.version;
          const v = vs.find((x) => x.version_number === i.version);
          specs = (v && v.parameters) || {};
          try {
            const rec = await get(`/api/v1/strategies/${enc(i.strategy)}`);
            constraints = ((rec.manifest ?? rec.metadata) || {}).constraints || [];
          } catch (e) { constraints = []; say(errorBox(e, `constraints of ${i.strategy}`)); }
          const keep = paramSel.value;
          paramSel.textContent = "";
          for (const p of Object.keys(specs)) paramSel.appendChild(h("option", { value: p, selected: p === keep }, p));
          paramVal.dataset.for = "";
          hint();
        }
      } catch (e) { say(errorBox(e, `versions of ${i.strategy}`)); }
    }
    function update(i) {
      last = i;
      const st = i.stats || {};
      head.textContent = "";
      head.append(`${name} `, h("small", null, link(`#/strategies/${enc(i.strategy)}`, i.strategy), "@", h("span", { class: "running-version" }, i.version)),
        " ", h("span", { class: `badge status-${i.status}`, "data-status": i.status }, i.status));
      facts.textContent = `isolation ${i.isolation} · symbols ${(i.symbols || []).join(", ")} · enhancer ${i.enhancer || "none"} · parameters ${JSON.stringify(i.parameters || {})}` +
        ` · earlier versions ${(i.previous_versions || []).join(" → ") || "none"}` + (i.last_error ? ` · last error: ${i.last_error}` : "");
      for (const c of COUNTERS) {
        const v = st[c];
        ctr[c].textContent = c === "equity" ? F().money(v) : c === "last_bar" ? F().time(v) : String(v ?? "–");
        ctr[c].dataset.value = v === undefined || v === null ? "" : String(v);
      }
      memBox.textContent = st.mem ? `MEM (${st.mem.mode}): ${Object.entries(st.mem).filter(([k]) => k !== "mode").map(([k, v]) => `${k} ${v}`).join(", ")}` : "";
      canaryBox.textContent = "";
      if (i.canary_version) {
        const c = st.canary || {}, cmp = c.comparison || {}, v = cmp.verdict || {};
        canaryBox.append(h("p", { class: "canary-line" }, `Canary ${i.canary_version}: equity ${F().money(c.equity)}, ${c.trades ?? "–"} trades`,
          cmp.days !== undefined ? ` · over ${cmp.days} days: return ${F().pct(cmp.canary && cmp.canary.total_return)} vs ${F().pct(cmp.running && cmp.running.total_return)} running` : "",
          v.verdict ? ` · verdict ${v.verdict} (HAC t ${F().num(v.hac_t, 2)})` : ""));
      }
      bPromote.disabled = !i.canary_version; bDrop.disabled = !i.canary_version;
      bRoll.disabled = !(i.previous_versions || []).length;
      loadVersions(i);
    }
    update(inst);
    return { root, update };
  }

  async function refresh() {
    try {
      const insts = await get("/api/v1/instances");
      const seen = new Set();
      if (!insts.length && !cards.size) { list.textContent = ""; list.appendChild(h("p", { class: "empty" }, "No instance runs in this host.")); }
      for (const i of insts) {
        seen.add(i.instance);
        if (!cards.has(i.instance)) {
          if (!cards.size) list.textContent = "";
          const c = card(i); cards.set(i.instance, c); list.appendChild(c.root);
        } else cards.get(i.instance).update(i);
      }
      for (const [n, c] of cards) if (!seen.has(n)) { c.root.remove(); cards.delete(n); }
      list.dataset.refreshed = String(Date.now());
      list.querySelectorAll(":scope > .error").forEach((e) => e.remove());
    } catch (e) {
      list.querySelectorAll(":scope > .error").forEach((x) => x.remove());
      list.prepend(errorBox(e, "The instances could not be read (is this page served by `algohost serve`?)"));
    }
  }

  async function loadAudit() {
    try {
      const rows = (await get("/api/v1/audit", { limit: 200 })).filter((a) => String(a.action).startsWith("live_")).slice(0, 20);
      audit.textContent = "";
      if (!rows.length) { audit.appendChild(h("p", { class: "empty" }, "No live operation yet.")); return; }
      audit.appendChild(h("table", { class: "list audit-table" }, h("tr", null, ["at", "actor", "action", "after"].map((t) => h("th", null, t))),
        rows.map((a) => h("tr", { "data-action": a.action, "data-audit-id": a.audit_id }, h("td", null, F().time(a.at)), h("td", null, a.actor), h("td", null, a.action),
          h("td", null, h("code", null, JSON.stringify(a.after).slice(0, 200)))))));
    } catch (e) { audit.textContent = ""; audit.appendChild(errorBox(e, "audit")); }
  }

  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 300); };
  const es = new EventSource("/api/v1/events");
  let nEvents = 0;
  const tradesSeen = {}; // instance -> trades announced on the stream since the page opened
  es.onopen = () => { eventState.textContent = "connected"; eventState.dataset.state = "open"; };
  es.onerror = () => { eventState.textContent = "disconnected — retrying"; eventState.dataset.state = "error"; };
  const onEvent = (e) => {
    nEvents++;
    events.dataset.count = String(nEvents);
    let data = null;
    try { data = JSON.parse(e.data); } catch { /* shown as text */ }
    if (e.type === "trade") {
      // Trades come many a second: counted per instance, the last few shown.
      const inst = data && data.instance ? data.instance : "?";
      tradesSeen[inst] = (tradesSeen[inst] || 0) + 1;
      tradeLine.textContent = "";
      tradeLine.append("Trades on the stream since this page opened: ",
        ...Object.entries(tradesSeen).map(([k, v]) => h("span", { class: "badge", "data-stream-trades": k, "data-value": String(v) }, `${k} ${v}`)));
      recent.prepend(h("li", { "data-kind": "trade" }, h("code", null, e.data.slice(0, 240))));
      while (recent.children.length > 5) recent.lastChild.remove();
    } else {
      events.prepend(h("li", { "data-kind": e.type }, h("b", null, e.type), " ", h("small", null, new Date().toISOString().slice(11, 19)), " ", h("code", null, e.data.slice(0, 300))));
      while (events.children.length > 50) events.lastChild.remove();
      loadAudit();
    }
    soon();
  };
  for (const k of ["swap", "rollback", "canary", "promote", "drop_canary", "load", "unload", "failure", "error", "trade", "set_param", "restart", "stop"])
    es.addEventListener(k, onEvent);
  es.onmessage = onEvent;
  const timer = setInterval(refresh, REFRESH_MS);
  await Promise.all([refresh(), loadAudit()]);
  return () => { es.close(); clearInterval(timer); clearTimeout(pending); };
}

/* The manifest's checks that the page can make itself; the host checks again (and the constraints). */
export function checkParam(spec, raw) {
  if (!spec) return { error: "choose a parameter" };
  const text = String(raw).trim();
  if (text === "") return { error: "give a value" };
  let value;
  switch (spec.type) {
    case "integer":
      if (!/^[-+]?\d+$/.test(text)) return { error: `${text} is not an integer` };
      value = Number(text); break;
    case "number": case "float": case "double":
      value = Number(text);
      if (!Number.isFinite(value)) return { error: `${text} is not a number` };
      break;
    case "boolean": case "bool":
      if (!/^(true|false)$/i.test(text)) return { error: "true or false" };
      value = /^true$/i.test(text); break;
    default: value = text;
  }
  const choices = spec.choices || spec.allowed_values || spec.enum;
  if (Array.isArray(choices) && !choices.some((c) => c === value)) return { error: `${text} is not one of ${choices.join(", ")}` };
  if (typeof value === "number") {
    if (typeof spec.min === "number" && value < spec.min) return { error: `${value} is below the minimum ${spec.min}` };
    if (typeof spec.max === "number" && value > spec.max) return { error: `${value} is above the maximum ${spec.max}` };
  }
  return { value };
}

/* The manifest's cross-parameter constraints ("fast < slow", "exit_z <= 2.5") on the values the
 * instance would run with; returns the first that fails, or null. Ones the page cannot read are
 * left to the host. */
export function brokenConstraint(constraints, values) {
  const ops = { "<": (a, b) => a < b, "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b, "==": (a, b) => a === b, "!=": (a, b) => a !== b };
  for (const c of constraints || []) {
    const m = typeof c === "string" ? c.match(/^\s*(\S+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/) : null;
    if (!m) continue;
    const side = (t) => (t in values ? values[t] : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : undefined);
    const a = side(m[1]), b = side(m[3]);
    if (a === undefined || b === undefined) continue;
    if (!ops[m[2]](a, b)) return `constraint ${c} fails: ${m[1]} = ${JSON.stringify(a)}${m[3] in values ? `, ${m[3]} = ${JSON.stringify(b)}` : ""}`;
  }
  return null;
}

function describeSpec(s) {
  const parts = [s.type || "value"];
  if (s.min !== undefined || s.max !== undefined) parts.push(`${s.min ?? "–"} … ${s.max ?? "–"}`);
  const choices = s.choices || s.allowed_values || s.enum;
  if (Array.isArray(choices)) parts.push(`one of ${choices.join(", ")}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  if (s.description) parts.push(s.description);
  return parts.join(" · ");
}
