// `algohost signals NAME[@VERSION] --data FILE [--param NAME=VALUE]... [--json|--csv|--summary]`:
// runs one strategy over a CSV of bars and prints every bar's signal with its diagnostic values,
// for authors checking their strategy.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "host/cli/context.h"
#include "host/cli/exit_codes.h"
#include "host/cli/table.h"
#include "host/data/timestamp.h"

namespace algohost::cli {
namespace {

using Json = nlohmann::ordered_json;

struct SignalsArgs {
  std::string spec;
  std::string data;
  std::vector<std::string> params;
  bool json = false, csv = false, summary = false, skip_bad_rows = false;
};

struct SymbolSummary {
  size_t bars = 0, buys = 0, sells = 0, targets = 0;
  double confidence_sum = 0;
  int64_t first = 0, last = 0;
};

std::map<std::string, SymbolSummary> summarize(const SignalsRun& run) {
  std::map<std::string, SymbolSummary> out;
  for (const auto& r : run.rows) {
    auto& s = out[r.symbol];
    if (s.bars++ == 0) s.first = r.bar.ts_ms;
    s.last = r.bar.ts_ms;
    s.buys += r.signal.action == AH_BUY;
    s.sells += r.signal.action == AH_SELL;
    s.targets += r.signal.action == AH_TARGET;
    if (r.signal.action != AH_HOLD) s.confidence_sum += r.signal.confidence;
  }
  return out;
}

Json signal_json(const SignalsRun& run, const SignalRow& r) {
  Json j;
  j["time"] = format_timestamp_ms(r.bar.ts_ms);
  j["symbol"] = r.symbol;
  j["close"] = r.bar.close;
  j["action"] = action_name(r.signal.action);
  j["confidence"] = r.signal.confidence;
  j["position_size"] = r.signal.position_size;
  j["target_position"] = r.signal.target_position;
  j["stop_loss"] = r.signal.stop_loss;
  j["take_profit"] = r.signal.take_profit;
  j["reason"] = r.signal.reason;
  Json d = Json::object();
  for (uint32_t i = 0; i < r.signal.n_diag; ++i)
    d[i < run.diagnostics.size() ? run.diagnostics[i] : "diag" + std::to_string(i)] = r.signal.diag[i];
  j["diagnostics"] = d;
  return j;
}

void print_csv(const SignalsRun& run) {
  std::cout << "time,symbol,close,action,confidence,position_size,stop_loss,take_profit,reason";
  for (const auto& d : run.diagnostics) std::cout << "," << d;
  std::cout << "\n";
  for (const auto& r : run.rows) {
    std::cout << format_timestamp_ms(r.bar.ts_ms) << "," << r.symbol << "," << fixed(r.bar.close, 6) << ","
              << action_name(r.signal.action) << "," << fixed(r.signal.confidence, 6) << ","
              << fixed(r.signal.position_size, 6) << "," << fixed(r.signal.stop_loss, 6) << ","
              << fixed(r.signal.take_profit, 6) << "," << r.signal.reason;
    for (size_t i = 0; i < run.diagnostics.size(); ++i)
      std::cout << "," << (i < r.signal.n_diag ? fixed(r.signal.diag[i], 6) : "");
    std::cout << "\n";
  }
}

void print_table(const SignalsRun& run) {
  std::vector<std::string> headers = {"TIME", "SYMBOL", "CLOSE", "ACTION", "CONF", "SIZE", "STOP", "TARGET", "REASON"};
  for (const auto& d : run.diagnostics) headers.push_back(d);
  Table t(headers);
  for (const auto& r : run.rows) {
    std::vector<std::string> row = {format_timestamp_ms(r.bar.ts_ms), r.symbol, fixed(r.bar.close, 4),
                                    action_name(r.signal.action), fixed(r.signal.confidence, 3),
                                    fixed(r.signal.position_size, 3), fixed(r.signal.stop_loss, 4),
                                    fixed(r.signal.take_profit, 4), r.signal.reason};
    for (size_t i = 0; i < run.diagnostics.size(); ++i)
      row.push_back(i < r.signal.n_diag ? fixed(r.signal.diag[i], 4) : "");
    t.add(std::move(row));
  }
  t.print(std::cout);
}

void print_summary_table(const SignalsRun& run) {
  std::cout << run.manifest->display_name << " (" << run.manifest->id() << ") params " << run.params.dump() << "\n";
  Table t({"SYMBOL", "BARS", "BUY", "SELL", "TARGET", "MEAN CONF", "FROM", "TO"});
  for (const auto& [sym, s] : summarize(run)) {
    size_t acts = s.buys + s.sells + s.targets;
    t.add({sym, std::to_string(s.bars), std::to_string(s.buys), std::to_string(s.sells), std::to_string(s.targets),
           acts ? fixed(s.confidence_sum / acts, 3) : "-", format_timestamp_ms(s.first), format_timestamp_ms(s.last)});
  }
  t.print(std::cout);
}

void signals_command(Context& ctx, const SignalsArgs& a) {
  auto overrides = parse_param_overrides(a.params);
  if (!overrides.ok()) {
    ctx.exit_code = report_error(overrides.status());
    return;
  }
  CsvOptions csv;
  csv.on_bad_row = a.skip_bad_rows ? CsvOptions::OnBadRow::kSkip : CsvOptions::OnBadRow::kStop;
  auto run = ctx.plugins().signals(a.spec, a.data, *overrides, csv);
  if (!run.ok()) {
    ctx.exit_code = report_error(run.status());
    return;
  }
  for (const auto& p : run->csv.problems) std::cerr << "skipped: " << p << "\n";
  if (run->csv.rows_skipped > run->csv.problems.size())
    std::cerr << "skipped " << run->csv.rows_skipped - run->csv.problems.size() << " more bad rows\n";

  if (a.json) {
    Json j;
    j["strategy"] = run->manifest->name;
    j["version"] = run->manifest->version_text;
    j["parameters"] = run->params;
    j["diagnostics"] = run->diagnostics;
    j["data"] = {{"path", a.data}, {"rows_read", run->csv.rows_read}, {"rows_skipped", run->csv.rows_skipped}};
    if (a.summary) {
      Json s = Json::object();
      for (const auto& [sym, x] : summarize(*run))
        s[sym] = {{"bars", x.bars}, {"buy", x.buys}, {"sell", x.sells}, {"target", x.targets},
                  {"from", format_timestamp_ms(x.first)}, {"to", format_timestamp_ms(x.last)}};
      j["summary"] = s;
    } else {
      Json rows = Json::array();
      for (const auto& r : run->rows) rows.push_back(signal_json(*run, r));
      j["signals"] = rows;
    }
    j["error"] = run->failure.ok() ? Json(nullptr) : Json(run->failure.message());
    std::cout << j.dump(2) << "\n";
  } else if (a.csv) {
    print_csv(*run);
  } else if (a.summary) {
    print_summary_table(*run);
  } else {
    print_table(*run);
  }
  if (!run->failure.ok()) ctx.exit_code = report_error(run->failure);
}

}  // namespace

void add_signals_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SignalsArgs>();
  auto* cmd = app.add_subcommand("signals", "Run one strategy over a CSV of bars and print every bar's signal");
  cmd->add_option("strategy", args->spec, "NAME or NAME@VERSION")->required();
  cmd->add_option("--data", args->data, "CSV file (or directory of CSV files) of bars")->required();
  cmd->add_option("--param", args->params, "Parameter override NAME=VALUE (repeatable)");
  auto* json = cmd->add_flag("--json", args->json, "Print JSON");
  auto* csv = cmd->add_flag("--csv", args->csv, "Print CSV");
  json->excludes(csv);
  cmd->add_flag("--summary", args->summary, "Print counts per symbol instead of every bar");
  cmd->add_flag("--skip-bad-rows", args->skip_bad_rows, "Skip malformed CSV rows (reported) instead of stopping");
  cmd->callback([&ctx, args] { signals_command(ctx, *args); });
}

}  // namespace algohost::cli
