/* views/latest.js — finds a strategy's latest run that recorded curves for it: the newest of its
 * finished runs (a serve session still running has none yet) whose curves include the strategy,
 * trying a few in turn. Used by the strategy, Performance and MEM views. */
import { get, getPage, enc } from "../api.js";

/* name: strategy name, or NAME@VERSION to take only that version's curves; opts.mem: only MEM runs.
 * Resolves {run, curves} ({run: null} when no run qualifies); API errors are thrown. */
export async function latestCurves(name, opts = {}) {
  const [base, version] = name.split("@");
  const { items } = await getPage(`/api/v1/strategies/${enc(base)}/runs`, { limit: 20 });
  const candidates = items.filter((r) => r.status !== "running" && (!opts.mem || r.mem));
  let fallback = null;
  for (const r of candidates.slice(0, 5)) {
    const run = await get(`/api/v1/runs/${enc(r.run_id)}`);
    const curves = (run.curves || []).filter((c) => String(c.strategy).split("@")[0] === base && (!version || c.strategy === name));
    if (curves.length) return { run, curves };
    fallback = fallback || run;
  }
  return { run: fallback, curves: [] };
}
