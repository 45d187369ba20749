/* charts.js — the charts and tables shared by the dashboard (index.html) and the run report
 * (report.html). A classic script, not a module: the report inlines it into a file:// page where
 * module imports between inline scripts cannot work. It defines one global, `AHCharts`:
 *   lineChart(el, series, opts)   SVG line chart, every series on the same axes
 *   heatmap(el, monthly)          monthly returns as a year x month grid
 *   metricsTable(el, columns)     metric rows, one column per arm/strategy
 *   tradesTable(el, trades)       trades list
 *   fmt                           number formatters
 * Every chart states what it drew so it can be checked in the page: the <svg> has data-points (the
 * number of points over all series), each series is a <path class="series"> with data-label,
 * data-points, data-first and data-last (the first and last y value); metric cells carry
 * data-metric and data-value (the raw number). */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  var fmt = {
    num: function (v, digits) {
      if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "–";
      if (typeof v !== "number") return String(v);
      return v.toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 4 : digits });
    },
    pct: function (v, digits) {
      if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) return "–";
      var t = (v * 100).toFixed(digits === undefined ? 2 : digits);
      return (/^-0(\.0*)?$/.test(t) ? t.slice(1) : t) + "%";
    },
    money: function (v) {
      if (v === null || v === undefined || typeof v !== "number") return "–";
      return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    },
    date: function (t) {
      if (t === null || t === undefined) return "–";
      var d = typeof t === "number" ? new Date(t) : new Date(String(t));
      if (isNaN(d.getTime())) return String(t);
      return d.toISOString().slice(0, 10);
    },
    time: function (t) {
      if (!t) return "–";
      var d = new Date(t);
      return isNaN(d.getTime()) ? String(t) : d.toISOString().replace("T", " ").slice(0, 19);
    }
  };

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = (n * step) / span;
    if (err <= 0.15) step *= 10; else if (err <= 0.35) step *= 5; else if (err <= 0.75) step *= 2;
    var ticks = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
    return ticks;
  }

  /* series: [{label, points: [[t_ms, y], ...]}]; opts: {title, height, yFormat, kind}. */
  function lineChart(container, series, opts) {
    opts = opts || {};
    container.textContent = "";
    var wrap = el("figure", { "class": "chart" + (opts.kind ? " chart-" + opts.kind : "") });
    if (opts.title) wrap.appendChild(el("figcaption", null, opts.title));
    var W = opts.width || 900, H = opts.height || 260, L = 70, R = 16, T = 12, B = 28;
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, "class": "chart-svg", role: "img",
      preserveAspectRatio: "none" });
    var all = 0, tmin = Infinity, tmax = -Infinity, ymin = Infinity, ymax = -Infinity;
    series.forEach(function (s) {
      (s.points || []).forEach(function (p) {
        if (typeof p[1] !== "number" || !isFinite(p[1])) return;
        all++;
        if (p[0] < tmin) tmin = p[0]; if (p[0] > tmax) tmax = p[0];
        if (p[1] < ymin) ymin = p[1]; if (p[1] > ymax) ymax = p[1];
      });
    });
    root.setAttribute("data-points", String(all));
    root.setAttribute("data-series", String(series.length));
    if (all === 0) {
      wrap.appendChild(el("p", { "class": "empty" }, opts.empty || "No data points to draw."));
      wrap.appendChild(root);
      container.appendChild(wrap);
      return root;
    }
    if (ymin === ymax) { ymin -= Math.abs(ymin) * 0.01 || 1; ymax += Math.abs(ymax) * 0.01 || 1; }
    if (tmin === tmax) { tmin -= 86400000; tmax += 86400000; }
    var pad = (ymax - ymin) * 0.05; ymin -= pad; ymax += pad;
    var x = function (t) { return L + (t - tmin) / (tmax - tmin) * (W - L - R); };
    var y = function (v) { return T + (ymax - v) / (ymax - ymin) * (H - T - B); };
    var yf = opts.yFormat || function (v) { return fmt.num(v, 2); };
    niceTicks(ymin, ymax, 5).forEach(function (v) {
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), "class": "grid" }));
      var lab = svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "class": "tick" });
      lab.textContent = yf(v); root.appendChild(lab);
    });
    var y0 = new Date(tmin).getUTCFullYear(), y1 = new Date(tmax).getUTCFullYear();
    var yearStep = Math.max(1, Math.ceil((y1 - y0 + 1) / 8));
    for (var yr = y0; yr <= y1 + 1; yr += yearStep) {
      var t = Date.UTC(yr, 0, 1);
      if (t < tmin || t > tmax) continue;
      root.appendChild(svg("line", { x1: x(t), x2: x(t), y1: T, y2: H - B, "class": "grid" }));
      var tl = svg("text", { x: x(t), y: H - 8, "text-anchor": "middle", "class": "tick" });
      tl.textContent = String(yr); root.appendChild(tl);
    }
    if (y1 === y0 || yearStep > 1 && y1 - y0 < 1) {
      var a = svg("text", { x: L, y: H - 8, "class": "tick" }); a.textContent = fmt.date(tmin); root.appendChild(a);
      var b = svg("text", { x: W - R, y: H - 8, "text-anchor": "end", "class": "tick" }); b.textContent = fmt.date(tmax); root.appendChild(b);
    }
    var drawn = 0, groups = {};
    var legend = el("div", { "class": "legend" });
    series.forEach(function (s, i) {
      var pts = (s.points || []).filter(function (p) { return typeof p[1] === "number" && isFinite(p[1]); });
      var d = "";
      pts.forEach(function (p, j) { d += (j ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1); });
      // Series of one group (a strategy's two MEM arms) share a colour; the base arm is dashed.
      var g = s.group === undefined ? "#" + i : s.group;
      if (!(g in groups)) groups[g] = Object.keys(groups).length;
      var color = s.color || PALETTE[groups[g] % PALETTE.length];
      var path = svg("path", { d: d || "M0 0", "class": "series", stroke: color, fill: "none",
        "vector-effect": "non-scaling-stroke", "data-label": s.label || ("series " + (i + 1)),
        "data-points": String(pts.length),
        "data-first": pts.length ? String(pts[0][1]) : "", "data-last": pts.length ? String(pts[pts.length - 1][1]) : "" });
      if (s.dashed) path.setAttribute("stroke-dasharray", "6 4");  // a MEM run's shadow base arm
      root.appendChild(path);
      drawn += pts.length;
      var item = el("span", { "class": "legend-item" });
      var sw = el("span", { "class": "swatch" }); sw.style.background = color;
      if (s.dashed) sw.style.background = "repeating-linear-gradient(90deg, " + color + " 0 4px, transparent 4px 6px)";
      item.appendChild(sw); item.appendChild(document.createTextNode(" " + (s.label || "") + " (" + pts.length + " points)"));
      legend.appendChild(item);
    });
    root.setAttribute("data-points", String(drawn)); // the points drawn, over all series
    wrap.appendChild(root);
    wrap.appendChild(legend);
    container.appendChild(wrap);
    return root;
  }

  /* monthly: [{year, month (1-12), return}]. */
  function heatmap(container, monthly, opts) {
    opts = opts || {};
    container.textContent = "";
    var fig = el("figure", { "class": "heatmap" });
    if (opts.title) fig.appendChild(el("figcaption", null, opts.title));
    if (!monthly || !monthly.length) {
      fig.appendChild(el("p", { "class": "empty" }, "No monthly returns."));
      container.appendChild(fig); return fig;
    }
    var byYear = {}, maxAbs = 0;
    monthly.forEach(function (m) {
      (byYear[m.year] = byYear[m.year] || {})[m.month] = m["return"];
      if (typeof m["return"] === "number") maxAbs = Math.max(maxAbs, Math.abs(m["return"]));
    });
    var table = el("table", { "class": "heatmap-table", "data-cells": String(monthly.length) });
    var head = el("tr"); head.appendChild(el("th", null, "year"));
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].forEach(function (m) {
      head.appendChild(el("th", null, m));
    });
    head.appendChild(el("th", null, "year"));
    table.appendChild(head);
    Object.keys(byYear).sort().forEach(function (yr) {
      var tr = el("tr"); tr.appendChild(el("th", null, yr));
      var comp = 1, any = false;
      for (var mo = 1; mo <= 12; mo++) {
        var v = byYear[yr][mo];
        var td = el("td", { "class": "cell" });
        if (typeof v === "number") {
          any = true; comp *= 1 + v;
          td.textContent = (v * 100).toFixed(1);
          td.setAttribute("data-value", String(v));
          td.title = yr + "-" + (mo < 10 ? "0" : "") + mo + ": " + fmt.pct(v);
          var a = maxAbs > 0 ? Math.min(1, Math.abs(v) / maxAbs) : 0;
          td.style.background = v >= 0 ? "rgba(22,163,74," + (0.15 + 0.75 * a) + ")" : "rgba(220,38,38," + (0.15 + 0.75 * a) + ")";
        }
        tr.appendChild(td);
      }
      tr.appendChild(el("td", { "class": "cell year-total" }, any ? ((comp - 1) * 100).toFixed(1) : ""));
      table.appendChild(tr);
    });
    fig.appendChild(table);
    fig.appendChild(el("p", { "class": "note" }, "Monthly returns in percent; green gains, red losses."));
    container.appendChild(fig);
    return fig;
  }

  var METRICS = [
    ["total_return", "total return", "pct"], ["cagr", "CAGR", "pct"], ["annual_volatility", "annual volatility", "pct"],
    ["sharpe", "Sharpe", "num"], ["sortino", "Sortino", "num"], ["probabilistic_sharpe", "probabilistic Sharpe", "num"],
    ["max_drawdown", "max drawdown", "pct"], ["max_drawdown_duration_days", "max drawdown duration (days)", "num"],
    ["calmar", "Calmar", "num"], ["trades", "trades", "num"], ["win_rate", "win rate", "pct"],
    ["average_win", "average win", "pct"], ["average_loss", "average loss", "pct"],
    ["profit_loss_ratio", "profit/loss ratio", "num"], ["expectancy", "expectancy", "num"],
    ["profit_factor", "profit factor", "num"], ["exposure", "exposure", "pct"], ["total_fees", "fees", "money"],
    ["turnover", "turnover", "num"], ["days", "days", "num"]
  ];

  /* columns: [{label, metrics: {...}, extra: {key: value}}] — one column per strategy or arm. */
  function metricsTable(container, columns, opts) {
    opts = opts || {};
    container.textContent = "";
    var table = el("table", { "class": "metrics" });
    var head = el("tr"); head.appendChild(el("th", null, "metric"));
    columns.forEach(function (c) { head.appendChild(el("th", { "data-column": c.label }, c.label)); });
    table.appendChild(head);
    var keys = METRICS.slice();
    columns.forEach(function (c) {
      Object.keys(c.metrics || {}).forEach(function (k) {
        if (typeof c.metrics[k] === "number" && !keys.some(function (m) { return m[0] === k; })) keys.push([k, k.replace(/_/g, " "), "num"]);
      });
    });
    keys.forEach(function (m) {
      if (!columns.some(function (c) { return c.metrics && m[0] in c.metrics; })) return;
      var tr = el("tr", { "data-metric-row": m[0] }); tr.appendChild(el("th", null, m[1]));
      columns.forEach(function (c) {
        var v = c.metrics ? c.metrics[m[0]] : undefined;
        var td = el("td", { "class": "num", "data-metric": m[0], "data-column": c.label,
          "data-value": v === undefined || v === null ? "" : String(v) }, fmt[m[2]](v));
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    container.appendChild(table);
    return table;
  }

  /* trades: TradeRecord JSON objects (trades --json). */
  function tradesTable(container, trades, opts) {
    opts = opts || {};
    container.textContent = "";
    if (!trades || !trades.length) {
      container.appendChild(el("p", { "class": "empty" }, opts.empty || "No trades."));
      return null;
    }
    var names = opts.strategyNames || {};
    var cols = [["strategy_id", "strategy"], ["symbol", "symbol"], ["signal_action", "side"], ["entry_timestamp", "entry"],
      ["exit_timestamp", "exit"], ["entry_price", "entry price"], ["exit_price", "exit price"], ["quantity", "qty"],
      ["pnl", "PnL"], ["pnl_percentage", "PnL %"], ["commission", "fees"], ["was_mem_enhanced", "MEM"]];
    var table = el("table", { "class": "trades", "data-rows": String(trades.length) });
    var head = el("tr");
    cols.forEach(function (c) { head.appendChild(el("th", null, c[1])); });
    table.appendChild(head);
    trades.forEach(function (t) {
      var tr = el("tr", { "class": typeof t.pnl === "number" ? (t.pnl >= 0 ? "win" : "loss") : "" });
      cols.forEach(function (c) {
        var v = t[c[0]];
        if (c[0] === "strategy_id") v = names[v] || t.strategy_name || t.instance || (v ? String(v).slice(0, 8) : "");
        var text;
        if (c[0].indexOf("timestamp") >= 0) text = fmt.time(v);
        else if (c[0] === "pnl_percentage") text = fmt.pct(v);
        else if (c[0] === "pnl") text = fmt.money(v);
        else if (c[0] === "was_mem_enhanced") text = v ? "yes" : "";
        else if (typeof v === "number") text = fmt.num(v, 4);
        else text = v === undefined || v === null ? "" : String(v);
        tr.appendChild(el("td", { "class": typeof v === "number" ? "num" : "" }, text));
      });
      table.appendChild(tr);
    });
    container.appendChild(table);
    return table;
  }

  /* Build chart series from run curves ({strategy, arm, equity, drawdown}). */
  function curveSeries(curves, field, prefix) {
    var arms = (curves || []).some(function (c) { return c.arm === "enhanced"; });
    return (curves || []).map(function (c) {
      return { label: (prefix ? prefix + " " : "") + c.strategy + (arms ? " (" + c.arm + ")" : ""), points: c[field] || [],
        dashed: arms && c.arm === "base", group: c.strategy };
    });
  }

  window.AHCharts = { lineChart: lineChart, heatmap: heatmap, metricsTable: metricsTable,
    tradesTable: tradesTable, curveSeries: curveSeries, fmt: fmt, el: el, METRICS: METRICS };
})();
