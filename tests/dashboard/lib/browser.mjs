// lib/browser.mjs — Debian's Chromium driven by playwright-core, never a downloaded browser: a fresh
// user-data dir per launch, the flags that keep it off the (closed) network, and a page that fails
// the test on any uncaught page error or any request that leaves the host.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHROMIUM = process.env.ALGOHOST_CHROMIUM || "/usr/bin/chromium";
export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-deps)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "algohost-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1360, height: 900 },
  });
  const problems = [];
  const watch = (page) => {
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      const u = r.url();
      if (/^https?:/.test(u) && !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u)) problems.push(`request outside the host: ${u}`);
    });
  };
  context.on("page", watch);
  for (const p of context.pages()) watch(p);
  const page = context.pages()[0] || (await context.newPage());
  return {
    context, page, problems,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
