// A run's self-contained HTML report (docs/report.md): `algohost report` and
// GET /api/v1/runs/{id}/report.
//   report_data: {"generated_at": ISO-8601 UTC, "engine_version", "run": run_detail_json (the
//                GET /api/v1/runs/{id} body), "trades": run_trades_json (every trade of the run)}
//   build_report: the dashboard's report.html (embedded, or ALGOHOST_DASHBOARD_DIR's) rendered with
//                that data (report_html.h).
// Unknown run: NotFound naming it.
#pragma once

#include <string>

#include "registry/catalog/catalog.h"

namespace algohost::report {

Result<catalog::Json> report_data(catalog::Catalog& c, const std::string& run_id);

Result<std::string> build_report(catalog::Catalog& c, const std::string& run_id);

}  // namespace algohost::report
