// e2e.test.mjs — the dashboard end to end in headless Chromium against a real `algohost serve`:
// a backtest with --mem on gives a run; serve replays synthetic bars to two instances (swap_probe
// 1.0.0, which has versions 2.0.0 and 3.0.0 installed, and rsi). The browser searches the catalog,
// opens a strategy and checks its equity chart has the run's data points (in the page's SVG),
// enters the token once on the Live view, swaps probe to 2.0.0 and sees the audit row, the swap
// event and the counters move; the Performance, Runs, run and MEM views draw; a deep URL reloads
// to the same view; and the run's report file (`algohost report`) opened from disk shows the
// run's equity and the same metrics as `algohost run --json`. Screenshots of each page go to the
// artifact folder (ALGOHOST_DASHBOARD_ARTIFACTS). Usage: node e2e.test.mjs ALGOHOST_BIN
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { env, freshHome, cli, serve, getJson } from "./lib/host.mjs";
import { launch } from "./lib/browser.mjs";
import { run, step, check, equal, shot, until, artifacts } from "./lib/check.mjs";

const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 15000 });
const noErrors = async (page, where) => {
  const errs = await page.$$eval(".error", (es) => es.map((e) => e.textContent));
  check(errs.length === 0, `${where}: the page shows errors: ${errs.join(" | ")}`);
};
/* The chart's own account of what it drew, checked against the path it drew. */
const chartIn = (page, sel) => page.$eval(sel, (svg) => ({
  points: Number(svg.getAttribute("data-points")),
  paths: [...svg.querySelectorAll("path.series")].map((p) => ({
    label: p.dataset.label, points: Number(p.dataset.points), first: Number(p.dataset.first), last: Number(p.dataset.last),
    drawn: (p.getAttribute("d").match(/[ML]/g) || []).length })),
}));

await run("dashboard end to end", async (cleanup) => {
  check(env.swapPlugins && fs.existsSync(path.join(env.swapPlugins, "swap_probe", "2.0.0")),
    `ALGOHOST_SWAP_PLUGIN_DIR must name the swap_probe fixture plugins (got '${env.swapPlugins}')`);
  const home = freshHome("e2e");
  cleanup((code) => { if (code === 0) fs.rmSync(home, { recursive: true, force: true }); else console.error(`kept ${home}`); });
  const plugins = [env.swapPlugins];
  const sample = path.join(env.source, "examples/data/sample.csv");

  const backtest = await step("backtest rsi and macd with --mem on", () =>
    cli(home, ["run", "--strategy", "rsi", "--strategy", "macd", "--mem", "on", "--data", sample], { json: true, plugins }));
  check(backtest.strategies.length === 2 && backtest.trades_recorded > 0, "the backtest recorded trades of both strategies");

  const host = await step("start serve with a replay feed", () => serve(home, {
    feed: { type: "replay", synthetic: "symbols=2,bars=100000,seed=7", rate: 400, loop: true },
    strategies: [{ instance: "probe", strategy: "swap_probe", version: "1.0.0", probation_slices: 0 }, { strategy: "rsi" }],
  }, { plugins }));
  cleanup(async () => { const c = await host.stop(); if (c !== 0) console.error(`serve exited ${c}: ${host.stderr().slice(-2000)}`); });

  const b = await launch();
  cleanup(() => b.close());
  const { page } = b;
  page.on("console", (m) => { if (m.type() === "error") console.log(`  [browser] ${m.text().split("\n")[0]}`); });

  await step("the strategy browser searches the catalog", async () => {
    await page.goto(host.dashboard);
    await ready(page);
    equal(new URL(page.url()).hash, "#/strategies", "the default view");
    await until(page, "the catalog listed", "table.strategies tr[data-name]");
    await page.fill("input[name=search]", "rsi");
    await until(page, "the search for rsi listing rsi and not macd", () => {
      const rows = [...document.querySelectorAll("table.strategies tr[data-name]")].map((r) => r.dataset.name);
      return rows.length > 0 && rows.includes("rsi") && !rows.includes("macd");
    });
    check(page.url().includes("search=rsi"), `the search is in the URL (${page.url()})`);
    await noErrors(page, "strategies");
    await shot(page, "strategies");
  });

  const rsiCurvePoints = await step("the strategy page draws its equity with data points", async () => {
    await page.click("table.strategies tr[data-name=rsi] a.strategy-link");
    await page.waitForURL(/#\/strategies\/rsi$/);
    await ready(page);
    await until(page, "rsi's equity chart", ".strategy-chart svg.chart-svg", undefined, 15000);
    const c = await chartIn(page, ".strategy-chart svg.chart-svg");
    check(c.points > 100, `the chart has its daily points (data-points ${c.points})`);
    check(c.paths.length >= 1 && c.paths.every((p) => p.label.startsWith("rsi@")), `rsi's curves are drawn (${c.paths.map((p) => p.label)})`);
    for (const p of c.paths) equal(p.drawn, p.points, `the path of ${p.label} draws each of its points`);
    // The same points as the run's recorded curve.
    const runId = await page.$eval(".strategy-chart a[href^='#/runs/']", (a) => a.textContent);
    const { body: runBody } = await getJson(`${host.url}/api/v1/runs/${runId}`);
    const curves = runBody.curves.filter((x) => x.strategy.startsWith("rsi@"));
    equal(c.points, curves.reduce((n, x) => n + x.equity.length, 0), "the chart's points equal the run's curve points");
    check(await page.$("section.versions tr[data-version='1.0.0']"), "the versions table lists 1.0.0");
    check(await page.$("section.audit table.audit-table, section.audit .empty"), "the audit trail is shown");
    await noErrors(page, "strategy rsi");
    await shot(page, "strategy");
    return c.points;
  });

  await step("Live: the token once, a swap, the audit row and the counters move", async () => {
    await page.goto(`${host.dashboard}#/live`);
    await ready(page);
    await page.waitForSelector("article.instance[data-instance=probe]");
    check(await page.$(".token-form"), "the page asks for the token");
    // A wrong token: the host's 403 is shown and the page asks again.
    await page.fill(".token-form input[name=token]", "ab".repeat(32));
    await page.click(".token-form button[type=submit]");
    await until(page, "the token taken", ".token-set");
    await until(page, "the version list of probe", "article.instance[data-instance=probe] select.version-select option[value='2.0.0']");
    await page.selectOption("article.instance[data-instance=probe] select.version-select", "2.0.0");
    await page.click("article.instance[data-instance=probe] button.swap");
    await until(page, "the host's refusal of a wrong token shown", () => /forbidden.*403/.test(document.querySelector(".message .error")?.textContent || ""));
    await until(page, "the token asked for again", ".token-form");
    await page.fill(".token-form input[name=token]", host.token);
    await page.click(".token-form button[type=submit]");
    await until(page, "the right token taken", ".token-set");
    const bars0 = Number(await page.$eval("article[data-instance=probe] td[data-counter=bars]", (td) => td.dataset.value));
    await until(page, "probe's bars counter moving", (b0) => Number(document.querySelector("article[data-instance=probe] td[data-counter=bars]").dataset.value) > b0, bars0);
    // The event stream's trades are counted as they arrive.
    await until(page, "probe's trades counted from the event stream", "[data-stream-trades=probe]");
    const seen0 = Number(await page.$eval("[data-stream-trades=probe]", (e) => e.dataset.value));
    await until(page, "probe's stream trade count moving", (s0) => Number(document.querySelector("[data-stream-trades=probe]").dataset.value) > s0, seen0);
    const card = "article.instance[data-instance=probe]";
    await page.waitForSelector(`${card} select.version-select option[value='2.0.0']`, { state: "attached" });
    await page.selectOption(`${card} select.version-select`, "2.0.0");
    await page.click(`${card} button.swap`);
    await until(page, "probe shown running 2.0.0 after the swap", () => document.querySelector("article[data-instance=probe] .running-version")?.textContent === "2.0.0");
    await until(page, "the swap's success message", ".message .ok");
    await until(page, "the live_swap audit row on the Live view", ".live-audit tr[data-action=live_swap]");
    await until(page, "the swap event from the stream", "ol.events li[data-kind=swap]");
    const bars1 = Number(await page.$eval(`${card} td[data-counter=bars]`, (td) => td.dataset.value));
    await until(page, "probe's bars counter moving after the swap", (b1) => Number(document.querySelector("article[data-instance=probe] td[data-counter=bars]").dataset.value) > b1, bars1);
    const { body: inst } = await getJson(`${host.url}/api/v1/instances/probe`);
    equal(inst.version, "2.0.0", "the host runs probe at 2.0.0");
    // Canary 1.0.0 beside it, drop it; canary again and promote; then roll back.
    const op = async (button, what, cond) => {
      await page.click(`${card} button.${button}`);
      await until(page, what, cond);
    };
    await page.selectOption(`${card} select.version-select`, "1.0.0");
    await op("canary", "a canary 1.0.0 shown", () => /Canary 1\.0\.0/.test(document.querySelector("article[data-instance=probe] .canary-box")?.textContent || ""));
    await op("drop-canary", "the canary dropped", () => !document.querySelector("article[data-instance=probe] .canary-line") && !!document.querySelector("article[data-instance=probe] button.promote[disabled]"));
    await page.selectOption(`${card} select.version-select`, "1.0.0");
    await op("canary", "a canary again", () => !!document.querySelector("article[data-instance=probe] .canary-line"));
    await op("promote", "the canary promoted", () => document.querySelector("article[data-instance=probe] .running-version")?.textContent === "1.0.0" && !document.querySelector("article[data-instance=probe] .canary-line"));
    await op("rollback", "rolled back to 2.0.0", () => document.querySelector("article[data-instance=probe] .running-version")?.textContent === "2.0.0");
    for (const a of ["live_canary", "live_drop_canary", "live_promote", "live_rollback"]) await until(page, `the ${a} audit row`, `.live-audit tr[data-action=${a}]`);
    // A parameter out of its range is refused in the page, before any request.
    await page.selectOption(`${card} select.param-select`, "every");
    await page.fill(`${card} input.param-value`, "0");
    await page.click(`${card} button.set-param`);
    await until(page, "the page refusing every=0 (below its minimum 1)", () => /below the minimum 1/.test(document.querySelector(".message")?.textContent || ""));
    // A parameter within its range is set on the running instance (a swap to the same version).
    const rsiCard = "article.instance[data-instance=rsi]";
    await page.selectOption(`${rsiCard} select.param-select`, "period");
    await page.fill(`${rsiCard} input.param-value`, "10");
    await page.click(`${rsiCard} button.set-param`);
    await until(page, "the parameter change done", () => /set rsi\.period = 10: done/.test(document.querySelector(".message .ok")?.textContent || ""));
    await until(page, "the live_set_param audit row", ".live-audit tr[data-action=live_set_param]");
    const { body: rsiInst } = await getJson(`${host.url}/api/v1/instances/rsi`);
    equal(String(rsiInst.parameters.period), "10", "the host runs rsi with period 10");
    await shot(page, "live");
    // The token is kept for the session: a reload does not ask again.
    await page.reload();
    await ready(page);
    await page.waitForSelector(".token-set");
  });

  await step("the strategy page shows the swap in its audit trail and the running version", async () => {
    await page.goto(`${host.dashboard}#/strategies/swap_probe`);
    await ready(page);
    await until(page, "the live_swap row in swap_probe's audit trail", "section.audit tr[data-action=live_swap]");
    await until(page, "2.0.0 marked as run by probe", "section.versions tr[data-version='2.0.0'] .badge.live[data-instance=probe]");
  });

  await step("Performance draws rsi and macd on the same axes", async () => {
    await page.goto(`${host.dashboard}#/compare?names=rsi,macd`);
    await ready(page);
    const c = await chartIn(page, ".perf-charts .equity-chart svg.chart-svg");
    check(c.paths.length >= 2, `both strategies are drawn (${c.paths.map((p) => p.label).join(", ")})`);
    for (const p of c.paths) check(p.points > 100 && p.drawn === p.points, `${p.label}: ${p.points} points drawn`);
    check(await page.$(".perf-monthly table.heatmap-table td.cell[data-value]"), "the monthly heat map has cells");
    check(await page.$(".perf-trades table.trades tr + tr"), "the trades list has trades");
    await noErrors(page, "compare");
    await shot(page, "performance");
    // ALGOHOST_UPDATE_DOCS_IMG=1: this view is the README's and docs/dashboard.md's picture.
    if (process.env.ALGOHOST_UPDATE_DOCS_IMG) await page.screenshot({ path: path.join(env.source, "docs/img/dashboard.png") });
  });

  await step("Runs and the run page; a deep URL reloads to the same view", async () => {
    await page.goto(`${host.dashboard}#/runs`);
    await ready(page);
    await until(page, "the backtest in the runs list", `table.runs-table tr[data-run='${backtest.run_id}']`);
    await shot(page, "runs");
    // Each run links to its report, served by the host.
    const href = await page.$eval(`table.runs-table tr[data-run='${backtest.run_id}'] a.report-link`, (a) => a.href);
    const r = await fetch(href);
    const text = await r.text();
    check(r.ok && (r.headers.get("content-type") || "").startsWith("text/html"), `the report link answers HTML (${r.status} ${r.headers.get("content-type")})`);
    check(text.includes(backtest.run_id) && !text.includes('"__ALGOHOST_REPORT_DATA__"'), "the linked report holds the run's data");
    await page.goto(`${host.dashboard}#/runs/${backtest.run_id}?symbol=`);
    await ready(page);
    await until(page, "the run's charts", ".run-charts svg.chart-svg");
    const before = await page.$eval(".run-head h2", (e) => e.textContent);
    await page.reload();
    await ready(page);
    equal(new URL(page.url()).hash.startsWith(`#/runs/${backtest.run_id}`), true, "the URL kept the run");
    equal(await page.$eval(".run-head h2", (e) => e.textContent), before, "the same view after a reload");
    check(await page.$("section.mem-arms .verdict[data-verdict]"), "the MEM arms and verdict are shown for a MEM run");
    await page.selectOption("form.trade-filters select[name=side]", "sell");
    await page.waitForFunction(() => location.hash.includes("side=sell"));
    await shot(page, "run");
  });

  await step("MEM view", async () => {
    await page.goto(`${host.dashboard}#/mem/rsi`);
    await ready(page);
    await until(page, "the MEM arms' chart", ".mem-latest svg.chart-svg");
    const c = await chartIn(page, ".mem-latest svg.chart-svg");
    equal(c.paths.length, 2, "both arms drawn");
    check(await page.$(".mem-latest .verdict[data-verdict]"), "the verdict is shown");
    await noErrors(page, "mem");
    await shot(page, "mem");
  });

  await step("the report file shows the run's figures, offline", async () => {
    const out = path.join(artifacts, "report.html");
    const rep = await cli(home, ["report", backtest.run_id, "-o", out], { json: true });
    equal(rep.run_id, backtest.run_id, "report --json names the run");
    const html = fs.readFileSync(out, "utf8");
    check(!/https?:\/\//.test(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"|"http:\/\/www\.w3\.org\/2000\/svg"/g, "")), "the report refers to nothing on the network");
    check(!html.includes('"__ALGOHOST_REPORT_DATA__"'), "the data was put in place of the placeholder");
    const rp = await b.context.newPage();
    await rp.goto(pathToFileURL(out).href);
    await rp.waitForFunction(() => document.body.dataset.reportReady, null, { timeout: 10000 });
    equal(await rp.evaluate(() => document.body.dataset.reportReady), "1", "the report drew itself");
    const c = await chartIn(rp, ".run-charts .equity-chart svg.chart-svg");
    check(c.points > 100, `the report's equity chart has points (${c.points})`);
    for (const p of c.paths) equal(p.drawn, p.points, `the report draws each point of ${p.label}`);
    for (const s of backtest.strategies) {
      const arms = c.paths.filter((p) => p.label.startsWith(s.strategy));
      check(arms.length >= 1, `the report draws ${s.strategy}`);
      check(arms.some((p) => p.last === s.final_equity), `${s.strategy}: the equity drawn ends at the run's final equity ${s.final_equity} (${arms.map((p) => p.last)})`);
      const shown = await rp.$$eval(`.run-metrics td[data-column='${s.strategy}']`, (tds) => Object.fromEntries(tds.map((td) => [td.dataset.metric, td.dataset.value])));
      let compared = 0;
      for (const [k, v] of Object.entries(s.metrics)) {
        if (typeof v !== "number") continue;
        equal(Number(shown[k]), v, `${s.strategy} ${k} in the report`);
        compared++;
      }
      check(compared >= 15, `${s.strategy}: ${compared} metrics compared`);
    }
    check(await rp.$(".run-monthly table.heatmap-table td.cell[data-value]"), "the report has the monthly heat map");
    check(await rp.$("section.mem-arms .verdict[data-verdict]"), "the report has both MEM arms and the verdict");
    const tradeRows = await rp.$eval(".run-trades table.trades", (t) => Number(t.dataset.rows));
    equal(tradeRows, backtest.trades_recorded, "every trade of the run is in the report");
    await shot(rp, "report");
    await rp.close();
  });

  check(b.problems.length === 0, `the browser saw problems: ${b.problems.join("; ")}`);
  console.log(`  screenshots in ${artifacts} (rsi curve: ${rsiCurvePoints} points)`);
});
