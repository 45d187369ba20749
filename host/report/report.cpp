#include "host/report/report.h"

#include "host/dashboard/assets.h"
#include "host/report/report_html.h"
#include "host/service/run_service.h"
#include "host/service/run_view.h"

namespace algohost::report {

Result<catalog::Json> report_data(catalog::Catalog& c, const std::string& run_id) {
  auto run = run_detail_json(c, run_id);
  if (!run.ok()) return run.status();
  auto trades = run_trades_json(c, run_id);
  if (!trades.ok()) return trades.status();
  return catalog::Json{{"generated_at", catalog::now_iso()},
                       {"engine_version", kEngineVersion},
                       {"run", std::move(*run)},
                       {"trades", std::move(*trades)}};
}

Result<std::string> build_report(catalog::Catalog& c, const std::string& run_id) {
  auto data = report_data(c, run_id);
  if (!data.ok()) return data.status();
  auto tpl = dashboard::read_asset("report.html");
  if (!tpl.ok()) return tpl.status();
  return render_report_html(*tpl, data->dump(-1, ' ', false, catalog::Json::error_handler_t::replace),
                            [](std::string_view path) { return dashboard::read_asset(path); });
}

}  // namespace algohost::report
