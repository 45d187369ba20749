// `algohost plugins list | validate | inspect`.
#include <iostream>

#include <nlohmann/json.hpp>

#include "host/cli/context.h"
#include "host/cli/exit_codes.h"
#include "host/cli/table.h"
#include "host/loader/sha256.h"

namespace algohost::cli {
namespace {

using Json = nlohmann::ordered_json;

Json issues_json(const ManifestReport& r, bool warnings) {
  Json out = Json::array();
  for (const auto& i : r.issues)
    if (i.warning == warnings) out.push_back({{"path", i.path}, {"message", i.message}});
  return out;
}

Json plugin_json(const PluginRow& row) {
  const DiscoveredPlugin& p = *row.plugin;
  Json j;
  const auto& m = p.report.manifest;
  j["name"] = m ? Json(m->name) : Json(nullptr);
  j["version"] = m ? Json(m->version_text) : Json(nullptr);
  j["display_name"] = m ? Json(m->display_name) : Json(nullptr);
  j["kind"] = m ? Json(m->kind) : Json(nullptr);
  j["language"] = m ? Json(m->language) : Json(nullptr);
  j["status"] = m ? Json(m->status) : Json(nullptr);
  j["path"] = p.report.file.parent_path().string();
  j["manifest"] = p.report.file.string();
  j["origin"] = p.origin;
  j["load_status"] = row.load_status;
  j["load_message"] = row.load_message;
  j["sha256"] = row.artifact_sha256 ? Json(*row.artifact_sha256) : Json(nullptr);
  j["errors"] = issues_json(p.report, false);
  j["warnings"] = issues_json(p.report, true);
  return j;
}

void list_command(Context& ctx, bool json, bool no_load) {
  auto rows = ctx.plugins().list(!no_load);
  const auto& problems = ctx.plugins().discovery().problems;
  for (const auto& p : problems) std::cerr << "warning: plugin directory " << p << "\n";
  if (json) {
    Json out = Json::array();
    for (const auto& r : rows) out.push_back(plugin_json(r));
    std::cout << out.dump(2) << "\n";
  } else {
    Table t({"NAME", "VERSION", "KIND", "LANG", "STATUS", "LOAD", "PATH"});
    for (const auto& r : rows) {
      const auto& m = r.plugin->report.manifest;
      t.add({m ? m->name : "?", m ? m->version_text : "?", m ? m->kind : "?", m ? m->language : "?",
             m ? m->status : "?", r.load_status, r.plugin->report.file.parent_path().string()});
    }
    if (t.empty())
      std::cout << "no plugins found (search path: --plugins, ALGOHOST_PLUGIN_PATH, built-in)\n";
    else
      t.print(std::cout);
    for (const auto& r : rows)
      if (!r.load_message.empty() && r.load_status != "shadowed")
        std::cout << "\n" << r.load_status << ": " << r.load_message;
    std::cout << (std::any_of(rows.begin(), rows.end(), [](const PluginRow& r) { return !r.load_message.empty(); }) ? "\n" : "");
  }
  for (const auto& r : rows)
    if (r.load_status == "invalid" || r.load_status == "load_failed") ctx.exit_code = kExitProblems;
}

void validate_command(Context& ctx, const std::vector<std::string>& paths, bool json) {
  std::vector<std::filesystem::path> ps(paths.begin(), paths.end());
  auto entries = ctx.plugins().validate(ps);
  bool all_ok = true;
  Json out = Json::array();
  for (const auto& e : entries) {
    bool ok = e.report.ok() && e.load.ok();
    all_ok = all_ok && ok;
    if (json) {
      Json j;
      j["manifest"] = e.manifest.string();
      j["valid"] = ok;
      j["errors"] = issues_json(e.report, false);
      if (!e.load.ok()) j["errors"].push_back({{"path", "implementation"}, {"message", e.load.message()}});
      j["warnings"] = issues_json(e.report, true);
      out.push_back(j);
      continue;
    }
    std::cout << e.manifest.string() << ": " << (ok ? "valid" : "INVALID") << "\n";
    for (const auto& i : e.report.issues)
      std::cout << "  " << (i.warning ? "warning" : "error") << ": " << i.to_string() << "\n";
    if (e.report.ok() && !e.load.ok()) std::cout << "  error: " << e.load.message() << "\n";
  }
  if (json) std::cout << out.dump(2) << "\n";
  ctx.exit_code = all_ok ? kExitOk : kExitProblems;
}

void inspect_command(Context& ctx, const std::string& spec, bool json) {
  auto found = ctx.plugins().find(spec);
  if (!found.ok()) {
    ctx.exit_code = report_error(found.status());
    return;
  }
  const Manifest& m = **found;
  Status loaded = Status::Ok();
  std::vector<std::string> diagnostics;
  if (m.kind == "enhancer") {
    auto inst = ctx.plugins().instantiate_enhancer(m, {});
    if (!inst.ok()) loaded = inst.status();
  } else {
    auto inst = ctx.plugins().instantiate(m, {});
    if (inst.ok()) diagnostics = (*inst)->diagnostics();
    else loaded = inst.status();
  }
  auto digest = sha256_file(m.artifact);
  const std::optional<std::string> artifact_sha256 = digest.ok() ? std::optional<std::string>(*digest) : std::nullopt;
  const std::string load = loaded.ok() ? "loaded" : loaded.message();
  const std::string api = std::to_string(m.api_major) + "." + std::to_string(m.api_minor);
  // Python plugins follow the Python SDK's API version, native enhancers the enhancer ABI's.
  const bool py = m.language == "python", enh = m.kind == "enhancer";
  const std::string host_api =
      std::to_string(py ? kPythonApiMajor : enh ? AH_ENHANCER_API_VERSION_MAJOR : AH_API_VERSION_MAJOR) + "." +
      std::to_string(py ? kPythonApiMinor : enh ? AH_ENHANCER_API_VERSION_MINOR : AH_API_VERSION_MINOR);

  if (json) {
    Json j;
    j["name"] = m.name;
    j["version"] = m.version_text;
    j["manifest_path"] = m.file.string();
    j["artifact"] = m.artifact.string();
    j["api_version"] = api;
    j["host_api_version"] = host_api;
    j["sha256"] = artifact_sha256 ? Json(*artifact_sha256) : Json(nullptr);
    j["manifest_sha256"] = m.sha256.empty() ? Json(nullptr) : Json(m.sha256);
    j["kind"] = m.kind;
    j["load_status"] = loaded.ok() ? "loaded" : "load_failed";
    j["load_message"] = loaded.ok() ? "" : loaded.message();
    j["diagnostics"] = diagnostics;
    Json params = Json::array();
    for (const auto& p : m.parameters) {
      params.push_back({{"name", p.name}, {"type", param_type_name(p.type)}, {"default", p.default_value},
                        {"min", p.min ? Json(*p.min) : Json(nullptr)}, {"max", p.max ? Json(*p.max) : Json(nullptr)},
                        {"choices", p.choices}, {"optimizable", p.optimizable},
                        {"mem_role", p.mem_role.empty() ? Json(nullptr) : Json(p.mem_role)}, {"description", p.description}});
    }
    j["parameters"] = params;
    j["constraints"] = Json::array();
    for (const auto& c : m.constraints) j["constraints"].push_back(c.text);
    j["manifest"] = m.raw;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << m.display_name << " (" << m.id() << ")\n";
    if (!m.description.empty()) std::cout << "  " << m.description << "\n";
    std::string tags;
    for (const auto& t : m.tags) tags += (tags.empty() ? "" : ", ") + t;
    std::cout << "  status:       " << m.status << "\n"
              << "  category:     " << m.category << (m.sub_category.empty() ? "" : " / " + m.sub_category) << "\n"
              << "  tags:         " << tags << "\n"
              << "  kind:         " << m.kind << "\n"
              << "  language:     " << m.language << "\n"
              << "  manifest:     " << m.file.string() << "\n"
              << "  artifact:     " << m.artifact.string() << "\n"
              << "  API version:  " << api << " (host " << host_api << ")\n"
              << "  sha256:       " << artifact_sha256.value_or("-")
              << (m.sha256.empty() ? " (manifest gives none)" : (artifact_sha256 == m.sha256 ? " (matches manifest)" : " (MANIFEST SAYS " + m.sha256 + ")")) << "\n"
              << "  symbols:      " << (m.symbols == 0 ? std::string("any number") : std::to_string(m.symbols)) << "\n"
              << "  load:         " << load << "\n";
    std::string diag;
    for (const auto& d : diagnostics) diag += (diag.empty() ? "" : ", ") + d;
    std::cout << "  diagnostics:  " << (diag.empty() ? "-" : diag) << "\n\n";
    Table t({"PARAMETER", "TYPE", "DEFAULT", "MIN", "MAX", "OPT", "DESCRIPTION"});
    for (const auto& p : m.parameters)
      t.add({p.name, param_type_name(p.type), p.default_value.dump(), p.min ? fixed(*p.min, 4) : "-",
             p.max ? fixed(*p.max, 4) : "-", p.optimizable ? "yes" : "no", p.description});
    t.print(std::cout);
    for (const auto& c : m.constraints) std::cout << "  constraint:   " << c.text << "\n";
  }
  if (!loaded.ok()) ctx.exit_code = exit_code_for(loaded.code());
}

}  // namespace

void add_plugin_commands(CLI::App& app, Context& ctx) {
  CLI::App* plugins = app.add_subcommand("plugins", "Discover, validate and inspect plugins (strategies and enhancers)");
  plugins->require_subcommand(1);

  auto* list = plugins->add_subcommand("list", "List every discovered plugin and whether it loads");
  auto list_json = std::make_shared<bool>(false);
  auto no_load = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print JSON");
  list->add_flag("--no-load", *no_load, "Only validate manifests; do not open libraries");
  list->callback([&ctx, list_json, no_load] { list_command(ctx, *list_json, *no_load); });

  auto* validate = plugins->add_subcommand("validate", "Validate manifests (files or directories); exit 0 when all are valid");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto validate_json = std::make_shared<bool>(false);
  validate->add_option("paths", *paths, "manifest.json files or directories")->required();
  validate->add_flag("--json", *validate_json, "Print JSON");
  validate->callback([&ctx, paths, validate_json] { validate_command(ctx, *paths, *validate_json); });

  auto* inspect = plugins->add_subcommand("inspect", "Show one plugin: manifest, parameters, API version, sha256");
  auto spec = std::make_shared<std::string>();
  auto inspect_json = std::make_shared<bool>(false);
  inspect->add_option("strategy", *spec, "NAME or NAME@VERSION")->required();
  inspect->add_flag("--json", *inspect_json, "Print JSON");
  inspect->callback([&ctx, spec, inspect_json] { inspect_command(ctx, *spec, *inspect_json); });
}

}  // namespace algohost::cli
