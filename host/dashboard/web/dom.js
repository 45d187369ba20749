/* dom.js — small DOM helpers for the dashboard's views: h() builds elements, errorBox() shows an
 * API error (never swallowed), link() makes a hash link, debounce() delays typing. */
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

export function link(hash, text, attrs) { return h("a", { href: hash, ...(attrs || {}) }, text); }

export function errorBox(err, what) {
  const msg = err && err.message ? err.message : String(err);
  console.error(what || "error", err);
  return h("div", { class: "error", role: "alert" }, what ? `${what}: ${msg}` : msg);
}

export function showError(container, err, what) {
  container.textContent = "";
  container.appendChild(errorBox(err, what));
}

export function debounce(fn, ms) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

export function table(columns, rows, opts = {}) {
  const t = h("table", { class: opts.class || "list" });
  t.appendChild(h("tr", null, columns.map((c) => h("th", c.thAttrs || null, c.title))));
  for (const r of rows) t.appendChild(h("tr", opts.rowAttrs ? opts.rowAttrs(r) : null,
    columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(r)))));
  return t;
}

export const C = () => window.AHCharts;
