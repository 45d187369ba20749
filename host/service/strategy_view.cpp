#include "host/service/strategy_view.h"

#include <map>

namespace algohost {

using catalog::Json;

namespace {

Json opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }
Json opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

// A parameter value as stored (JSON text), as JSON; text that is not JSON stays a string.
Json value_of(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json v = Json::parse(*text, nullptr, false);
  return v.is_discarded() ? Json(*text) : v;
}

}  // namespace

Result<Json> strategy_parameters_json(catalog::Catalog& c, const std::string& name) {
  auto rec = c.get(name);
  if (!rec.ok()) return rec.status();
  auto versions = c.versions(name);
  if (!versions.ok()) return versions.status();
  std::map<std::string, std::string> number_of;  // version_id -> version_number
  Json specs = Json::object();
  for (const auto& v : *versions) {
    number_of[v.version_id] = v.version_number;
    if (!rec->current_version.empty() && v.version_number == rec->current_version && v.parameters.is_object()) specs = v.parameters;
  }
  const Json& manifest = rec->metadata;
  if (specs.empty() && manifest.is_object() && manifest.contains("parameters") && manifest["parameters"].is_object())
    specs = manifest["parameters"];
  Json values = Json::object();
  if (!rec->current_version.empty()) {
    auto current = c.current_parameters(name);
    if (current.ok() && current->is_object()) values = *current;
  }
  auto history = c.parameter_history(name);
  if (!history.ok()) return history.status();
  Json params = Json::array();
  for (const auto& [pname, spec] : specs.items()) {
    Json p{{"name", pname}, {"value", values.contains(pname) ? values[pname] : Json(nullptr)}};
    if (spec.is_object())
      for (const auto& [k, v] : spec.items())
        if (k != "name" && k != "value" && k != "history") p[k] = v;
    p["history"] = Json::array();
    for (const auto& h : *history) {
      if (h.parameter_name != pname) continue;
      auto num = number_of.find(h.version_id);
      p["history"].push_back(Json{{"value", value_of(std::optional<std::string>(h.parameter_value))},
                                  {"previous", value_of(h.previous_value)},
                                  {"changed_by", h.changed_by},
                                  {"reason", opt(h.change_reason)},
                                  {"changed_at", h.created_at},
                                  {"before_sharpe", opt(h.evidence.before_sharpe)},
                                  {"after_sharpe", opt(h.evidence.after_sharpe)},
                                  {"improvement_pct", opt(h.evidence.improvement_pct)},
                                  {"version", num == number_of.end() ? Json(nullptr) : Json(num->second)}});
    }
    params.push_back(std::move(p));
  }
  Json constraints = manifest.is_object() && manifest.contains("constraints") && manifest["constraints"].is_array()
                         ? manifest["constraints"]
                         : Json::array();
  return Json{{"version", rec->current_version.empty() ? Json(nullptr) : Json(rec->current_version)}, {"parameters", std::move(params)}, {"constraints", std::move(constraints)}};
}

Result<Json> strategy_mem_json(catalog::Catalog& c, const std::string& name) {
  auto patterns = c.learned_patterns(name);
  if (!patterns.ok()) return patterns.status();
  auto runs = c.mem_runs(name, std::nullopt, 50);
  if (!runs.ok()) return runs.status();
  auto learned = c.learned_from(name);
  if (!learned.ok()) return learned.status();
  auto signals = c.mem_enhanced_trades(name, 50);
  if (!signals.ok()) return signals.status();

  // Out of sample: as the newest MEM run that scored the pattern found it.
  std::map<std::string, Json> oos;
  for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
    const Json& m = it->mem;
    if (!m.is_object() || !m.contains("scoring") || !m["scoring"].contains("patterns")) continue;
    for (const auto& p : m["scoring"]["patterns"])
      if (p.is_object() && p.contains("pattern") && p["pattern"].is_string())
        oos[p["pattern"].get<std::string>()] = Json{{"occurrences", p.value("out_of_sample_occurrences", Json(nullptr))},
                                                    {"wins", p.value("out_of_sample_wins", Json(nullptr))},
                                                    {"p_value", p.value("p_value", Json(nullptr))},
                                                    {"passes", p.value("passes_out_of_sample", Json(nullptr))}};
  }
  Json out{{"patterns", Json::array()}, {"learned_strategies", Json::array()}, {"runs", Json::array()},
           {"recent_signals", Json::array()}};
  for (const auto& p : *patterns) {
    Json j = p.to_json();
    j["in_sample"] = Json{{"occurrences", p.occurrences}, {"wins", p.wins}, {"win_rate", p.win_rate}};
    if (auto o = oos.find(p.pattern_key); o != oos.end()) {
      Json o_j = o->second;
      if (o_j["occurrences"].is_number() && o_j["wins"].is_number() && o_j["occurrences"].get<double>() > 0)
        o_j["win_rate"] = o_j["wins"].get<double>() / o_j["occurrences"].get<double>();
      j["out_of_sample"] = std::move(o_j);
    }
    out["patterns"].push_back(std::move(j));
  }
  for (const auto& s : *learned) out["learned_strategies"].push_back(s.to_json());
  for (const auto& r : *runs) {
    const Json& m = r.mem;
    const Json scoring = m.is_object() && m.contains("scoring") ? m["scoring"] : Json::object();
    out["runs"].push_back(Json{{"run_id", r.run_id},
                               {"started_at", r.started_at},
                               {"strategy", r.strategy_label},
                               {"enhancer", m.value("enhancer", Json(nullptr))},
                               {"verdict", scoring.value("verdict", Json(nullptr))},
                               {"statistic", scoring.value("hac_t", Json(nullptr))},
                               {"significant", scoring.value("significant", Json(nullptr))},
                               {"improvement_pct", m.value("mem_improvement_pct", Json(nullptr))},
                               {"out_of_sample", m.value("out_of_sample", Json(nullptr))},
                               {"base", scoring.value("base", Json(nullptr))},
                               {"enhanced", scoring.value("enhanced", Json(nullptr))},
                               {"base_arm_metrics", m.value("base_arm_metrics", Json(nullptr))}});
  }
  for (const auto& t : *signals)
    out["recent_signals"].push_back(Json{{"entry_timestamp", t.entry_timestamp},
                                         {"symbol", t.symbol},
                                         {"signal_action", t.signal_action},
                                         {"signal_confidence", opt(t.signal_confidence)},
                                         {"mem_confidence_boost", opt(t.mem_confidence_boost)},
                                         {"mem_reasoning", opt(t.mem_reasoning)},
                                         {"learned_pattern_applied", opt(t.learned_pattern_applied)},
                                         {"market_regime", opt(t.market_regime)},
                                         {"pnl", t.pnl}});
  return out;
}

}  // namespace algohost
