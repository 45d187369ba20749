// algohost_registry — the Python bindings of the catalog (registry/catalog/catalog.h): the seed's
// Python registry manager. `Registry` mirrors catalog::Catalog method for method and returns plain
// dicts and lists (the records' to_json() shapes, the same as the CLI's --json output). The work is
// done in PyRegistry (py_registry.h); this file declares the Python surface and its docstrings.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "python/bindings/py_convert.h"
#include "python/bindings/py_errors.h"
#include "python/bindings/py_registry.h"

namespace py = pybind11;
using namespace pybind11::literals;
using algohost::pybind::opt_text;
using algohost::pybind::PyRegistry;
using algohost::pybind::Text;
using algohost::pybind::TextOrList;
using algohost::pybind::text_list;
using algohost::pybind::Timestamp;
using algohost::pybind::to_json;
using OptText = std::optional<Text>;
namespace catalog = algohost::catalog;

namespace {

const char* kModuleDoc = R"doc(The algohost strategy registry (catalog) from Python.

A Registry opens the SQLite catalog that the host and the ``algohost`` CLI use, and offers the
same operations: discover, search and show strategies, register and update them, publish versions,
record trades and read performance, change parameters, link strategies, read the audit log. Every
result is a plain dict or list (the shapes of the CLI's ``--json`` output); every failure raises
RegistryError or one of its subclasses, with a message naming what was asked.

    import algohost_registry as ar

    with ar.Registry("algohost-data/catalog.db") as registry:
        for s in registry.list(category="momentum", tags=["academic"], min_sharpe=1.0):
            print(s["strategy_name"], s["lifetime_per_trade_sharpe"])
        perf = registry.performance("rsi", start="2024-01-01", end="2024-10-21")

Changes are written in one transaction each, together with their audit row (the actor is the
Registry's ``actor``). Each call releases the GIL while the catalog works.)doc";

const char* kRegistryDoc = R"doc(Registry(path, *, data_dir=None, actor="python", read_only=False)

An open catalog. ``path`` is the SQLite file (created and migrated when missing, unless
read_only). ``data_dir``, when given, receives the JSON mirror (metadata/, code_snapshots/,
performance_cache/) after every change. ``actor`` is recorded in the audit log. With
``read_only=True`` every change raises RegistryError with ``code == "io_error"``.

Use it as a context manager, or call close(). One Registry may be shared by threads: its calls
take turns. Strategies are named by id or by name wherever ``id_or_name`` appears.)doc";

catalog::StrategyFilter make_filter(const OptText& category, const OptText& sub_category,
                                    const std::optional<TextOrList>& status, const OptText& language,
                                    const OptText& origin, const std::optional<TextOrList>& tags,
                                    const std::optional<TextOrList>& any_tags, std::optional<double> min_sharpe,
                                    std::optional<double> min_win_rate, const Text& sort, bool descending,
                                    int64_t limit, int64_t offset, bool include_inactive) {
  catalog::StrategyFilter f;
  f.category = opt_text(category);
  f.sub_category = opt_text(sub_category);
  f.language = opt_text(language);
  f.origin = opt_text(origin);
  f.statuses = text_list(status);
  f.include_inactive = include_inactive;
  f.all_tags = text_list(tags);
  f.any_tags = text_list(any_tags);
  f.min_sharpe = min_sharpe;
  f.min_win_rate = min_win_rate;
  f.sort = sort.value;
  f.descending = descending;
  f.limit = limit;
  f.offset = offset;
  return f;
}

// Default values of a parameters object ({"name": {"default" or "value": v, ...}}).
catalog::Json defaults_of(const catalog::Json& specs) {
  catalog::Json out = catalog::Json::object();
  if (!specs.is_object()) return nullptr;
  for (const auto& [name, spec] : specs.items()) {
    if (!spec.is_object()) continue;
    if (spec.contains("default")) out[name] = spec["default"];
    else if (spec.contains("value")) out[name] = spec["value"];
  }
  return out;
}

std::optional<std::string> one_of(const char* a_name, const std::optional<Timestamp>& a, const char* b_name,
                                  const std::optional<Timestamp>& b) {
  if (a && b) throw py::type_error(std::string("performance(): give ") + a_name + " or " + b_name + ", not both");
  if (a) return a->value;
  if (b) return b->value;
  return std::nullopt;
}

catalog::Json json_or_null(const std::optional<py::object>& o, const char* what) {
  return o ? to_json(*o, what) : catalog::Json(nullptr);
}

const auto kList = [](PyRegistry& r, const OptText& category, const OptText& sub_category,
                      const std::optional<TextOrList>& status, const OptText& language, const OptText& origin,
                      const std::optional<TextOrList>& tags, const std::optional<TextOrList>& any_tags,
                      std::optional<double> min_sharpe, std::optional<double> min_win_rate, const Text& sort,
                      bool descending, int64_t limit, int64_t offset, bool include_inactive) {
  return r.list(make_filter(category, sub_category, status, language, origin, tags, any_tags, min_sharpe,
                            min_win_rate, sort, descending, limit, offset, include_inactive));
};

const char* kListDoc = R"doc(Strategies matching every filter given, as a list of dicts.

category, sub_category, language, origin: equal to this.
status: one status or a list of them (active, experimental, deprecated, archived); when not
    given, all but deprecated and archived (all of them with include_inactive=True).
tags: the strategy has every one of these (a str is one tag); any_tags: at least one of these.
min_sharpe, min_win_rate: lifetime per-trade Sharpe ratio (lifetime_per_trade_sharpe: mean /
    stdev of the trades' pnl_percentage, not annualized) / win rate at least this (strategies
    without recorded trades have neither and are left out).
sort: name, sharpe (lifetime per-trade), win_rate, trades, pnl, created, updated, category or versions; descending
    reverses it (strategies without the value come last either way).
limit, offset: a page of the result.)doc";

}  // namespace

PYBIND11_MODULE(algohost_registry, m) {
  m.doc() = kModuleDoc;
  algohost::pybind::register_exceptions(m);
  m.attr("__version__") = "1.0";

  py::class_<PyRegistry> cls(m, "Registry", kRegistryDoc);
  cls.def(py::init([](const std::filesystem::path& path, const std::optional<std::filesystem::path>& data_dir,
                      const Text& actor, bool read_only) {
            return std::make_unique<PyRegistry>(path, data_dir, actor.value, read_only);
          }),
          "path"_a, py::kw_only(), "data_dir"_a = py::none(), "actor"_a = "python", "read_only"_a = false,
          "Opens the catalog at path (see the class documentation).")
      .def("close", &PyRegistry::close, "Closes the catalog. Later calls raise FailedPreconditionError; closing twice is harmless.")
      .def("__enter__", [](py::object self) { return self; }, "Returns the Registry itself.")
      .def("__exit__", [](PyRegistry& r, py::args) { r.close(); return false; }, "Closes the Registry; exceptions propagate.")
      .def("__repr__", &PyRegistry::repr)
      .def_property_readonly("closed", &PyRegistry::closed, "True after close().")
      .def_property_readonly("path", &PyRegistry::path, "The catalog file as given.")
      .def_property_readonly("read_only", &PyRegistry::read_only, "True when opened with read_only=True.")
      .def_property("actor", &PyRegistry::actor, [](PyRegistry& r, const Text& a) { r.set_actor(a.value); },
                    "The name recorded in the audit log for the changes made through this Registry.");

  // ---- Discovery ----
  for (const char* name : {"list", "discover"}) {
    cls.def(name, kList, py::kw_only(), "category"_a = py::none(), "sub_category"_a = py::none(),
            "status"_a = py::none(), "language"_a = py::none(), "origin"_a = py::none(), "tags"_a = py::none(),
            "any_tags"_a = py::none(), "min_sharpe"_a = py::none(), "min_win_rate"_a = py::none(),
            "sort"_a = "name", "descending"_a = false, "limit"_a = 100, "offset"_a = 0,
            "include_inactive"_a = false,
            std::string(name) == "list" ? kListDoc : "The same as list(): the seed's name for discovery.");
  }
  cls.def("get", [](PyRegistry& r, const Text& id) { return r.get(id.value); }, "id_or_name"_a,
          "One strategy's record as a dict (with its manifest under 'metadata'). NotFoundError when unknown.")
      .def("show", [](PyRegistry& r, const Text& id) { return r.show(id.value); }, "id_or_name"_a,
           "A strategy with everything about it, as `algohost strategies show --json` prints it: the record\n"
           "plus 'versions' (newest first), 'parameters' (effective values, None without a version),\n"
           "'related' and 'performance' (over all recorded trades).")
      .def("search", [](PyRegistry& r, const Text& text, int64_t limit, bool inactive) {
             return r.search(text.value, limit, inactive);
           },
           "text"_a, "limit"_a = 20, py::kw_only(), "include_inactive"_a = false,
           "Ranked full-text search over names, display names, descriptions, keywords and tags. The text is\n"
           "words (all must match; in a plain list of words the last one also as a prefix) and FTS5's\n"
           "operators: AND, OR, NOT ('a NOT b'), NEAR(a b, N), \"phrases\", prefix*, parentheses. A malformed\n"
           "query raises InvalidArgumentError saying what is wrong. Each hit is a strategy dict plus 'rank'\n"
           "(bm25: lower is better), best first.");

  // ---- Registration ----
  cls.def("register",
          [](PyRegistry& r, const Text& name, const Text& display_name, const Text& language, const Text& description,
             const Text& category, const Text& sub_category, const Text& complexity, const Text& file_path,
             const Text& class_name, const Text& origin, const Text& academic_source, const OptText& created_by,
             const Text& search_keywords, const Text& status, const OptText& learned_from_strategy_id,
             const std::optional<TextOrList>& tags, bool requires_short_selling, bool requires_margin,
             bool mem_learning_enabled, const std::optional<py::dict>& metadata) {
            catalog::Registration reg;
            reg.name = name.value;
            reg.display_name = display_name.value;
            reg.language = language.value;
            reg.description = description.value;
            reg.category = category.value;
            reg.sub_category = sub_category.value;
            reg.complexity = complexity.value;
            reg.file_path = file_path.value;
            reg.class_name = class_name.value;
            reg.origin = origin.value;
            reg.academic_source = academic_source.value;
            reg.created_by = created_by ? created_by->value : "";
            reg.search_keywords = search_keywords.value;
            reg.status = status.value;
            reg.learned_from_strategy_id = opt_text(learned_from_strategy_id);
            reg.tags = text_list(tags);
            reg.requires_short_selling = requires_short_selling;
            reg.requires_margin = requires_margin;
            reg.mem_learning_enabled = mem_learning_enabled;
            if (metadata) reg.metadata = to_json(*metadata, "metadata");
            return r.register_strategy(std::move(reg));
          },
          py::kw_only(), "name"_a, "display_name"_a, "language"_a, "description"_a = "", "category"_a = "",
          "sub_category"_a = "", "complexity"_a = "", "file_path"_a = "", "class_name"_a = "", "origin"_a = "built_in",
          "academic_source"_a = "", "created_by"_a = py::none(), "search_keywords"_a = "", "status"_a = "experimental",
          "learned_from_strategy_id"_a = py::none(), "tags"_a = py::none(), "requires_short_selling"_a = false,
          "requires_margin"_a = false, "mem_learning_enabled"_a = false, "metadata"_a = py::none(),
          "Registers a new strategy and returns its id (a UUID).\n\n"
          "language: cpp, python or multi; origin: built_in, learned, imported or research; status: active,\n"
          "experimental (the default), deprecated or archived; complexity: simple, moderate or complex.\n"
          "created_by defaults to the Registry's actor; metadata is the manifest, if any.\n"
          "AlreadyExistsError when the name is taken; InvalidArgumentError for a value not allowed.")
      .def("update",
           [](PyRegistry& r, const Text& id, const OptText& display_name, const OptText& description,
              const OptText& category, const OptText& sub_category, const OptText& complexity, const OptText& status,
              const OptText& search_keywords, const OptText& academic_source, const std::optional<TextOrList>& tags,
              std::optional<bool> requires_short_selling, std::optional<bool> requires_margin,
              std::optional<bool> mem_learning_enabled, const std::optional<py::dict>& metadata) {
             catalog::StrategyUpdate u;
             u.display_name = opt_text(display_name);
             u.description = opt_text(description);
             u.category = opt_text(category);
             u.sub_category = opt_text(sub_category);
             u.complexity = opt_text(complexity);
             u.status = opt_text(status);
             u.search_keywords = opt_text(search_keywords);
             u.academic_source = opt_text(academic_source);
             if (tags) u.tags = text_list(tags);
             u.requires_short_selling = requires_short_selling;
             u.requires_margin = requires_margin;
             u.mem_learning_enabled = mem_learning_enabled;
             if (metadata) u.metadata = to_json(*metadata, "metadata");
             r.update(id.value, u);
           },
           "id_or_name"_a, py::kw_only(), "display_name"_a = py::none(), "description"_a = py::none(),
           "category"_a = py::none(), "sub_category"_a = py::none(), "complexity"_a = py::none(),
           "status"_a = py::none(), "search_keywords"_a = py::none(), "academic_source"_a = py::none(),
           "tags"_a = py::none(), "requires_short_selling"_a = py::none(), "requires_margin"_a = py::none(),
           "mem_learning_enabled"_a = py::none(), "metadata"_a = py::none(),
           "Changes the fields given (None leaves a field as it is; tags replaces the whole set). Audited.")
      .def("deprecate",
           [](PyRegistry& r, const Text& id, const Text& reason, const OptText& replacement) {
             r.deprecate(id.value, reason.value, opt_text(replacement));
           },
           "id_or_name"_a, "reason"_a, "replacement"_a = py::none(),
           "Marks a strategy deprecated with a reason (required) and optionally the strategy replacing it\n"
           "(linked as 'replaces'). Deprecated strategies leave list() and search() unless asked for.")
      .def("archive", [](PyRegistry& r, const Text& id) { r.archive(id.value); }, "id_or_name"_a,
           "Marks a strategy archived.");

  // ---- Versions ----
  cls.def("create_version",
          [](PyRegistry& r, const Text& id, const Text& version, const Text& changelog, const Text& breaking_changes,
             const Text& migration_notes, const std::optional<py::dict>& parameters,
             const std::optional<py::dict>& default_parameters, const Text& git_commit_hash,
             const Text& artifact_sha256, const std::filesystem::path& artifact_path, const Text& validation_status,
             const OptText& created_by, const std::optional<py::dict>& backtest_results) {
            catalog::VersionCreate v;
            v.version = version.value;
            v.changelog = changelog.value;
            v.breaking_changes = breaking_changes.value;
            v.migration_notes = migration_notes.value;
            v.parameters = parameters ? to_json(*parameters, "parameters") : catalog::Json(nullptr);
            v.default_parameters =
                default_parameters ? to_json(*default_parameters, "default_parameters") : defaults_of(v.parameters);
            v.git_commit_hash = git_commit_hash.value;
            v.artifact_sha256 = artifact_sha256.value;
            v.artifact_path = artifact_path.string();
            v.validation_status = validation_status.value;
            v.created_by = created_by ? created_by->value : "";
            v.backtest_results = backtest_results ? to_json(*backtest_results, "backtest_results") : catalog::Json(nullptr);
            return r.create_version(id.value, std::move(v));
          },
          "id_or_name"_a, "version"_a, py::kw_only(), "changelog"_a = "", "breaking_changes"_a = "",
          "migration_notes"_a = "", "parameters"_a = py::none(), "default_parameters"_a = py::none(),
          "git_commit_hash"_a = "", "artifact_sha256"_a = "", "artifact_path"_a = "", "validation_status"_a = "pending",
          "created_by"_a = py::none(), "backtest_results"_a = py::none(),
          "Publishes a version (semver) and returns its record. parameters is the manifest's parameters\n"
          "object ({name: {type, default, min, max, ...}}); default_parameters defaults to their defaults.\n"
          "The same version with the same artifact_sha256 and git_commit_hash again returns the existing\n"
          "record; with another hash it raises AlreadyExistsError (published versions are immutable).\n"
          "current_version follows the highest semver.")
      .def("versions", [](PyRegistry& r, const Text& id) { return r.versions(id.value); }, "id_or_name"_a,
           "A strategy's versions, highest semver first.")
      .def("get_version",
           [](PyRegistry& r, const Text& id, const OptText& number) { return r.get_version(id.value, opt_text(number)); },
           "version_id_or_strategy"_a, "version_number"_a = py::none(),
           "One version: get_version(version_id), or get_version('rsi', '1.2.0').");

  // ---- Performance ----
  cls.def("record_trade",
          [](PyRegistry& r, const std::optional<py::dict>& trade, const py::kwargs& fields) {
            py::dict merged = trade ? py::dict(*trade) : py::dict();
            for (const auto& [k, v] : fields) merged[k] = v;
            return r.record_trade(algohost::pybind::trade_from_py(merged, "trade"));
          },
          "trade"_a = py::none(), py::pos_only(),
          "Records one closed trade and returns its performance id. The trade is a dict of TradeRecord\n"
          "fields, keyword arguments, or both (keywords win): strategy_id (id or name), symbol,\n"
          "signal_action (buy, sell, hold, target), entry_price, exit_price, quantity, entry_timestamp,\n"
          "exit_timestamp (ISO-8601 str, datetime or date; naive datetimes are UTC), pnl, pnl_percentage\n"
          "(a fraction: 0.02 is 2%), and optionally version_id, run_id, trade_id, timeframe,\n"
          "signal_confidence, duration_seconds, stop_loss, take_profit, max_adverse_excursion,\n"
          "max_favorable_excursion, was_mem_enhanced, mem_confidence_boost, mem_reasoning,\n"
          "learned_pattern_applied, market_regime, volatility, volume_ratio, broker, slippage, commission.\n"
          "The strategy's lifetime summary (Sharpe, win rate, trades, PnL) is refreshed. An unknown field\n"
          "raises TypeError.")
      .def("record_trades",
           [](PyRegistry& r, const py::list& trades, bool refresh) {
             std::vector<catalog::TradeRecord> records;
             for (size_t i = 0; i < trades.size(); ++i)
               records.push_back(algohost::pybind::trade_from_py(trades[i], "trades[" + std::to_string(i) + "]"));
             return r.record_trades(records, refresh);
           },
           "trades"_a, py::kw_only(), "refresh_summaries"_a = true,
           "Records a batch of trades (dicts as for record_trade) in one transaction; returns their ids.\n"
           "With refresh_summaries=False the summaries wait for refresh_summaries().")
      .def("refresh_summaries",
           [](PyRegistry& r, const std::vector<Text>& names) { r.refresh_summaries(text_list(TextOrList(names))); },
           "ids_or_names"_a, "Recomputes the lifetime summaries of these strategies.")
      .def("performance",
           [](PyRegistry& r, const Text& id, const std::optional<Timestamp>& from_, const std::optional<Timestamp>& to,
              const std::optional<Timestamp>& start, const std::optional<Timestamp>& end, const OptText& version_id) {
             return r.performance(id.value, one_of("from_", from_, "start", start), one_of("to", to, "end", end),
                                  opt_text(version_id));
           },
           "id_or_name"_a, "from_"_a = py::none(), "to"_a = py::none(), py::kw_only(), "start"_a = py::none(),
           "end"_a = py::none(), "version_id"_a = py::none(),
           "Trade-level metrics over the trades whose exit time lies in [from_, to] (start and end are the\n"
           "same bounds under the seed's names; a date-only end covers its whole day): trades, wins, losses,\n"
           "win_rate, total_pnl, average_pnl, average_pnl_pct, average_win, average_loss, profit_factor,\n"
           "max_drawdown, per_trade_sharpe (mean / sample stdev of pnl_percentage, not annualized; None\n"
           "under 2 trades or when every trade's pnl_percentage is the same; also under its older key\n"
           "sharpe_ratio), total_commission. version_id restricts it to one version.")
      .def("compare", [](PyRegistry& r, const std::vector<Text>& names) { return r.compare(text_list(TextOrList(names))); },
           "ids_or_names"_a, "performance() of each strategy over all its trades, in the order given.")
      .def("trades",
           [](PyRegistry& r, const Text& id, const OptText& run_id, int64_t limit) {
             return r.trades(id.value, opt_text(run_id), limit);
           },
           "id_or_name"_a, "run_id"_a = py::none(), "limit"_a = 1000,
           "A strategy's recorded trades in exit order (dicts with the record_trade fields), optionally of one run.");

  // ---- Runs ----
  cls.def("start_run",
          [](PyRegistry& r, const Text& kind, const std::optional<py::object>& strategies,
             const std::optional<py::object>& data, const std::optional<py::object>& config, const Text& engine_version) {
            return r.start_run(kind.value, json_or_null(strategies, "strategies"), json_or_null(data, "data"),
                               json_or_null(config, "config"), engine_version.value);
          },
          "kind"_a, py::kw_only(), "strategies"_a = py::none(), "data"_a = py::none(), "config"_a = py::none(),
          "engine_version"_a = "", "Records the start of a run (status 'running') and returns its id; trades may name it as run_id.")
      .def("finish_run",
           [](PyRegistry& r, const Text& run_id, const Text& status, const Text& error,
              const std::optional<py::object>& results) {
             r.finish_run(run_id.value, status.value, error.value, json_or_null(results, "results"));
           },
           "run_id"_a, "status"_a, py::kw_only(), "error"_a = "", "results"_a = py::none(),
           "Ends a run: status finished, failed or interrupted.")
      .def("runs", &PyRegistry::runs, "limit"_a = 50, "Recorded runs, newest first.")
      .def("get_run", [](PyRegistry& r, const Text& id) { return r.get_run(id.value); }, "run_id"_a,
           "One run by id: kind, status, start and finish times, strategies, data, config, results, error.");

  // ---- MEM ----
  cls.def("is_mem_enhanced", [](PyRegistry& r, const Text& id) { return r.is_mem_enhanced(id.value); }, "id_or_name"_a,
          "True when the strategy is marked MEM-enhanced.")
      .def("mark_mem_enhanced",
           [](PyRegistry& r, const Text& id, const OptText& base) { r.mark_mem_enhanced(id.value, opt_text(base)); },
           "id_or_name"_a, "base"_a = py::none(),
           "Marks the strategy MEM-enhanced (and MEM learning enabled); with base, links base -> it as\n"
           "'mem_enhanced_version'.")
      .def("learned_patterns", [](PyRegistry& r, const Text& id) { return r.learned_patterns(id.value); },
           "id_or_name"_a, "Patterns the MEM loop learned for the strategy, best win rate first.")
      .def("mem_state", [](PyRegistry& r, const Text& id) { return r.mem_state(id.value); }, "id_or_name"_a,
           "The strategy's saved MEM state (model, standardizer, memory, patterns) as a dict, or None when\n"
           "no MEM run has saved one. Read-only: runs replace it.")
      .def("mem_runs",
           [](PyRegistry& r, const Text& id, const OptText& run_id, int64_t limit) {
             return r.mem_runs(id.value, opt_text(run_id), limit);
           },
           "id_or_name"_a, "run_id"_a = py::none(), "limit"_a = 50,
           "The strategy's MEM results, newest run first: dicts of run_id, started_at, strategy (name@version)\n"
           "and mem (both arms on the scoring part, the verdict; docs/mem.md). Only run `run_id` when given.");

  // ---- Parameters ----
  cls.def("update_parameter",
          [](PyRegistry& r, const Text& id, const Text& parameter, const py::object& value, const Text& reason,
             const Text& changed_by, const OptText& ab_test_group) {
            r.update_parameter(id.value, parameter.value, to_json(value, "value"), reason.value, changed_by.value,
                               opt_text(ab_test_group));
          },
          "id_or_name"_a, "parameter"_a, "value"_a, "reason"_a, py::kw_only(), "changed_by"_a = "manual",
          "ab_test_group"_a = py::none(),
          "Changes one parameter of the current version. The value must match the manifest's type and lie\n"
          "within its min and max (InvalidArgumentError otherwise; NotFoundError for an unknown parameter).\n"
          "changed_by: manual, mem_learning or backtest_optimization.")
      .def("current_parameters", [](PyRegistry& r, const Text& id) { return r.current_parameters(id.value); },
           "id_or_name"_a, "Effective values: the current version's defaults overlaid with the latest changes.")
      .def("version_parameters",
           [](PyRegistry& r, const Text& id, const Text& version) { return r.version_parameters(id.value, version.value); },
           "id_or_name"_a, "version"_a,
           "Effective values of one version: its defaults overlaid with the changes made while it was\n"
           "current. What a run of that version uses (before --param).")
      .def("parameter_history",
           [](PyRegistry& r, const Text& id, const OptText& parameter) {
             return r.parameter_history(id.value, parameter ? parameter->value : "");
           },
           "id_or_name"_a, "parameter"_a = py::none(),
           "Parameter changes, newest first (all parameters when none is named). 'parameter_value' and\n"
           "'previous_value' are the stored JSON text; 'value' and 'previous' are the same decoded.");

  // ---- Relationships and audit ----
  cls.def("link",
          [](PyRegistry& r, const Text& parent, const Text& child, const Text& type, const Text& description,
             std::optional<double> similarity) { r.link(parent.value, child.value, type.value, description.value, similarity); },
          "parent"_a, "child"_a, "type"_a, "description"_a = "", "similarity"_a = py::none(),
          "Links two strategies: type is derived_from, mem_enhanced_version, combined_with, alternative_to,\n"
          "replaces or portfolio_component; similarity in [0, 1]. AlreadyExistsError when linked so already.")
      .def("related", [](PyRegistry& r, const Text& id) { return r.related(id.value); }, "id_or_name"_a,
           "Relationships in both directions; 'direction' says what the other strategy is to this one\n"
           "('parent' or 'child').")
      .def("audit",
           [](PyRegistry& r, const OptText& id, int64_t limit) { return r.audit(opt_text(id), limit); },
           "id_or_name"_a = py::none(), "limit"_a = 100,
           "The append-only audit log, newest first: who (actor), what (action, entity), when (at), and the\n"
           "entity before and after. Only one strategy's entries when id_or_name is given.");
}
