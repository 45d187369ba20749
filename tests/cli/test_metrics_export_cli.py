"""Run metrics do not depend on what is exported: `algohost run` with and without `--equity-csv`
(which also keeps every bar's equity, for the export) reports and stores the same metrics, computed
from the daily equity curve (docs/metrics.md). MEM's comparison of its two arms is the same too."""
import csv
import json

import pytest

# Hourly bars over ~125 days: the per-bar curve sees intraday drawdowns the daily one does not.
DATA = "symbols=2,bars=3000,timeframe=1h,seed=11"


def fresh_run(run, home_dir, mem, *extra):
    env = {"ALGOHOST_HOME": str(home_dir)}
    proc = run("run", "--synthetic", DATA, "--strategy", "rsi", "--mem", mem, *extra, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    show = run("strategies", "show", "rsi", "--json", env=env)
    assert show.returncode == 0, show.stderr
    return rep, json.loads(show.stdout)


def stored_version(show):
    v = show["versions"][0]
    keys = ("sharpe_ratio", "win_rate", "max_drawdown", "cagr")
    assert all(k in v for k in keys), sorted(v)
    return {k: v[k] for k in keys}


def max_drawdown(points):
    peak, worst = points[0], 0.0
    for e in points:
        peak = max(peak, e)
        worst = max(worst, 1 - e / peak)
    return worst


@pytest.mark.parametrize("mem", ["off", "on"])
def test_equity_csv_changes_no_metric(run, tmp_path, mem):
    plain, plain_show = fresh_run(run, tmp_path / "plain", mem)
    eq = tmp_path / "equity.csv"
    exported, exported_show = fresh_run(run, tmp_path / "exported", mem, "--equity-csv", eq)

    [a], [b] = plain["strategies"], exported["strategies"]
    assert a["trades"] > 20
    assert a["metrics"]["sharpe"] is not None  # long enough to be annualized
    assert json.dumps(a["metrics"], sort_keys=True) == json.dumps(b["metrics"], sort_keys=True)
    assert stored_version(plain_show) == stored_version(exported_show)
    assert stored_version(plain_show)["max_drawdown"] == pytest.approx(a["metrics"]["max_drawdown"])
    if mem == "on":
        for key in ("base_arm_metrics", "scoring"):
            assert json.dumps(a["mem"][key], sort_keys=True) == json.dumps(b["mem"][key], sort_keys=True), key

    # The export is every bar's equity (one row per timestamp), and that curve is not the daily one:
    # its drawdown is deeper, so a metric computed from it would differ (the checks above can fail).
    rows = list(csv.DictReader(open(eq)))
    assert len(rows) == 3000 and {r["strategy"] for r in rows} == {"rsi@1.0.0"}
    per_bar = max_drawdown([float(r["equity"]) for r in rows])
    assert per_bar > a["metrics"]["max_drawdown"] + 1e-4
