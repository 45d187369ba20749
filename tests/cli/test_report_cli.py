"""Issue 16: `algohost report RUN [-o FILE] [--json]` — one self-contained HTML file holding the run's
data (the run with its curves, every trade), no http(s) reference, the metrics equal to `run --json`'s;
the default path under the data directory; an unknown run exits 3 naming it."""
import json
import re

from conftest import SAMPLE_CSV

TEMPLATE = """<!doctype html><html><head><link rel="stylesheet" href="r.css"></head><body>
<script src="lib/r.js"></script>
<script>const REPORT_DATA = "__ALGOHOST_REPORT_DATA__"; /*end-of-data*/</script>
</body></html>"""


def template_dir(tmp_path):
    web = tmp_path / "web"
    (web / "lib").mkdir(parents=True)
    (web / "report.html").write_text(TEMPLATE)
    (web / "r.css").write_text("h1 { color: #123; }")
    (web / "lib" / "r.js").write_text("const SVG_NS = 'http://www.w3.org/2000/svg';")
    return web


def embedded_data(html):
    m = re.search(r"const REPORT_DATA = (.*); /\*end-of-data\*/", html, re.S)
    assert m, html[:500]
    return json.loads(m.group(1).replace("<\\/", "</"))


def backtest(home, *extra):
    proc, rep = home.json("run", "--strategy", "rsi", "--strategy", "macd", "--data", SAMPLE_CSV, *extra, "--json")
    assert proc.returncode == 0, proc.stderr
    return rep


def test_the_report_holds_the_run_and_its_figures_equal_the_clis(home, tmp_path):
    rep = backtest(home, "--mem", "on")
    out = tmp_path / "out" / "report.html"
    proc = home("report", rep["run_id"], "-o", out, env={"ALGOHOST_DASHBOARD_DIR": str(template_dir(tmp_path))})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    html = out.read_text()
    assert "http://" not in html and "https://" not in html
    assert "<style>h1 { color: #123; }</style>" in html and "SVG_NS" in html
    assert 'href="r.css"' not in html and 'src="lib/r.js"' not in html
    data = embedded_data(html)
    assert data["engine_version"] and data["generated_at"].endswith("Z")
    run = data["run"]
    assert run["run_id"] == rep["run_id"]
    for mine, cli in zip(run["results"]["strategies"], rep["strategies"]):
        assert mine["strategy"] == cli["strategy"]
        assert mine["metrics"] == cli["metrics"]
        assert mine["mem"]["base_arm_metrics"] == cli["mem"]["base_arm_metrics"]
    # Both arms of each MEM strategy, their last points the final equity the CLI reported.
    arms = [(c["strategy"], c["arm"]) for c in run["curves"]]
    assert arms == [(s["strategy"], a) for s in rep["strategies"] for a in ("enhanced", "base")]
    for c in run["curves"]:
        if c["arm"] == "enhanced":
            cli = next(s for s in rep["strategies"] if s["strategy"] == c["strategy"])
            assert abs(c["equity"][-1][1] - cli["final_equity"]) < 1e-6
            assert abs(-min(p[1] for p in c["drawdown"]) - cli["metrics"]["max_drawdown"]) < 1e-12
    assert len(data["trades"]) == rep["trades_recorded"]
    assert {t["run_id"] for t in data["trades"]} == {rep["run_id"]}


def test_the_default_path_and_json_with_the_embedded_template(home):
    rep = backtest(home, "--mem", "off")
    proc, out = home.json("report", rep["run_id"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert out["run_id"] == rep["run_id"]
    path = home.path / "reports" / (rep["run_id"] + ".html")
    assert out["path"] == str(path)
    html = path.read_text()
    assert out["bytes"] == len(html.encode())
    assert rep["run_id"] in html and "__ALGOHOST_REPORT_DATA__" not in html
    assert "http://" not in html and "https://" not in html


def test_an_unknown_run_exits_3_naming_it(home):
    backtest(home, "--mem", "off")
    proc = home("report", "no-such-run")
    assert proc.returncode == 3
    assert "no-such-run" in proc.stderr
    assert not (home.path / "reports" / "no-such-run.html").exists()
