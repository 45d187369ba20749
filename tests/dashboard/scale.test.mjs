// scale.test.mjs — the strategy browser with 100,000 strategies (ALGOHOST_DASHBOARD_SCALE_N): the
// catalog is filled by fill_catalog.py (the host's own schema and rows, cloned in SQL), a host
// serves it, and the page must load, search, page, sort and filter within ALGOHOST_DASHBOARD_SCALE_MS
// (3000 ms by default) each, every answer counted by the host (X-Total-Count) and paged, never
// the whole catalog sent to the browser. Usage: node scale.test.mjs ALGOHOST_BIN
import path from "node:path";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { env, freshHome, serve } from "./lib/host.mjs";
import { launch } from "./lib/browser.mjs";
import { run, step, check, equal, shot } from "./lib/check.mjs";

const N = Number(process.env.ALGOHOST_DASHBOARD_SCALE_N || 100000);
const LIMIT_MS = Number(process.env.ALGOHOST_DASHBOARD_SCALE_MS || 3000);
const here = path.dirname(new URL(import.meta.url).pathname);

await run(`strategy browser with ${N} strategies`, async (cleanup) => {
  const home = freshHome("scale");
  cleanup((code) => { if (code === 0) fs.rmSync(home, { recursive: true, force: true }); else console.error(`kept ${home}`); });
  await step(`fill the catalog with ${N} strategies`, () => {
    const out = execFileSync(process.env.ALGOHOST_PYTHON || "python3", [path.join(here, "fill_catalog.py"), env.bin, home, String(N)], { encoding: "utf8" });
    console.log(`  ${out.trim()}`);
  });
  const host = await step("start serve on the big catalog", () =>
    serve(home, { feed: { type: "push", symbols: ["X"] }, strategies: [] }, { timeoutMs: 60000 }));
  cleanup(() => host.stop());
  const b = await launch();
  cleanup(() => b.close());
  const { page } = b;
  const responses = [];
  page.on("response", (r) => { if (r.url().includes("/api/v1/strategies?")) responses.push(r); });

  /* Do something, then wait for the table to be redrawn; return the time it took. */
  const timed = async (what, action) => {
    const before = await page.evaluate(() => document.body.dataset.strategiesLoaded || "");
    const t0 = Date.now();
    await action();
    await page.waitForFunction((b0) => (document.body.dataset.strategiesLoaded || "") !== b0, before, { timeout: LIMIT_MS * 3 });
    const ms = Date.now() - t0;
    console.log(`  ${what}: ${ms} ms`);
    check(ms <= LIMIT_MS, `${what} took ${ms} ms, over ${LIMIT_MS} ms`);
    const errs = await page.$$eval(".error", (es) => es.map((e) => e.textContent));
    check(!errs.length, `${what}: errors on the page: ${errs.join(" | ")}`);
    return ms;
  };
  const rows = () => page.$$eval("table.strategies tr[data-name]", (trs) => trs.map((t) => t.dataset.name));
  const total = () => page.$eval("#strategies-status", (e) => Number(e.dataset.total));

  await step("the first page loads with the total counted by the host", async () => {
    await timed("first load", () => page.goto(host.dashboard + "#/strategies"));
    equal((await rows()).length, 50, "one page of 50 rows");
    check(await total() >= N, `the total (${await total()}) counts every strategy`);
    const last = responses[responses.length - 1];
    check(last.headers()["x-total-count"], "the host sent X-Total-Count");
    check((await last.body()).length < 200000, "the page received one page, not the catalog");
  });

  await step("a search finds one strategy among them", async () => {
    await timed("search", () => page.fill("input[name=search]", "scale_054321"));
    const r = await rows();
    check(r.includes("scale_054321"), `scale_054321 is found (${r.slice(0, 5)})`);
    await shot(page, "scale-search");
  });

  await step("paging goes on to the next page", async () => {
    await timed("clear the search", () => page.fill("input[name=search]", ""));
    const first = await rows();
    await timed("next page", () => page.click(".pager button.next"));
    const second = await rows();
    equal(second.length, 50, "a full second page");
    check(!second.some((n) => first.includes(n)), "the second page has other strategies");
    check(page.url().includes("page=1"), "the page is in the URL");
  });

  await step("sorting by Sharpe and filtering by category are done by the host", async () => {
    await timed("sort by Sharpe", () => page.click("th[data-sort=sharpe] button"));
    const sharpe = await page.$$eval("table.strategies tr[data-name] td:nth-child(9)", (tds) => tds.map((t) => Number(t.textContent.replace(/,/g, ""))));
    check(sharpe.length === 50 && sharpe.every((v, i) => i === 0 || v <= sharpe[i - 1]), `Sharpe descends down the page (${sharpe.slice(0, 5)})`);
    await timed("filter by category", () => page.fill("input[name=category]", "stat_arb"));
    const t = await total();
    check(t >= N / 5 - 1 && t < N / 2, `a fifth of them are stat_arb (${t})`);
    await shot(page, "scale-sorted");
  });
  check(b.problems.length === 0, `the browser saw problems: ${b.problems.join("; ")}`);
});
