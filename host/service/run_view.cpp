#include "host/service/run_view.h"

#include <cstdint>

#include "registry/metrics/curves.h"

namespace algohost {

using catalog::Json;

Json run_summary_json(const catalog::RunRecord& run) {
  Json labels = Json::array();
  bool mem = false;
  if (run.strategies.is_array())
    for (const auto& s : run.strategies) {
      if (s.is_string()) labels.push_back(s);
      if (!s.is_object()) continue;
      if (s.contains("strategy") && s["strategy"].is_string()) labels.push_back(s["strategy"]);
      if (s.contains("enhancer") && !s["enhancer"].is_null()) mem = true;
    }
  if (run.results.is_object() && run.results.contains("strategies") && run.results["strategies"].is_array())
    for (const auto& s : run.results["strategies"])
      if (s.is_object() && s.contains("mem") && s["mem"].is_object()) mem = true;
  Json trades = nullptr;
  if (run.results.is_object() && run.results.contains("trades_recorded") && run.results["trades_recorded"].is_number())
    trades = run.results["trades_recorded"];
  return Json{{"run_id", run.run_id},       {"kind", run.kind},
              {"status", run.status},       {"started_at", run.started_at},
              {"finished_at", run.finished_at ? Json(*run.finished_at) : Json(nullptr)},
              {"strategies", labels},       {"data", run.data},
              {"mem", mem},                 {"trades_recorded", trades}};
}

Json run_curve_json(const catalog::RunCurve& curve) {
  std::vector<metrics::EquityPoint> points;
  points.reserve(curve.equity.size());
  Json equity = Json::array();
  for (const auto& [t, e] : curve.equity) {
    points.push_back({t, e});
    equity.push_back(Json::array({t, e}));
  }
  Json drawdown = Json::array();
  for (const auto& p : metrics::drawdown_series(points)) drawdown.push_back(Json::array({p.ts_ms, p.equity}));
  Json months = Json::array();
  for (const auto& m : metrics::monthly_returns(points, curve.starting_capital))
    months.push_back(Json{{"year", m.year}, {"month", m.month}, {"return", m.ret}});
  return Json{{"strategy", curve.strategy},
              {"strategy_id", curve.strategy_id ? Json(*curve.strategy_id) : Json(nullptr)},
              {"arm", curve.arm},
              {"starting_capital", curve.starting_capital},
              {"equity", std::move(equity)},
              {"drawdown", std::move(drawdown)},
              {"monthly_returns", std::move(months)}};
}

Result<Json> run_detail_json(catalog::Catalog& c, const std::string& run_id) {
  auto run = c.get_run(run_id);
  if (!run.ok()) return run.status();
  auto curves = c.run_curves(run_id);
  if (!curves.ok()) return curves.status();
  Json out{{"run_id", run->run_id},
           {"kind", run->kind},
           {"status", run->status},
           {"started_at", run->started_at},
           {"finished_at", run->finished_at ? Json(*run->finished_at) : Json(nullptr)},
           {"engine_version", run->engine_version},
           {"strategies", run->strategies},
           {"data", run->data},
           {"config", run->config},
           {"error", run->error ? Json(*run->error) : Json(nullptr)},
           {"results", run->results},
           {"curves", Json::array()}};
  for (const auto& curve : *curves) out["curves"].push_back(run_curve_json(curve));
  return out;
}

Result<Json> run_trades_json(catalog::Catalog& c, const std::string& run_id) {
  catalog::RunTradeFilter f;
  f.run_id = run_id;
  f.limit = INT64_MAX;
  auto page = c.run_trades(f);
  if (!page.ok()) return page.status();
  Json out = Json::array();
  for (const auto& t : page->rows) out.push_back(t.to_json());
  return out;
}

}  // namespace algohost
