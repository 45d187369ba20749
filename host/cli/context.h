// What every CLI command shares: the global options, the exit code a command sets, and the
// service objects built from them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "host/service/catalog_service.h"
#include "host/cli/exit_codes.h"
#include "host/service/plugin_service.h"

namespace algohost::cli {

struct Context {
  std::vector<std::string> plugin_dirs;  // --plugins, repeatable
  std::string log_level = "warn";
  std::optional<std::string> catalog_path;  // --catalog
  std::optional<uint32_t> python_max_failures;  // --python-max-failures
  std::optional<double> python_call_timeout;    // --python-call-timeout (seconds)
  int exit_code = 0;

  // Built on first use from the options above, ALGOHOST_PLUGIN_PATH and the built-in plugins.
  PluginService& plugins();
  // The catalog at --catalog / ALGOHOST_HOME / ./algohost-data, synced with discovery. On error
  // reports it, sets exit_code and returns nullptr. With kRead, a catalog the user cannot write
  // is opened read-only and not synced, with one warning (CatalogService::catalog).
  catalog::Catalog* catalog(CatalogAccess access = CatalogAccess::kWrite);
  // The service behind catalog() (valid after catalog() succeeded).
  CatalogService& catalog_service() { return *catalog_; }

 private:
  std::unique_ptr<PluginService> plugins_;
  std::unique_ptr<CatalogService> catalog_;
};

// Subcommand registration, one function per command family.
void add_plugin_commands(CLI::App& app, Context& ctx);
void add_signals_command(CLI::App& app, Context& ctx);
void add_strategies_commands(CLI::App& app, Context& ctx);
void add_audit_command(CLI::App& app, Context& ctx);
void add_run_commands(CLI::App& app, Context& ctx);
void add_serve_commands(CLI::App& app, Context& ctx);  // serve, ctl
void add_report_command(CLI::App& app, Context& ctx);  // report

// Runs `f(catalog)` (returning a Status) with the synced catalog; a failure to open it or a
// non-ok Status from `f` is reported and sets the exit code. For commands that change the catalog.
template <class F>
void with_catalog(Context& ctx, F&& f, CatalogAccess access = CatalogAccess::kWrite) {
  catalog::Catalog* c = ctx.catalog(access);
  if (!c) return;
  Status st = f(*c);
  if (!st.ok()) ctx.exit_code = report_error(st);
}

// The same for commands that only read the catalog: they also work on one the user cannot write.
template <class F>
void with_catalog_read(Context& ctx, F&& f) {
  with_catalog(ctx, std::forward<F>(f), CatalogAccess::kRead);
}

// "buy", "sell", "hold", "target", or "action(N)".
std::string action_name(int32_t action);

// Parses repeated "NAME=VALUE" options; InvalidArgument naming the bad one.
Result<std::map<std::string, std::string>> parse_param_overrides(const std::vector<std::string>& items,
                                                                 const std::string& flag = "--param");

}  // namespace algohost::cli
