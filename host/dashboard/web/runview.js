/* runview.js — one run drawn in full: equity and drawdown of every curve on the same axes, monthly
 * returns heat maps, the metrics table (the run's own results.strategies[i].metrics, the numbers
 * `algohost run --json` printed), both MEM arms with the verdict and its statistic, and the trades.
 * A classic script shared by the dashboard's run page and the self-contained report; it defines
 * the global `AHRunView` and needs `AHCharts` (charts.js) loaded first.
 *   AHRunView.render(container, run, trades, opts)  run = GET /api/v1/runs/{id}; trades = its trades
 *   opts.tradesNote: text shown above the trades (e.g. "first 500 of N") */
(function () {
  "use strict";
  var C = window.AHCharts, el = C.el, fmt = C.fmt;

  function section(parent, title, cls) {
    var s = el("section", { "class": "panel " + (cls || "") });
    s.appendChild(el("h2", null, title));
    parent.appendChild(s);
    return s;
  }

  function strategiesOf(run) {
    var r = run.results || {};
    return Array.isArray(r.strategies) ? r.strategies : [];
  }

  function memArms(s) {
    var m = s.mem;
    if (!m || !m.scoring) return null;
    return m;
  }

  function renderMem(parent, strategies) {
    var withMem = strategies.filter(memArms);
    if (!withMem.length) return;
    var sec = section(parent, "MEM: base and enhanced arms (scoring part)", "mem-arms");
    withMem.forEach(function (s) {
      var m = s.mem, sc = m.scoring;
      var box = el("div", { "class": "mem-arm", "data-strategy": s.strategy });
      box.appendChild(el("h3", null, s.strategy + " — enhancer " + (m.enhancer || "mem") + ", mode " + (m.mode || "?")));
      var v = el("p", { "class": "verdict verdict-" + String(sc.verdict || "").replace(/\s+/g, "-"),
        "data-verdict": sc.verdict || "", "data-hac-t": sc.hac_t === undefined ? "" : String(sc.hac_t) });
      v.textContent = "Verdict: " + (sc.verdict || "–") + " (HAC t " + fmt.num(sc.hac_t, 3) + ", lag " +
        fmt.num(sc.hac_lag, 0) + ", " + fmt.num(sc.days, 0) + " days; improvement " +
        fmt.num(sc.improvement_pct, 3) + " pp)";
      box.appendChild(v);
      if (sc.test) box.appendChild(el("p", { "class": "note" }, sc.test));
      if (sc.sharpe) box.appendChild(el("p", { "class": "note" }, "Sharpe base " + fmt.num(sc.sharpe.base, 3) +
        ", enhanced " + fmt.num(sc.sharpe.enhanced, 3) + ", difference " + fmt.num(sc.sharpe.difference, 3) +
        (Array.isArray(sc.sharpe.ci95) ? " (95% CI [" + fmt.num(sc.sharpe.ci95[0], 3) + ", " + fmt.num(sc.sharpe.ci95[1], 3) + "])" : "")));
      var t = el("div"); box.appendChild(t);
      C.metricsTable(t, [{ label: "base", metrics: sc.base || {} }, { label: "enhanced", metrics: sc.enhanced || {} }]);
      if (m.skill_gate) box.appendChild(el("p", { "class": "note" }, "Skill gate: " + (m.skill_gate.decision || "") + " — " + (m.skill_gate.reason || "")));
      sec.appendChild(box);
    });
  }

  function render(container, run, trades, opts) {
    opts = opts || {};
    container.textContent = "";
    var head = el("section", { "class": "panel run-head" });
    head.appendChild(el("h2", null, "Run " + run.run_id));
    var dl = el("dl", { "class": "facts" });
    [["kind", run.kind], ["status", run.status], ["started", fmt.time(run.started_at)], ["finished", fmt.time(run.finished_at)],
      ["data", typeof run.data === "string" ? run.data : JSON.stringify(run.data)], ["error", run.error]].forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === "") return;
      dl.appendChild(el("dt", null, p[0])); dl.appendChild(el("dd", null, p[1]));
    });
    head.appendChild(dl);
    container.appendChild(head);

    var curves = run.curves || [];
    var charts = section(container, "Equity and drawdown", "run-charts");
    if (!curves.length) {
      charts.appendChild(el("p", { "class": "empty no-curves" },
        "This run has no recorded curves (runs recorded before curves were kept, or a run that recorded none)."));
    } else {
      var eq = el("div", { "class": "equity-chart" }); charts.appendChild(eq);
      C.lineChart(eq, C.curveSeries(curves, "equity"), { title: "Equity", kind: "equity" });
      var dd = el("div", { "class": "drawdown-chart" }); charts.appendChild(dd);
      C.lineChart(dd, C.curveSeries(curves, "drawdown"), { title: "Drawdown", kind: "drawdown", yFormat: function (v) { return fmt.pct(v, 0); } });
      var hm = section(container, "Monthly returns", "run-monthly");
      curves.forEach(function (c) {
        var d = el("div"); hm.appendChild(d);
        C.heatmap(d, c.monthly_returns || [], { title: c.strategy + (c.arm ? " (" + c.arm + ")" : "") });
      });
    }

    var strategies = strategiesOf(run);
    var ms = section(container, "Metrics", "run-metrics");
    if (!strategies.length) ms.appendChild(el("p", { "class": "empty" }, "The run recorded no per-strategy results."));
    else {
      var mt = el("div"); ms.appendChild(mt);
      C.metricsTable(mt, strategies.map(function (s) { return { label: s.strategy, metrics: s.metrics || {} }; }));
      var fe = el("p", { "class": "note" });
      fe.textContent = strategies.map(function (s) {
        return s.strategy + ": final equity " + fmt.money(s.final_equity) + ", " + fmt.num(s.trades, 0) + " trades" + (s.error ? ", error: " + s.error : "");
      }).join("; ");
      ms.appendChild(fe);
    }
    renderMem(container, strategies);

    var ts = section(container, "Trades", "run-trades");
    if (opts.tradesControls) ts.appendChild(opts.tradesControls);
    if (opts.tradesNote) ts.appendChild(el("p", { "class": "note" }, opts.tradesNote));
    var tt = el("div", { "class": "trades-holder" }); ts.appendChild(tt);
    var names = {};
    strategies.forEach(function (s) { if (s.strategy_id) names[s.strategy_id] = s.strategy; });
    C.tradesTable(tt, trades || [], { strategyNames: names });
    return { tradesHolder: tt, strategyNames: names };
  }

  window.AHRunView = { render: render, section: section };
})();
