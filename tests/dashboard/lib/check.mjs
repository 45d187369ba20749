// lib/check.mjs — the tests' small runner: named steps with their time, assertions that say what
// was expected and what was found, screenshots into the artifact folder, and the exit code ctest
// reads (0 only when every step passed).
import fs from "node:fs";
import path from "node:path";

export const artifacts = process.env.ALGOHOST_DASHBOARD_ARTIFACTS || path.resolve("test-artifacts/dashboard");
fs.mkdirSync(artifacts, { recursive: true });

export class CheckError extends Error {}

export function check(cond, what) {
  if (!cond) throw new CheckError(what);
}
export function equal(actual, expected, what) {
  if (actual !== expected) throw new CheckError(`${what}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
}

/* ALGOHOST_DASHBOARD_ONLY=REGEX runs only the steps whose name matches (while developing). */
const only = process.env.ALGOHOST_DASHBOARD_ONLY ? new RegExp(process.env.ALGOHOST_DASHBOARD_ONLY) : null;

/* Wait for a selector or a page function, failing with what was awaited instead of a bare timeout. */
export async function until(page, what, target, arg, timeout = 10000) {
  try {
    if (typeof target === "string") await page.waitForSelector(target, { timeout, state: "attached" });
    else await page.waitForFunction(target, arg, { timeout });
  } catch (e) {
    throw new CheckError(`${what}: not seen within ${timeout} ms (${String(e.message).split("\n")[0]})`);
  }
}

export async function step(name, fn) {
  if (only && !only.test(name)) { console.log(`- ${name} … skipped (ALGOHOST_DASHBOARD_ONLY)`); return undefined; }
  const t0 = Date.now();
  process.stdout.write(`- ${name} … `);
  try {
    const r = await fn();
    console.log(`ok (${Date.now() - t0} ms)`);
    return r;
  } catch (e) {
    console.log(`FAILED (${Date.now() - t0} ms)`);
    throw e;
  }
}

export async function shot(page, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/* Run a test body with cleanups (LIFO) and an exit code; failures print the page's problems too. */
export async function run(title, body) {
  const cleanups = [];
  console.log(`# ${title}`);
  let code = 0;
  try {
    await body((fn) => cleanups.push(fn));
    console.log(`# ${title}: passed`);
  } catch (e) {
    code = 1;
    console.error(`# ${title}: FAILED: ${e instanceof CheckError ? e.message : e.stack || e}`);
  }
  for (const fn of cleanups.reverse()) {
    try { await fn(code); } catch (e) { console.error(`cleanup: ${e.message}`); }
  }
  process.exit(code);
}
