/* report.js — renders the run report from window.AH_REPORT_DATA (filled in by `algohost report`):
 * {generated_at, engine_version, run: GET /api/v1/runs/{id}, trades: every trade of the run}.
 * A classic script (the report is a file:// page with inlined scripts); needs charts.js and runview.js. */
(function () {
  "use strict";
  var main = document.getElementById("report");
  var data = window.AH_REPORT_DATA;
  function fail(msg) {
    main.textContent = "";
    main.appendChild(window.AHCharts.el("p", { "class": "error", role: "alert" }, msg));
    document.body.setAttribute("data-report-ready", "error");
  }
  try {
    if (typeof data === "string") data = data === "__ALGOHOST_" + "REPORT_DATA__" ? null : JSON.parse(data);
    if (!data || !data.run) return fail("This is the report template: it holds no run. Make a report with `algohost report RUN`.");
    var run = data.run;
    document.title = "algohost report — run " + run.run_id;
    document.getElementById("report-title").textContent = "run " + run.run_id + " (" + (run.kind || "run") + ")";
    window.AHRunView.render(main, run, data.trades || [], {
      tradesNote: (data.trades || []).length + " trades"
    });
    document.getElementById("report-footer").textContent = "Generated " + (data.generated_at || "?") + " by " +
      (data.engine_version || "algohost") + ". Figures are the run's own, as `algohost run --json` printed them.";
    document.body.setAttribute("data-report-ready", "1");
  } catch (e) {
    fail("The report could not be drawn: " + (e && e.message ? e.message : e));
  }
})();
