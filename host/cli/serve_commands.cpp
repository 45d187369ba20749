// `algohost serve` (the live host) and `algohost ctl` (its operator's client): docs/serve.md.
//
// serve prints the control API's bound address as its first line on stdout
// ("listening on http://127.0.0.1:PORT") and the dashboard's URL as its second
// ("dashboard: http://127.0.0.1:PORT/"), and writes both (address/port, "dashboard") with its pid
// and the token file's path to <data dir>/host.json, which ctl reads. SIGINT and SIGTERM stop it gracefully (LiveHost::wait);
// a second one ends the process at once (exit 128 + signal) with what was recorded so far kept.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "host/cli/context.h"
#include "host/cli/ctl_client.h"
#include "host/cli/table.h"
#include "host/dashboard/static_routes.h"
#include "host/live/live_host.h"
#include "host/server/catalog_routes.h"
#include "host/server/http_server.h"
#include "registry/catalog/catalog.h"

namespace algohost::cli {

namespace {

using nlohmann::json;

std::atomic<int> g_signal{0};
std::atomic<int> g_signals{0};

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig);
  if (g_signals.fetch_add(1) >= 1) std::_Exit(128 + sig);
}

std::filesystem::path host_file(Context& ctx) {
  const char* home = std::getenv("ALGOHOST_HOME");
  return resolve_catalog_location(ctx.catalog_path, home).data_dir / "host.json";
}

Status write_host_file(const std::filesystem::path& file, const json& j) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::IoError(tmp + ": cannot write");
    out << j.dump(2) << "\n";
    if (!out) return Status::IoError(tmp + ": write failed");
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Status::IoError(file.string() + ": " + ec.message());
  return Status::Ok();
}

struct ServeOptions {
  std::string config;
  std::optional<std::string> listen;
  bool exit_at_end = false;
  bool watch = false;
};

int serve(Context& ctx, const ServeOptions& o) {
  auto config = live::load_serve_config(o.config);
  if (!config.ok()) return report_error(config.status());
  if (o.listen) config->listen = *o.listen;
  auto endpoint = live::parse_endpoint(config->listen, "--listen");
  if (!endpoint.ok()) return report_error(endpoint.status());
  if (!ctx.catalog()) return ctx.exit_code;
  CatalogService& catalog = ctx.catalog_service();
  const auto data_dir = catalog.location().data_dir;
  auto token = server::load_or_create_token(data_dir / "token");
  if (!token.ok()) return report_error(token.status());

  auto events = std::make_shared<server::EventHub>();
  live::LiveHost::Options ho;
  ho.exit_at_end = o.exit_at_end;
  ho.watch = o.watch;
  ho.catalog_lock = std::make_shared<std::mutex>();
  live::LiveHost host(ctx.plugins(), catalog, *config, ho, events);

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  signal(SIGPIPE, SIG_IGN);

  if (Status st = host.start(); !st.ok()) return report_error(st);
  server::Router router;
  host.add_routes(router);  // first: the live host's health wins over the catalog's
  server::add_catalog_routes(router, catalog, ho.catalog_lock);
  dashboard::add_static_routes(router);
  server::HttpServer::Options so;
  so.address = endpoint->first;
  so.port = endpoint->second;
  so.token = *token;
  server::HttpServer http(std::move(router), events, so);
  if (Status st = http.start(); !st.ok()) {
    host.request_stop();
    (void)host.wait();
    return report_error(st);
  }
  // host.json first, so that whoever reads the address line finds the file.
  const auto hf = host_file(ctx);
  const std::string dashboard_url = "http://" + http.address() + ":" + std::to_string(http.port()) + "/";
  json hj{{"address", http.address()}, {"port", http.port()}, {"dashboard", dashboard_url},
          {"pid", static_cast<int64_t>(::getpid())},
          {"token_file", (data_dir / "token").string()}, {"run_id", host.run_id()}, {"config", o.config},
          {"symbols", host.symbols()}};
  if (Status st = write_host_file(hf, hj); !st.ok()) spdlog::warn("{}", st.message());
  std::cout << "listening on http://" << http.address() << ":" << http.port() << std::endl;
  std::cout << "dashboard: " << dashboard_url << std::endl;
  std::cout << "run " << host.run_id() << ": " << config->strategies.size() << " instance(s) on "
            << host.symbols().size() << " symbol(s); Ctrl-C stops" << std::endl;

  while (!g_signal.load() && !host.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  host.request_stop();
  Status st = host.wait();
  http.stop();
  std::error_code ec;
  std::filesystem::remove(hf, ec);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const json h = host.health();
  std::cout << "stopped: " << h["bars_fed"].get<uint64_t>() << " bars fed, " << h["bars_processed"].get<uint64_t>()
            << " processed, " << h["trades_recorded"].get<uint64_t>() << " trades recorded (run " << host.run_id() << ")"
            << std::endl;
  if (!st.ok()) return report_error(st);
  return 0;
}

// One ctl request; prints the reply (JSON with --json, else a summary) and returns the exit code.
int ctl_call(Context& ctx, const std::string& method, const std::string& target, const json& body, bool as_json,
             const std::function<void(const json&)>& print) {
  auto host = find_host(host_file(ctx));
  if (!host.ok()) return report_error(host.status());
  auto reply = http_call(*host, method, target, body);
  if (!reply.ok()) return report_error(reply.status());
  if (Status st = reply_status(*reply); !st.ok()) {
    if (as_json) std::cout << reply->body.dump(2) << "\n";
    return report_error(st);
  }
  if (as_json) std::cout << reply->body.dump(2) << "\n";
  else print(reply->body);
  return 0;
}

std::string fixed(const json& v, int digits, double scale = 1.0, const char* unit = "") {
  if (!v.is_number()) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", digits, v.get<double>() * scale, unit);
  return buf;
}

// One paragraph per instance whose canary has a comparison (canary_report.h): both arms' figures
// over the window and the verdict.
void print_canary(const json& i) {
  const json s = i.value("stats", json::object());
  if (!s.contains("canary") || !s["canary"].contains("comparison") || !s["canary"]["comparison"].is_object()) return;
  const json& c = s["canary"]["comparison"];
  const json &run = c["running"], &can = c["canary"], &sh = c["sharpe"], &v = c["verdict"];
  std::cout << "\ncanary of " << i.value("instance", "") << ": " << can.value("label", "") << " against "
            << run.value("label", "") << " since " << c.value("since", "") << " (" << c.value("days", 0) << " days)\n"
            << "  return        " << fixed(can["total_return"], 2, 100, "%") << " vs " << fixed(run["total_return"], 2, 100, "%") << "\n"
            << "  Sharpe        " << fixed(sh["canary"], 2) << " vs " << fixed(sh["running"], 2) << ", difference "
            << fixed(sh["difference"], 2) << " (95% CI "
            << (sh["ci95"].is_array() ? "[" + fixed(sh["ci95"][0], 2) + ", " + fixed(sh["ci95"][1], 2) + "]" : std::string("n/a"))
            << ")\n"
            << "  max drawdown  " << fixed(can["max_drawdown"], 2, 100, "%") << " vs " << fixed(run["max_drawdown"], 2, 100, "%") << "\n"
            << "  trades        " << can.value("trades", 0) << " vs " << run.value("trades", 0) << "\n";
  if (can["mem"].is_object())
    std::cout << "  MEM raised    " << can["mem"].value("raised", 0) << " entries, won " << fixed(can["mem"]["raised_win_rate"], 2, 100, "%")
              << " vs " << run["mem"].value("raised", 0) << ", won " << fixed(run["mem"]["raised_win_rate"], 2, 100, "%") << "\n";
  std::cout << "  verdict       " << v.value("verdict", "") << " (HAC t " << fixed(v["hac_t"], 2) << ")\n";
}

void print_instances(const json& body) {
  const json list = body.is_array() ? body : json::array({body});
  Table t({"INSTANCE", "STRATEGY", "VERSION", "STATUS", "BARS", "SIGNALS", "TRADES", "ERRORS", "CANARY", "LAST ERROR"});
  for (const auto& i : list) {
    const json s = i.value("stats", json::object());
    auto num = [&](const char* k) { return std::to_string(s.value(k, int64_t{0})); };
    t.add({i.value("instance", ""), i.value("strategy", ""), i.value("version", ""), i.value("status", ""), num("bars"),
           num("signals"), num("trades"), num("errors"),
           i["canary_version"].is_string() ? i["canary_version"].get<std::string>() : "-",
           i["last_error"].is_string() ? i["last_error"].get<std::string>() : "-"});
  }
  t.print(std::cout);
  for (const auto& i : list) print_canary(i);
}

}  // namespace

void add_serve_commands(CLI::App& app, Context& ctx) {
  auto* s = app.add_subcommand("serve", "Run the live host: strategies from a config file driven by a feed, with the control API");
  auto so = std::make_shared<ServeOptions>();
  s->add_option("--config,-c", so->config, "Config file (docs/serve.md; example: examples/serve/serve.json)")->required();
  s->add_option("--listen", so->listen, "Control API address HOST:PORT (port 0: any free port); overrides the config's");
  s->add_flag("--exit-at-end", so->exit_at_end, "Stop by itself once a replay feed has been fully processed");
  s->add_flag("--watch", so->watch,
              "Watch the plugin folders: a new version is validated and registered, and instances with \"watch\": true swap to it");
  s->callback([&ctx, so] { ctx.exit_code = serve(ctx, *so); });

  auto* c = app.add_subcommand("ctl", "Control a running `algohost serve` (found through <data dir>/host.json)");
  c->require_subcommand(1);
  auto as_json = std::make_shared<bool>(false);
  c->add_flag("--json", *as_json, "Print the host's JSON reply");
  auto on_instance = [&ctx, as_json](const std::string& method, const std::string& target, const json& body) {
    ctx.exit_code = ctl_call(ctx, method, target, body, *as_json, print_instances);
  };

  auto* status = c->add_subcommand("status", "The host's health and its running instances");
  status->callback([&ctx, as_json] {
    auto host = find_host(host_file(ctx));
    if (!host.ok()) {
      ctx.exit_code = report_error(host.status());
      return;
    }
    auto health = http_call(*host, "GET", "/api/v1/health");
    auto list = http_call(*host, "GET", "/api/v1/instances");
    if (!health.ok() || !list.ok()) {
      ctx.exit_code = report_error(health.ok() ? list.status() : health.status());
      return;
    }
    if (*as_json) {
      std::cout << json{{"health", health->body}, {"instances", list->body}}.dump(2) << "\n";
      return;
    }
    const json& h = health->body;
    std::cout << "host pid " << host->pid << " at http://" << host->address << ":" << host->port << ", run "
              << h.value("run_id", "") << ": " << h.value("bars_processed", uint64_t{0}) << " of "
              << h.value("bars_fed", uint64_t{0}) << " bars fed processed, " << h.value("trades_recorded", uint64_t{0})
              << " trades recorded\n";
    print_instances(list->body);
  });

  auto load_opts = std::make_shared<std::tuple<std::string, std::string, std::vector<std::string>, std::vector<std::string>>>();
  auto* load = c->add_subcommand("load", "Load a strategy as a new instance: NAME[@VERSION]");
  load->add_option("strategy", std::get<0>(*load_opts), "NAME or NAME@VERSION")->required();
  load->add_option("--instance", std::get<1>(*load_opts), "The instance's name (default: the strategy's)");
  load->add_option("--symbols", std::get<2>(*load_opts), "Symbols (default: every symbol of the host)")->delimiter(',');
  load->add_option("--param", std::get<3>(*load_opts), "NAME=VALUE (repeatable)");
  load->callback([&ctx, load_opts, on_instance] {
    const auto& [spec, instance, symbols, params] = *load_opts;
    json body{{"strategy", spec.substr(0, spec.find('@'))}};
    if (spec.find('@') != std::string::npos) body["version"] = spec.substr(spec.find('@') + 1);
    if (!instance.empty()) body["instance"] = instance;
    if (!symbols.empty()) body["symbols"] = symbols;
    auto parsed = parse_param_overrides(params);
    if (!parsed.ok()) {
      ctx.exit_code = report_error(parsed.status());
      return;
    }
    if (!parsed->empty()) body["parameters"] = *parsed;
    on_instance("POST", "/api/v1/instances", body);
  });

  auto name = std::make_shared<std::string>();
  auto arg2 = std::make_shared<std::string>();
  auto arg3 = std::make_shared<std::string>();
  auto simple = [&](const char* cmd, const char* help, const char* method, const char* suffix) {
    auto* sc = c->add_subcommand(cmd, help);
    sc->add_option("instance", *name, "The instance's name")->required();
    sc->callback([=] { on_instance(method, "/api/v1/instances/" + *name + suffix, nullptr); });
  };
  simple("unload", "Stop an instance (positions closed) and remove it", "DELETE", "");
  simple("rollback", "Swap an instance back to the version it ran before", "POST", "/rollback");
  simple("promote", "Make an instance's canary its running version", "POST", "/promote");
  simple("drop-canary", "Stop an instance's canary", "DELETE", "/canary");
  auto with_version = [&](const char* cmd, const char* help, const char* suffix) {
    auto* sc = c->add_subcommand(cmd, help);
    sc->add_option("instance", *name, "The instance's name")->required();
    sc->add_option("version", *arg2, "The version to run")->required();
    sc->callback([=] { on_instance("POST", "/api/v1/instances/" + *name + suffix, json{{"version", *arg2}}); });
  };
  with_version("swap", "Swap an instance to another version, its state handed over, without stopping", "/swap");
  with_version("canary", "Run another version beside an instance in a shadow account, to compare", "/canary");
  auto* sp = c->add_subcommand("set-param", "Change a parameter of a running instance (ranges and constraints enforced)");
  sp->add_option("instance", *name, "The instance's name")->required();
  sp->add_option("param", *arg2, "The parameter")->required();
  sp->add_option("value", *arg3, "Its new value")->required();
  sp->callback([=] {
    json value = json::parse(*arg3, nullptr, false);
    if (value.is_discarded() || !value.is_primitive()) value = *arg3;
    on_instance("POST", "/api/v1/instances/" + *name + "/params", json{{"name", *arg2}, {"value", value}});
  });
}

}  // namespace algohost::cli
