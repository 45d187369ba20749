"""Issue 16: `algohost serve` serves the dashboard: it prints `dashboard: URL` after its address
line, writes the URL in host.json as "dashboard", and answers the URL with the embedded index.html
(or the ALGOHOST_DASHBOARD_DIR folder's)."""
import json
import os
import subprocess
import urllib.request

from conftest import SAMPLE_CSV, SOURCE_DIR


def start_serve(algohost_bin, home, tmp_path, extra_env=None):
    cfg = tmp_path / "serve.json"
    cfg.write_text(json.dumps({"feed": {"type": "replay", "data": str(SAMPLE_CSV), "rate": 10},
                               "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "none"}]}))
    env = {k: v for k, v in os.environ.items() if k not in ("ALGOHOST_PLUGIN_PATH", "ALGOHOST_DASHBOARD_DIR")}
    env["ALGOHOST_HOME"] = str(home)
    env.update(extra_env or {})
    proc = subprocess.Popen([algohost_bin, "serve", "--config", str(cfg), "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first, second = proc.stdout.readline(), proc.stdout.readline()
    return proc, first, second


def stop(proc):
    proc.terminate()
    proc.communicate(timeout=60)


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def test_serve_prints_and_records_the_dashboard_url(algohost_bin, home, tmp_path):
    proc, first, second = start_serve(algohost_bin, home.path, tmp_path)
    try:
        assert first.startswith("listening on http://127.0.0.1:"), (first, second)
        base = first.split()[-1].strip()
        assert second.strip() == "dashboard: " + base + "/", second
        host = json.loads((home.path / "host.json").read_text())
        assert host["dashboard"] == base + "/"
        status, ctype, body = get(host["dashboard"])
        assert status == 200 and ctype.startswith("text/html")
        assert body == (SOURCE_DIR / "host" / "dashboard" / "web" / "index.html").read_text()
    finally:
        stop(proc)


def test_the_override_folder_is_served(algohost_bin, home, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<p>from the override</p>")
    (web / "app.js").write_text("console.log(1);")
    proc, first, _ = start_serve(algohost_bin, home.path, tmp_path, {"ALGOHOST_DASHBOARD_DIR": str(web)})
    try:
        base = first.split()[-1].strip()
        assert get(base + "/")[2] == "<p>from the override</p>"
        status, ctype, body = get(base + "/app.js")
        assert ctype.startswith("text/javascript") and body == "console.log(1);"
    finally:
        stop(proc)
