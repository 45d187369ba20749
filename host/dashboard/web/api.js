/* api.js — the dashboard's one way to the control API: JSON requests with the API's errors turned
 * into thrown ApiError (code, message, HTTP status), X-Total-Count read for paged lists, and the
 * bearer token for writes (asked for once, kept in sessionStorage, or localStorage when the user
 * ticks "remember"). */
export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(`${message} (${code}, HTTP ${status}${path ? `, ${path}` : ""})`);
    this.status = status; this.code = code; this.path = path;
  }
}

const TOKEN_KEY = "algohost.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "";
}
export function setToken(token, remember) {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (remember) localStorage.setItem(TOKEN_KEY, token); else localStorage.removeItem(TOKEN_KEY);
}
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY); localStorage.removeItem(TOKEN_KEY);
}

async function parse(res, path) {
  const text = await res.text();
  let body = null;
  if (text) {
    try { body = JSON.parse(text); } catch { body = text; }
  }
  if (!res.ok) {
    const e = body && body.error ? body.error : null;
    throw new ApiError(res.status, e ? e.code : "http_" + res.status,
      e ? e.message : (typeof body === "string" && body ? body.slice(0, 300) : res.statusText || "request failed"), path);
  }
  return body;
}

/* GET a JSON body. */
export async function get(path, params) {
  const url = withQuery(path, params);
  let res;
  try { res = await fetch(url, { headers: { Accept: "application/json" } }); }
  catch (e) { throw new ApiError(0, "network", `the host did not answer: ${e.message}`, url); }
  return parse(res, url);
}

/* GET a paged list: {items, total} (total from X-Total-Count, or null when the host does not send it). */
export async function getPage(path, params) {
  const url = withQuery(path, params);
  let res;
  try { res = await fetch(url, { headers: { Accept: "application/json" } }); }
  catch (e) { throw new ApiError(0, "network", `the host did not answer: ${e.message}`, url); }
  const items = await parse(res, url);
  const h = res.headers.get("X-Total-Count");
  return { items: Array.isArray(items) ? items : [], total: h === null ? null : Number(h) };
}

/* A write: needs the token; a 401/403 clears a wrong token so the page asks again. */
export async function send(method, path, body) {
  const token = getToken();
  if (!token) throw new ApiError(401, "unauthenticated", "no token given: enter the host's token (the file <data dir>/token)", path);
  let res;
  try {
    res = await fetch(path, { method, headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { throw new ApiError(0, "network", `the host did not answer: ${e.message}`, path); }
  if (res.status === 401 || res.status === 403) clearToken();
  return parse(res, path);
}

export function withQuery(path, params) {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    q.set(k, v === true ? "true" : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;
