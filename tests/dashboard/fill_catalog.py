#!/usr/bin/env python3
"""fill_catalog.py — gives a catalog N strategies quickly, for the dashboard's scale test.

Usage: fill_catalog.py ALGOHOST_BIN HOME N

The schema and the rows are the host's own: one template strategy (scale_000000, flat manifest
with its classification) is registered by `algohost strategies import`, then cloned N-1 times by
SQL inside the catalog, table by table (strategies, strategy_versions, strategy_tags and the
full-text index strategies_fts, whose rowid is the strategy's rowid), every column copied from the
template except the name, id and the figures that vary (category, tags, Sharpe, win rate, trades),
in one transaction. Importing 100,000 files one by one would take the better part of an hour."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

CATEGORIES = ["momentum", "mean_reversion", "trend_following", "stat_arb", "carry"]


def main():
    algohost, home, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(home, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scale_000000.json")
        with open(path, "w") as f:
            json.dump({"schema_version": "1.0.0", "kind": "strategy", "name": "scale_000000",
                       "display_name": "Scale 000000", "version": "1.0.0", "status": "active",
                       "description": "generated for the dashboard scale test",
                       "classification": {"category": "momentum", "sub_category": "generated", "complexity": "simple",
                                          "tags": ["scale"]},
                       "implementation": {"language": "python", "module": "scale.py", "class_name": "Scale"},
                       "parameters": {}}, f)
        env = dict(os.environ, ALGOHOST_HOME=home)
        r = subprocess.run([algohost, "strategies", "import", path, "--json"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"fill_catalog: import of the template failed (exit {r.returncode}): {r.stderr.strip()[:2000]}")
    db = sqlite3.connect(os.path.join(home, "catalog.db"), isolation_level=None)
    db.execute("PRAGMA busy_timeout = 10000")
    tpl = db.execute("SELECT strategy_id, rowid FROM strategies WHERE strategy_name = 'scale_000000'").fetchone()
    if tpl is None:
        sys.exit("fill_catalog: the template strategy is not in the catalog after its import")
    tpl_id, tpl_rowid = tpl
    cols = lambda t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
    num = "printf('%06d', n.i)"
    new_id = f"substr(t.strategy_id, 1, 24) || printf('%012d', n.i)"
    seq = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n - 1})"
    db.execute("BEGIN")
    over = {
        "strategy_id": new_id,
        "strategy_name": f"'scale_' || {num}",
        "display_name": f"'Scale ' || {num}",
        "category": "CASE n.i % 5 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES)) + " END",
        "lifetime_sharpe_ratio": "((n.i * 7919) % 4001) / 1000.0 - 2.0",
        "lifetime_win_rate": "((n.i * 104729) % 1001) / 1000.0",
        "total_trades": "(n.i * 31) % 997",
    }
    sc = cols("strategies")
    db.execute(f"{seq} INSERT INTO strategies ({', '.join(sc)}) SELECT {', '.join(over.get(c, 't.' + c) for c in sc)} "
               f"FROM n, strategies t WHERE t.strategy_id = ?", (tpl_id,))
    vc = cols("strategy_versions")
    vover = {"version_id": f"substr(t.version_id, 1, 24) || printf('%012d', n.i)",
             "strategy_id": f"substr(s.strategy_id, 1, 24) || printf('%012d', n.i)"}
    db.execute(f"{seq} INSERT INTO strategy_versions ({', '.join(vc)}) SELECT {', '.join(vover.get(c, 't.' + c) for c in vc)} "
               f"FROM n, strategy_versions t, strategies s WHERE t.strategy_id = ? AND s.strategy_id = ?", (tpl_id, tpl_id))
    db.execute(f"{seq} INSERT INTO strategy_tags (strategy_id, tag) SELECT substr(?, 1, 24) || printf('%012d', n.i), 'scale' FROM n", (tpl_id,))
    db.execute(f"{seq} INSERT INTO strategy_tags (strategy_id, tag) SELECT substr(?, 1, 24) || printf('%012d', n.i), 'group' || (n.i % 10) FROM n", (tpl_id,))
    fc = ["strategy_name", "display_name", "description", "search_keywords", "tags"]
    fover = {"strategy_name": f"replace(f.strategy_name, '000000', {num})",
             "display_name": f"replace(f.display_name, '000000', {num})",
             "tags": "coalesce(f.tags, '') || ' group' || (n.i % 10)"}
    db.execute(f"{seq} INSERT INTO strategies_fts (rowid, {', '.join(fc)}) SELECT s.rowid, {', '.join(fover.get(c, 'f.' + c) for c in fc)} "
               f"FROM n JOIN strategies s ON s.strategy_id = substr(?, 1, 24) || printf('%012d', n.i), strategies_fts f WHERE f.rowid = ?",
               (tpl_id, tpl_rowid))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    total = db.execute("SELECT count(*) FROM strategies WHERE strategy_name LIKE 'scale\\_%' ESCAPE '\\'").fetchone()[0]
    fts = db.execute("SELECT count(*) FROM strategies_fts WHERE strategies_fts MATCH 'scale*'").fetchone()[0]
    print(json.dumps({"strategies": total, "fts_rows": fts}))
    if total != n or fts < n:
        sys.exit(f"fill_catalog: expected {n} strategies, have {total} (fts {fts})")


if __name__ == "__main__":
    main()
