// algohost — command-line face of the host. Each command family registers itself from its own
// file; this file holds the global options and the error-to-exit-code boundary.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "host/cli/context.h"
#include "host/cli/exit_codes.h"

int main(int argc, char** argv) {
  using namespace algohost::cli;
  Context ctx;
  CLI::App app{"algohost — a host for trading strategy plugins (native C/C++ and Python)", "algohost"};
  app.require_subcommand(1);
  app.footer(kExitCodesHelp);
  app.fallthrough();
  app.add_option("--plugins", ctx.plugin_dirs,
                 "Extra plugin directory to scan for manifest.json files (repeatable; searched before "
                 "ALGOHOST_PLUGIN_PATH and the built-in plugins)");
  if (const char* env = std::getenv("ALGOHOST_LOG")) ctx.log_level = env;
  app.add_option("--log-level", ctx.log_level, "trace, debug, info, warn, error or off (env ALGOHOST_LOG)")
      ->capture_default_str();
  app.add_option("--catalog", ctx.catalog_path,
                 "Catalog file (default: $ALGOHOST_HOME/catalog.db, else ./algohost-data/catalog.db)");
  app.add_option("--python-max-failures", ctx.python_max_failures,
                 "Failed calls in a row after which a Python strategy instance is stopped (default 5; "
                 "each failure is logged and its signal skipped)")
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--python-call-timeout", ctx.python_call_timeout,
                 "Time limit in seconds for each call into a Python plugin; a call that exceeds it raises "
                 "TimeoutError inside the plugin and fails like any failed call (default: none)")
      ->check(CLI::Range(0.001, 86400.0));
  app.set_version_flag("--version", "algohost 0.1.0");

  add_plugin_commands(app, ctx);
  add_signals_command(app, ctx);
  add_strategies_commands(app, ctx);
  add_audit_command(app, ctx);
  add_run_commands(app, ctx);
  add_serve_commands(app, ctx);
  add_report_command(app, ctx);

  auto logger = spdlog::stderr_color_mt("algohost");
  spdlog::set_default_logger(logger);
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(ctx.log_level)); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return kExitInternal;
  }
  return ctx.exit_code;
}
