// lib/host.mjs — the algohost under test: a fresh ALGOHOST_HOME per test, CLI commands (their JSON
// parsed, their failures thrown with stderr), and `algohost serve` started on an ephemeral port
// (its dashboard URL read from its output) and stopped with SIGTERM.
import { spawn, execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const env = {
  bin: process.env.ALGOHOST_BIN || process.argv[2],
  swapPlugins: process.env.ALGOHOST_SWAP_PLUGIN_DIR || "",
  source: process.env.ALGOHOST_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../.."),
};
if (!env.bin || !fs.existsSync(env.bin)) throw new Error(`the algohost binary is missing: give it as ALGOHOST_BIN or the first argument (got ${env.bin})`);

export function freshHome(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `algohost-dash-${label}-`));
}

export function cli(home, args, { json = false, plugins = [] } = {}) {
  const full = [...plugins.flatMap((p) => ["--plugins", p]), ...args, ...(json ? ["--json"] : [])];
  return new Promise((resolve, reject) => {
    execFile(env.bin, full, { env: { ...process.env, ALGOHOST_HOME: home }, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`algohost ${full.join(" ")} failed (exit ${err.code}): ${stderr.slice(0, 2000)}`)); return; }
      if (!json) { resolve(stdout); return; }
      try { resolve(JSON.parse(stdout)); }
      catch (e) { reject(new Error(`algohost ${full.join(" ")}: output is not JSON: ${stdout.slice(0, 500)}`)); }
    });
  });
}

/* Start `algohost serve`; resolves {url, dashboard, token, proc, stop()} once it listens. */
export function serve(home, config, { plugins = [], timeoutMs = 20000 } = {}) {
  const cfgPath = path.join(home, "serve.json");
  fs.writeFileSync(cfgPath, JSON.stringify(config, null, 2));
  const args = [...plugins.flatMap((p) => ["--plugins", p]), "serve", "--config", cfgPath, "--listen", "127.0.0.1:0"];
  const proc = spawn(env.bin, args, { env: { ...process.env, ALGOHOST_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  proc.stderr.on("data", (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill("SIGKILL"); reject(new Error(`serve did not start in ${timeoutMs} ms: ${out}${err}`)); }, timeoutMs);
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`serve exited (${code}) before listening: ${out}${err.slice(0, 3000)}`)); });
    const onData = (d) => {
      out += d;
      const listen = out.match(/listening on (http:\/\/\S+)/);
      if (!listen) return;
      const dash = (out + err).match(/dashboard: (http:\/\/\S+)/);
      if (!dash && !/\n.*\n/.test(out)) return; // wait a line more for the dashboard line
      clearTimeout(timer);
      proc.removeAllListeners("exit");
      proc.stdout.off("data", onData);
      proc.stdout.on("data", () => {});
      const url = listen[1].replace(/\/$/, "");
      resolve({
        url, dashboard: dash ? dash[1] : `${url}/`, proc,
        token: fs.readFileSync(path.join(home, "token"), "utf8").trim(),
        stderr: () => err,
        stop: () => new Promise((res) => {
          if (proc.exitCode !== null) { res(proc.exitCode); return; }
          const kill = setTimeout(() => proc.kill("SIGKILL"), 15000);
          proc.on("exit", (c) => { clearTimeout(kill); res(c); });
          proc.kill("SIGTERM");
        }),
      });
    };
    proc.stdout.on("data", onData);
  });
}

export async function getJson(url) {
  const r = await fetch(url);
  const body = await r.text();
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status} ${body.slice(0, 500)}`);
  return { body: JSON.parse(body), headers: r.headers };
}
