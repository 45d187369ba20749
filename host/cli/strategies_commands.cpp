// `algohost strategies ...` and `algohost audit`: the catalog from the command line. Every command
// syncs the catalog with discovery first, prints a table (or --json), and exits non-zero on error.
#include <iostream>

#include <nlohmann/json.hpp>

#include "host/cli/context.h"
#include "host/cli/exit_codes.h"
#include "host/cli/table.h"
#include "host/cli/validators.h"
#include "host/service/import_service.h"
#include "host/service/strategy_query.h"
#include "registry/catalog/import.h"
#include "registry/manifest/manifest.h"

namespace algohost::cli {
namespace {

using catalog::Json;

std::string opt_fixed(const std::optional<double>& v, int d) { return v ? fixed(*v, d) : "-"; }

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

void print_strategies(const std::vector<catalog::StrategyRecord>& rows) {
  Table t({"NAME", "VERSION", "STATUS", "LANG", "ORIGIN", "RUNNABLE", "CATEGORY", "TRADES", "WIN RATE", "SHARPE/TRADE", "TAGS"});
  for (const auto& s : rows)
    t.add({s.strategy_name, s.current_version.empty() ? "-" : s.current_version, s.status, s.language, s.origin,
           s.runnable ? "yes" : "no", s.category, std::to_string(s.total_trades), opt_fixed(s.lifetime_win_rate, 3),
           opt_fixed(s.lifetime_sharpe_ratio, 3), join(s.tags, ",")});
  if (t.empty())
    std::cout << "no strategies match\n";
  else
    t.print(std::cout);
}

struct ListArgs {
  std::string category, sub_category, language, origin, search, sort = "name";
  std::vector<std::string> tags, any_tags, statuses;
  std::optional<double> min_sharpe, min_win_rate;
  int64_t limit = 100, offset = 0;
  bool desc = false, all = false, json = false;
};

void add_list(CLI::App* parent, Context& ctx) {
  auto a = std::make_shared<ListArgs>();
  auto* cmd = parent->add_subcommand("list", "List strategies in the catalog, filtered and sorted");
  cmd->add_option("--category", a->category, "Only this category");
  cmd->add_option("--sub-category", a->sub_category, "Only this sub-category");
  cmd->add_option("--tag", a->tags, "Has this tag (repeatable: all of them)");
  cmd->add_option("--any-tag", a->any_tags, "Has at least one of these tags (repeatable)");
  cmd->add_option("--status", a->statuses, "Only this status (repeatable): active, experimental, deprecated, archived");
  cmd->add_option("--language", a->language, "cpp or python");
  cmd->add_option("--origin", a->origin, "built_in, learned, imported or research");
  cmd->add_option("--min-per-trade-sharpe,--min-sharpe", a->min_sharpe,
                  "Lifetime per-trade Sharpe (mean / stdev of the trades' PnL %; not annualized) at least this");
  cmd->add_option("--min-win-rate", a->min_win_rate, "Lifetime win rate at least this (0..1)");
  cmd->add_option("--search", a->search, "Only strategies matching these words (full-text, as `strategies search`), best first");
  auto* sort = cmd->add_option("--sort", a->sort,
                               "name, sharpe (lifetime per-trade), win_rate, trades, pnl, created, updated, category, versions "
                               "(with --search: instead of the rank)")
                   ->capture_default_str();
  cmd->add_flag("--desc", a->desc, "Sort descending");
  cmd->add_option("--limit", a->limit, "At most this many")->capture_default_str()->check(non_negative_number());
  cmd->add_option("--offset", a->offset, "Skip this many")->check(non_negative_number());
  cmd->add_flag("--all", a->all, "Include deprecated and archived strategies");
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a, sort] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      StrategyQuery q;
      catalog::StrategyFilter& f = q.filter;
      auto set = [](std::optional<std::string>& dst, const std::string& v) {
        if (!v.empty()) dst = v;
      };
      set(f.category, a->category);
      set(f.sub_category, a->sub_category);
      set(f.language, a->language);
      set(f.origin, a->origin);
      f.all_tags = a->tags;
      f.any_tags = a->any_tags;
      f.statuses = a->statuses;
      f.include_inactive = a->all;
      f.min_sharpe = a->min_sharpe;
      f.min_win_rate = a->min_win_rate;
      f.sort = a->sort;
      f.descending = a->desc;
      f.limit = a->limit;
      f.offset = a->offset;
      q.search = a->search;
      q.sort_by_filter = sort->count() > 0;
      auto rows = find_strategies(c, q);
      if (!rows.ok()) return rows.status();
      if (a->json) {
        Json out = Json::array();
        for (const auto& s : *rows) out.push_back(s.to_json());
        std::cout << out.dump(2) << "\n";
      } else {
        std::vector<catalog::StrategyRecord> records;
        for (const auto& s : *rows) records.push_back(s.strategy);
        print_strategies(records);
      }
      return Status::Ok();
    });
  });
}

void add_search(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string text;
    int64_t limit = 20;
    bool all = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("search", "Full-text search over names, descriptions, keywords and tags (ranked)");
  cmd->add_option("text", a->text, "Words to look for")->required();
  cmd->add_option("--limit", a->limit, "At most this many")->capture_default_str()->check(positive_number());
  cmd->add_flag("--all", a->all, "Include deprecated and archived strategies");
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto hits = c.search(a->text, a->limit, a->all);
      if (!hits.ok()) return hits.status();
      if (a->json) {
        Json out = Json::array();
        for (const auto& h : *hits) {
          Json j = h.strategy.to_json();
          j["rank"] = h.rank;
          out.push_back(j);
        }
        std::cout << out.dump(2) << "\n";
      } else {
        std::vector<catalog::StrategyRecord> rows;
        for (const auto& h : *hits) rows.push_back(h.strategy);
        print_strategies(rows);
      }
      return Status::Ok();
    });
  });
}

void add_show(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string name;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("show", "Show one strategy: record, versions, parameters, relationships");
  cmd->add_option("strategy", a->name, "NAME or ID")->required();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto d = c.details(a->name);
      if (!d.ok()) return d.status();
      if (a->json) {
        std::cout << d->to_json().dump(2) << "\n";
        return Status::Ok();
      }
      const catalog::StrategyRecord& s = d->strategy;
      std::cout << s.display_name << " (" << s.strategy_name << ")\n"
                << "  id:           " << s.strategy_id << "\n"
                << "  status:       " << s.status
                << (s.deprecation_reason ? " — " + *s.deprecation_reason : std::string()) << "\n"
                << "  category:     " << s.category << (s.sub_category.empty() ? "" : " / " + s.sub_category) << "\n"
                << "  language:     " << s.language << "    origin: " << s.origin << "\n"
                << "  runnable:     "
                << (s.runnable ? std::string("yes")
                               : "no — metadata only" + (catalog::imported_from(s).empty()
                                                            ? std::string()
                                                            : " (imported from " + catalog::imported_from(s) + ")"))
                << "\n"
                << "  tags:         " << join(s.tags) << "\n"
                << "  version:      " << (s.current_version.empty() ? "-" : s.current_version) << " ("
                << s.version_count << " in all)\n"
                << "  MEM:          " << (s.is_mem_enhanced ? "enhanced" : "not enhanced")
                << (s.mem_learning_enabled ? ", learning enabled" : "") << "\n"
                << "  trades:       " << s.total_trades << "   PnL " << fixed(s.total_pnl, 2) << "   win rate "
                << opt_fixed(s.lifetime_win_rate, 3) << "   Sharpe (per trade) " << opt_fixed(s.lifetime_sharpe_ratio, 3)
                << "\n";
      if (!s.description.empty()) std::cout << "  " << s.description << "\n";
      if (d->parameters) std::cout << "  parameters:   " << d->parameters->dump() << "\n";
      if (!d->related.empty()) {
        std::cout << "\n";
        Table t({"RELATED", "AS", "TYPE", "DESCRIPTION"});
        for (const auto& r : d->related) t.add({r.strategy.strategy_name, r.direction, r.relationship_type, r.description});
        t.print(std::cout);
      }
      return Status::Ok();
    });
  });
}

void add_versions(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string name;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("versions", "Version history of a strategy, newest first");
  cmd->add_option("strategy", a->name, "NAME or ID")->required();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto versions = c.versions(a->name);
      if (!versions.ok()) return versions.status();
      if (a->json) {
        Json out = Json::array();
        for (const auto& v : *versions) out.push_back(v.to_json());
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"VERSION", "TYPE", "VALIDATION", "SHA256", "CREATED", "CHANGELOG"});
      for (const auto& v : *versions)
        t.add({v.version_number + (v.development ? " (unpublished development build)" : ""), v.version_type, v.validation_status,
               v.artifact_sha256.empty() ? "-" : v.artifact_sha256.substr(0, 12), v.created_at, v.changelog});
      t.print(std::cout);
      return Status::Ok();
    });
  });
}

void add_deprecate_archive(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string name, reason, replacement;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("deprecate", "Deprecate a strategy (kept, but left out of listings)");
  cmd->add_option("strategy", a->name, "NAME or ID")->required();
  cmd->add_option("--reason", a->reason, "Why")->required();
  cmd->add_option("--replacement", a->replacement, "The strategy that replaces it");
  cmd->callback([&ctx, a] {
    with_catalog(ctx, [&](catalog::Catalog& c) -> Status {
      Status st = c.deprecate(a->name, a->reason,
                              a->replacement.empty() ? std::nullopt : std::optional<std::string>(a->replacement));
      if (st.ok()) std::cout << a->name << ": deprecated\n";
      return st;
    });
  });
  auto b = std::make_shared<std::string>();
  auto* archive = parent->add_subcommand("archive", "Archive a strategy");
  archive->add_option("strategy", *b, "NAME or ID")->required();
  archive->callback([&ctx, b] {
    with_catalog(ctx, [&](catalog::Catalog& c) -> Status {
      Status st = c.archive(*b);
      if (st.ok()) std::cout << *b << ": archived\n";
      return st;
    });
  });
}

void add_link(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string parent, child, type, description;
    std::optional<double> similarity;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("link", "Relate two strategies");
  cmd->add_option("parent", a->parent, "Parent NAME or ID")->required();
  cmd->add_option("child", a->child, "Child NAME or ID")->required();
  cmd->add_option("--type", a->type,
                  "derived_from, mem_enhanced_version, combined_with, alternative_to, replaces, portfolio_component")
      ->required();
  cmd->add_option("--description", a->description, "Free text");
  cmd->add_option("--similarity", a->similarity, "Similarity score 0..1");
  cmd->callback([&ctx, a] {
    with_catalog(ctx, [&](catalog::Catalog& c) -> Status {
      Status st = c.link(a->parent, a->child, a->type, a->description, a->similarity);
      if (st.ok()) std::cout << a->parent << " -[" << a->type << "]-> " << a->child << "\n";
      return st;
    });
  });
  struct RelArgs {
    std::string name;
    bool json = false;
  };
  auto r = std::make_shared<RelArgs>();
  auto* rel = parent->add_subcommand("related", "Strategies related to one, both ways");
  rel->add_option("strategy", r->name, "NAME or ID")->required();
  rel->add_flag("--json", r->json, "Print JSON");
  rel->callback([&ctx, r] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto related = c.related(r->name);
      if (!related.ok()) return related.status();
      if (r->json) {
        Json out = Json::array();
        for (const auto& x : *related) out.push_back(x.to_json());
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"RELATED", "AS", "TYPE", "SIMILARITY", "DESCRIPTION"});
      for (const auto& x : *related)
        t.add({x.strategy.strategy_name, x.direction, x.relationship_type, opt_fixed(x.similarity_score, 3), x.description});
      t.print(std::cout);
      return Status::Ok();
    });
  });
}

void add_params(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string name, history;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("params", "Current parameter values, or the history of one parameter");
  cmd->add_option("strategy", a->name, "NAME or ID")->required();
  auto* hist = cmd->add_option("--history", a->history, "Show the change history of this parameter ('all' for every one)");
  (void)hist;
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      if (!a->history.empty()) {
        auto h = c.parameter_history(a->name, a->history == "all" ? "" : a->history);
        if (!h.ok()) return h.status();
        if (a->json) {
          Json out = Json::array();
          for (const auto& x : *h) out.push_back(x.to_json());
          std::cout << out.dump(2) << "\n";
          return Status::Ok();
        }
        Table t({"PARAMETER", "VALUE", "PREVIOUS", "CHANGED BY", "FROM", "TO", "A/B", "SHARPE BEFORE", "AFTER", "REASON"});
        auto num = [](const std::optional<double>& v) { return v ? fixed(*v, 3) : std::string("-"); };
        for (const auto& x : *h)
          t.add({x.parameter_name, x.parameter_value, x.previous_value.value_or("-"), x.changed_by, x.applied_from,
                 x.applied_to.value_or("-"), x.ab_test_group.value_or("-"), num(x.evidence.before_sharpe),
                 num(x.evidence.after_sharpe), x.change_reason.value_or("")});
        if (t.empty())
          std::cout << "no changes recorded\n";
        else
          t.print(std::cout);
        return Status::Ok();
      }
      auto s = c.get(a->name);
      if (!s.ok()) return s.status();
      auto values = c.current_parameters(s->strategy_id);
      if (!values.ok()) return values.status();
      auto version = c.get_version(s->strategy_id, s->current_version);
      if (!version.ok()) return version.status();
      std::vector<ManifestIssue> issues;
      auto specs = parse_parameter_specs(version->parameters.is_object() ? version->parameters : Json::object(), issues);
      if (a->json) {
        Json out = Json::array();
        for (const auto& p : specs)
          out.push_back({{"name", p.name}, {"value", values->value(p.name, Json(nullptr))}, {"default", p.default_value},
                         {"type", param_type_name(p.type)}, {"min", p.min ? Json(*p.min) : Json(nullptr)},
                         {"max", p.max ? Json(*p.max) : Json(nullptr)}});
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"PARAMETER", "VALUE", "DEFAULT", "TYPE", "MIN", "MAX"});
      for (const auto& p : specs)
        t.add({p.name, values->value(p.name, Json(nullptr)).dump(), p.default_value.dump(), param_type_name(p.type),
               p.min ? fixed(*p.min, 4) : "-", p.max ? fixed(*p.max, 4) : "-"});
      t.print(std::cout);
      return Status::Ok();
    });
  });
}

void add_set_param(CLI::App* parent, Context& ctx) {
  struct Args {
    std::string name, param, value, reason, ab_group, changed_by = "manual";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand("set-param", "Change one parameter of the current version (within its min/max)");
  cmd->add_option("strategy", a->name, "NAME or ID")->required();
  cmd->add_option("parameter", a->param, "Parameter name")->required();
  cmd->add_option("value", a->value, "New value")->required();
  cmd->add_option("--reason", a->reason, "Why")->required();
  cmd->add_option("--ab-group", a->ab_group, "A/B test group tag (A, B, ...)");
  cmd->add_option("--changed-by", a->changed_by, "manual, mem_learning or backtest_optimization")->capture_default_str();
  cmd->callback([&ctx, a] {
    with_catalog(ctx, [&](catalog::Catalog& c) -> Status {
      auto s = c.get(a->name);
      if (!s.ok()) return s.status();
      auto version = c.get_version(s->strategy_id, s->current_version);
      if (!version.ok()) return version.status();
      std::vector<ManifestIssue> issues;
      auto specs = parse_parameter_specs(version->parameters.is_object() ? version->parameters : Json::object(), issues);
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == a->param; });
      if (spec == specs.end())
        return Status::NotFound(s->strategy_name + "@" + s->current_version + " has no parameter '" + a->param + "'");
      auto value = parse_parameter_text(*spec, a->value);
      if (!value.ok()) return value.status();
      Status st = c.update_parameter(s->strategy_id, a->param, *value, a->reason, a->changed_by,
                                     a->ab_group.empty() ? std::nullopt : std::optional<std::string>(a->ab_group));
      if (st.ok()) std::cout << s->strategy_name << "." << a->param << " = " << value->dump() << "\n";
      return st;
    });
  });
}

void add_import(CLI::App* parent, Context& ctx) {
  struct Args {
    std::vector<std::string> paths;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand(
      "import", "Register strategies described by metadata files (the seed's format or a manifest) that have no "
                "plugin: listed, searched and versioned, not runnable");
  cmd->add_option("paths", a->paths, "FILE or DIR (searched for *.json), repeatable")->required();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog(ctx, [&](catalog::Catalog& c) -> Status {
      std::vector<std::filesystem::path> paths(a->paths.begin(), a->paths.end());
      auto results = import_metadata_paths(c, paths);
      if (!results.ok()) return results.status();
      Status first_failure;
      for (const auto& r : *results)
        if (!r.ok() && first_failure.ok()) first_failure = r.status;
      if (a->json) {
        Json out = Json::array();
        for (const auto& r : *results)
          out.push_back({{"file", r.file.string()},
                         {"strategy", r.strategy.empty() ? Json(nullptr) : Json(r.strategy)},
                         {"action", r.ok() ? Json(r.action) : Json(nullptr)},
                         {"error", r.ok() ? Json(nullptr) : Json(r.status.message())},
                         {"errors", r.errors},
                         {"warnings", r.warnings}});
        std::cout << out.dump(2) << "\n";
      } else {
        Table t({"FILE", "STRATEGY", "RESULT"});
        for (const auto& r : *results)
          t.add({r.file.string(), r.strategy.empty() ? "-" : r.strategy, r.ok() ? r.action : "failed"});
        t.print(std::cout);
      }
      for (const auto& r : *results) {
        for (const auto& w : r.warnings) std::cerr << "warning: " << r.file.string() << ": " << w << "\n";
        if (r.ok()) continue;
        if (r.errors.empty()) {
          std::cerr << "error: " << r.status.message() << "\n";
        } else {
          for (const auto& e : r.errors) std::cerr << "error: " << r.file.string() << ": " << e << "\n";
        }
      }
      // Every file was tried; the exit code is the first failure's.
      if (!first_failure.ok()) ctx.exit_code = exit_code_for(first_failure.code());
      return Status::Ok();
    });
  });
}

}  // namespace

void add_strategies_commands(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("strategies", "The strategy catalog: list, search, show, versions, lifecycle, parameters, import");
  cmd->require_subcommand(1);
  add_list(cmd, ctx);
  add_search(cmd, ctx);
  add_show(cmd, ctx);
  add_versions(cmd, ctx);
  add_deprecate_archive(cmd, ctx);
  add_link(cmd, ctx);
  add_params(cmd, ctx);
  add_set_param(cmd, ctx);
  add_import(cmd, ctx);
}

void add_audit_command(CLI::App& app, Context& ctx) {
  struct Args {
    std::string strategy;
    int64_t limit = 50;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("audit", "The catalog's append-only audit log, newest first");
  cmd->add_option("--strategy", a->strategy, "Only entries about this strategy (NAME or ID)");
  cmd->add_option("--limit", a->limit, "At most this many")->capture_default_str()->check(positive_number());
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([&ctx, a] {
    with_catalog_read(ctx, [&](catalog::Catalog& c) -> Status {
      auto rows = c.audit(a->strategy.empty() ? std::nullopt : std::optional<std::string>(a->strategy), a->limit);
      if (!rows.ok()) return rows.status();
      if (a->json) {
        Json out = Json::array();
        for (const auto& r : *rows) out.push_back(r.to_json());
        std::cout << out.dump(2) << "\n";
        return Status::Ok();
      }
      Table t({"ID", "AT", "ACTOR", "ACTION", "ENTITY", "ENTITY ID"});
      for (const auto& r : *rows) t.add({std::to_string(r.audit_id), r.at, r.actor, r.action, r.entity_type, r.entity_id});
      t.print(std::cout);
      return Status::Ok();
    });
  });
}

}  // namespace algohost::cli
