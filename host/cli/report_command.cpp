// `algohost report RUN [-o FILE.html] [--json]`: the run's self-contained HTML report
// (host/report/report.h, docs/report.md), written to FILE or <data dir>/reports/<run_id>.html.
// Prints the path (with --json {"run_id", "path", "bytes"}). Unknown run: exit 3 naming it.
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "host/cli/context.h"
#include "host/report/report.h"

namespace algohost::cli {

namespace {

struct ReportArgs {
  std::string run;
  std::string output;
  bool json = false;
};

Status write_file(const std::filesystem::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return Status::IoError(file.parent_path().string() + ": cannot create the folder: " + ec.message());
  const std::string tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError(tmp + ": cannot write");
    out << text;
    if (!out.flush()) return Status::IoError(tmp + ": write failed");
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Status::IoError(file.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Write a run's self-contained HTML report (opens offline)");
  cmd->add_option("run", a->run, "Run id (see `algohost runs`)")->required();
  cmd->add_option("-o,--output", a->output, "Output file (default <data dir>/reports/<run_id>.html)");
  cmd->add_flag("--json", a->json, "Print {\"run_id\", \"path\", \"bytes\"} as JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto html = report::build_report(c, a->run);
      if (!html.ok()) return html.status();
      const std::filesystem::path file =
          a->output.empty() ? ctx.catalog_service().location().data_dir / "reports" / (a->run + ".html")
                            : std::filesystem::path(a->output);
      if (Status st = write_file(file, *html); !st.ok()) return st;
      if (a->json) {
        std::cout << nlohmann::ordered_json{{"run_id", a->run}, {"path", file.string()}, {"bytes", html->size()}}.dump(2)
                  << "\n";
      } else {
        std::cout << file.string() << "\n";
      }
      return Status::Ok();
    });
  });
}

}  // namespace algohost::cli
