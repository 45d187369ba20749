// The live host's endpoints on the control API (docs/api.md, "Live host endpoints"): running
// instances and their changes, bars pushed over HTTP, /metrics and the event stream. Every write
// needs the bearer token (the router checks it) and names its caller in the audit row.
#include <string>

#include "host/live/live_host.h"
#include "registry/catalog/actor_scope.h"

namespace algohost::live {

using nlohmann::json;
using server::Request;
using server::Response;

namespace {

Response answer(const Result<json>& r, int ok_status = 200) {
  if (!r.ok()) return Response::error(r.status());
  return Response::json(*r, ok_status);
}

// A string field of the JSON body; InvalidArgument naming it when missing or not a string.
Result<std::string> body_string(const Request& req, const std::string& field) {
  if (!req.json || !req.json->is_object()) return Status::InvalidArgument("body: expected a JSON object with \"" + field + "\"");
  auto it = req.json->find(field);
  if (it == req.json->end()) return Status::InvalidArgument("body." + field + ": missing");
  if (it->is_string()) return it->get<std::string>();
  return Status::InvalidArgument("body." + field + ": expected a string");
}

}  // namespace

void LiveHost::add_routes(server::Router& router) {
  router.add("GET", "/api/v1/health", [this](const Request&) { return Response::json(health()); });
  router.add("GET", "/metrics", [this](const Request&) { return Response::text(metrics_text()); });
  router.add_event_stream("/api/v1/events");
  router.add("GET", "/api/v1/instances", [this](const Request&) { return answer(instances()); });
  router.add("GET", "/api/v1/instances/{name}", [this](const Request& r) { return answer(instance(r.params.at("name"))); });

  router.add(
      "POST", "/api/v1/instances",
      [this](const Request& r) {
        if (!r.json || !r.json->is_object())
          return Response::error(Status::InvalidArgument("body: expected a JSON object (an entry of the config's strategies)"));
        // The body is one entry of the config file's "strategies": checked by the same parser.
        json wrapped{{"feed", {{"type", "push"}, {"symbols", symbols_}}}, {"strategies", json::array({*r.json})}};
        auto parsed = parse_serve_config(wrapped, "request");
        if (!parsed.ok()) return Response::error(parsed.status());
        return answer(load(parsed->strategies.front(), r.caller), 201);
      },
      true);
  auto unload_route = [this](const Request& r) { return answer(unload(r.params.at("name"), r.caller)); };
  router.add("DELETE", "/api/v1/instances/{name}", unload_route, true);
  router.add("POST", "/api/v1/instances/{name}/unload", unload_route, true);
  router.add(
      "POST", "/api/v1/instances/{name}/swap",
      [this](const Request& r) {
        auto v = body_string(r, "version");
        if (!v.ok()) return Response::error(v.status());
        return answer(swap(r.params.at("name"), *v, r.caller));
      },
      true);
  router.add(
      "POST", "/api/v1/instances/{name}/rollback", [this](const Request& r) { return answer(rollback(r.params.at("name"), r.caller)); },
      true);
  router.add(
      "POST", "/api/v1/instances/{name}/params",
      [this](const Request& r) {
        auto p = body_string(r, "name");
        if (!p.ok()) return Response::error(p.status());
        if (!r.json->contains("value")) return Response::error(Status::InvalidArgument("body.value: missing"));
        const json& v = (*r.json)["value"];
        if (!v.is_primitive() || v.is_null())
          return Response::error(Status::InvalidArgument("body.value: expected a number, string or boolean"));
        return answer(set_param(r.params.at("name"), *p, v.is_string() ? v.get<std::string>() : v.dump(), r.caller));
      },
      true);
  router.add(
      "POST", "/api/v1/instances/{name}/canary",
      [this](const Request& r) {
        auto v = body_string(r, "version");
        if (!v.ok()) return Response::error(v.status());
        return answer(canary(r.params.at("name"), *v, r.caller));
      },
      true);
  router.add(
      "DELETE", "/api/v1/instances/{name}/canary", [this](const Request& r) { return answer(drop_canary(r.params.at("name"), r.caller)); },
      true);
  router.add(
      "POST", "/api/v1/instances/{name}/promote", [this](const Request& r) { return answer(promote(r.params.at("name"), r.caller)); },
      true);
  router.add(
      "POST", "/api/v1/strategies/{name}/deprecate",
      [this](const Request& r) {
        auto reason = body_string(r, "reason");
        if (!reason.ok()) return Response::error(reason.status());
        std::lock_guard lk(mu_);
        catalog::ActorScope as(*catalog_, r.caller);
        Status st = catalog_->deprecate(r.params.at("name"), *reason);
        if (!st.ok()) return Response::error(st);
        return Response::json(json{{"strategy", r.params.at("name")}, {"status", "deprecated"}, {"reason", *reason}});
      },
      true);
  // Bars pushed over HTTP: one bar object, or an array of them (the TCP feed's format).
  router.add(
      "POST", "/api/v1/bars",
      [this](const Request& r) {
        if (!r.json || !(r.json->is_object() || r.json->is_array()))
          return Response::error(Status::InvalidArgument("body: expected a bar object or an array of bars"));
        if (!aligner_) return Response::error(Status::FailedPrecondition("the host is not running"));
        if (config_.feed.type != "push")
          return Response::error(Status::FailedPrecondition(
              "this host replays a data set (feed.type \"replay\"): bars are pushed to a host whose feed is \"push\""));
        const json items = r.json->is_array() ? *r.json : json::array({*r.json});
        size_t accepted = 0;
        json errors = json::array();
        for (size_t i = 0; i < items.size(); ++i) {
          const std::string where = r.json->is_array() ? "bars[" + std::to_string(i) + "]" : "bar";
          auto bar = parse_bar_json(items[i], where);
          Status st = bar.ok() ? aligner_->push(bar->symbol, bar->bar, bar->carry) : bar.status();
          if (st.ok()) ++accepted;
          else errors.push_back({{"index", i}, {"error", st.message()}});
        }
        json out{{"accepted", accepted}, {"refused", errors.size()}, {"errors", errors}};
        return Response::json(out, errors.empty() ? 200 : accepted ? 207 : 400);
      },
      true);
}

}  // namespace algohost::live
