#include "host/service/plugin_service.h"

#include <fstream>
#include <set>

#include "host/data/slice_aligner.h"
#include "host/data/timestamp.h"
#include "host/isolation/worker_enhancer.h"
#include "host/isolation/worker_instance.h"
#include "host/loader/sha256.h"

namespace algohost {
namespace fs = std::filesystem;

namespace {

// The Python SDK as given, else beside the built-in plugins (<lib>/algohost/python next to
// <lib>/algohost/plugins), where the build tree and an install both put it.
PluginServiceOptions with_python_sdk(PluginServiceOptions o) {
  std::error_code ec;
  for (const auto& d : o.builtin_dirs) {
    if (!o.python_sdk_dir.empty()) break;
    const fs::path candidate = d.parent_path() / "python";
    if (fs::is_regular_file(candidate / "algohost" / "__init__.py", ec)) o.python_sdk_dir = candidate;
  }
  return o;
}

// What an invalid manifest at `file` was meant to be, read leniently (comments allowed; the seed's
// shape with a top-level "strategy" object too): its "name" and "version" as written, "" when
// absent or not text.
struct RawIdentity {
  std::string name, version;
};
RawIdentity raw_identity(const fs::path& file) {
  RawIdentity id;
  std::ifstream in(file, std::ios::binary);
  if (!in) return id;
  const auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (!doc.is_object()) return id;
  const auto* obj = &doc;
  if (!doc.contains("name") && doc.contains("strategy") && doc["strategy"].is_object()) obj = &doc["strategy"];
  auto text = [&](const char* key) {
    auto it = obj->find(key);
    return it != obj->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  id.name = text("name");
  id.version = text("version");
  return id;
}

// True when the invalid manifest `p` is the plugin asked for as `name` (and `version`, when
// given and the manifest names one): by the name it gives, or by its folder (NAME/manifest.json
// or NAME/VERSION/manifest.json).
bool invalid_plugin_matches(const DiscoveredPlugin& p, const std::string& name, const std::string& version) {
  const RawIdentity id = raw_identity(p.report.file);
  if (!version.empty() && !id.version.empty() && id.version != version) return false;
  if (id.name == name) return true;
  const fs::path dir = p.report.file.parent_path();
  return dir.filename() == name || (dir.has_parent_path() && dir.parent_path().filename() == name);
}

// "found at FILE but invalid: path: problem; path: problem".
std::string invalid_manifest_message(const ManifestReport& report) {
  std::string errors;
  for (const auto& e : report.errors()) errors += (errors.empty() ? "" : "; ") + e.to_string();
  return "found at " + report.file.string() + " but invalid: " + errors;
}

}  // namespace

PluginService::PluginService(PluginServiceOptions options)
    : options_(with_python_sdk(std::move(options))),
      libraries_(std::make_shared<LibraryCache>()),
      native_(libraries_),
      native_enhancers_(libraries_),
      python_(PythonLoaderOptions{options_.python_sdk_dir, options_.python_max_consecutive_failures, options_.python_call_time_limit_s}) {}

void PluginService::rescan() {
  if (discovery_) earlier_scans_.push_back(std::move(*discovery_));
  discovery_.reset();
}

std::vector<std::filesystem::path> PluginService::search_dirs() const {
  std::vector<std::filesystem::path> out;
  for (const auto& d : plugin_search_path(options_.plugin_dirs, options_.plugin_path_env, options_.builtin_dirs))
    out.push_back(d.dir);
  return out;
}

const DiscoveryResult& PluginService::discovery() {
  if (!discovery_)
    discovery_ = discover(plugin_search_path(options_.plugin_dirs, options_.plugin_path_env, options_.builtin_dirs));
  return *discovery_;
}

bool PluginService::is_builtin(const Manifest& m) {
  for (const auto& p : discovery().plugins)
    if (p.origin == "built-in" && p.report.manifest && p.report.manifest->file == m.file) return true;
  return false;
}

IsolationOptions PluginService::isolation_for(const Manifest& m, std::optional<Isolation> requested,
                                              Isolation outside_default) {
  IsolationOptions o;
  if (requested) o.mode = *requested;
  else if (auto own = parse_isolation(m.isolation)) o.mode = *own;
  else o.mode = is_builtin(m) ? Isolation::kInProcess : outside_default;
  o.limits = limits_for(m, WorkerLimits{});
  return o;
}

Result<std::string> PluginService::artifact_sha256(const Manifest& m) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(m.artifact, ec);
  const auto mtime = ec ? fs::file_time_type() : fs::last_write_time(m.artifact, ec);
  if (!ec) {
    std::lock_guard<std::mutex> lock(hashes_mu_);
    if (auto it = hashes_.find(m.artifact); it != hashes_.end() && it->second.size == size && it->second.mtime == mtime)
      return it->second.sha256;
  }
  auto sha = sha256_file(m.artifact);
  if (sha.ok() && !ec) {
    std::lock_guard<std::mutex> lock(hashes_mu_);
    hashes_[m.artifact] = HashedArtifact{size, mtime, *sha};
  }
  return sha;
}

Status PluginService::try_load(const Manifest& m) {
  if (m.kind == "enhancer") {
    auto inst = instantiate_enhancer(m, {});
    return inst.ok() ? Status::Ok() : inst.status();
  }
  auto inst = instantiate(m, {});
  return inst.ok() ? Status::Ok() : inst.status();
}

std::vector<PluginRow> PluginService::list(bool load) {
  std::vector<PluginRow> rows;
  for (const auto& p : discovery().plugins) {
    PluginRow row;
    row.plugin = &p;
    if (!p.report.ok()) {
      row.load_status = "invalid";
      row.load_message = p.report.error_summary();
    } else if (p.shadowed_by) {
      row.load_status = "shadowed";
      row.load_message = "same name and version as " + p.shadowed_by->string();
    } else if (load) {
      Status st = try_load(*p.report.manifest);
      row.load_status = st.ok() ? "loaded" : st.code() == StatusCode::kUnsupported ? "unsupported" : "load_failed";
      row.load_message = st.ok() ? "" : st.message();
    } else {
      row.load_status = "valid";
    }
    if (p.report.ok()) {
      auto sha = artifact_sha256(*p.report.manifest);
      if (sha.ok()) row.artifact_sha256 = *sha;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ValidationEntry> PluginService::validate(const std::vector<fs::path>& paths) {
  std::vector<ValidationEntry> out;
  for (const auto& path : paths) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->path().filename() == "manifest.json") files.push_back(it->path());
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        ValidationEntry e{path, {}, Status::NotFound(path.string() + ": no manifest.json below this directory")};
        e.report.file = path;
        e.report.issues.push_back({"", "no manifest.json below this directory", false});
        out.push_back(std::move(e));
      }
    } else {
      files.push_back(path);
    }
    for (const auto& f : files) {
      ValidationEntry e{f, load_manifest(f), Status::Ok()};
      if (e.report.ok()) e.load = try_load(*e.report.manifest);
      out.push_back(std::move(e));
    }
  }
  return out;
}

Result<const Manifest*> PluginService::find(const std::string& spec) { return find_of_kind(spec, ""); }

Result<const Manifest*> PluginService::find_enhancer(const std::string& spec) { return find_of_kind(spec, "enhancer"); }

Result<const Manifest*> PluginService::find_of_kind(const std::string& spec, const std::string& kind) {
  std::string name = spec, version;
  if (auto at = spec.find('@'); at != std::string::npos) {
    name = spec.substr(0, at);
    version = spec.substr(at + 1);
  }
  const std::string what = kind.empty() ? "strategy" : kind;
  const Manifest* best = nullptr;
  std::vector<std::string> versions;
  std::string other_kind;
  for (const auto& p : discovery().plugins) {
    if (!p.report.ok() || p.shadowed_by) continue;
    const Manifest& m = *p.report.manifest;
    if (m.name != name) continue;
    if (!kind.empty() && m.kind != kind) {
      other_kind = m.kind;
      continue;
    }
    versions.push_back(m.version_text);
    if (!version.empty()) {
      if (m.version_text == version) return &m;
    } else if (!best || compare(best->version, m.version) < 0) {
      best = &m;
    }
  }
  if (best) return best;
  if (!other_kind.empty()) return Status::NotFound("'" + name + "' is a " + other_kind + ", not " + (kind == "enhancer" ? "an " : "a ") + kind);
  // Not among the valid ones: one that failed validation may be the one meant.
  std::string invalid;
  for (const auto& p : discovery().plugins)
    if (!p.report.ok() && invalid_plugin_matches(p, name, version))
      invalid += (invalid.empty() ? "" : "\n  ") + invalid_manifest_message(p.report);
  if (!invalid.empty()) return Status::InvalidArgument(spec + ": " + invalid);
  if (!versions.empty()) {
    std::string list;
    for (const auto& v : versions) list += (list.empty() ? "" : ", ") + v;
    return Status::NotFound(what + " '" + name + "' has no version " + version + " (found: " + list + ")");
  }
  // The names of the same kind (strategies when no kind is given: enhancers are not run alone).
  const std::string listed = kind.empty() ? "strategy" : kind;
  std::string known = kind == "enhancer" ? "mem (built-in)" : "";
  std::set<std::string> seen;
  for (const auto& p : discovery().plugins)
    if (p.report.ok() && !p.shadowed_by && p.report.manifest->kind == listed && seen.insert(p.report.manifest->name).second)
      known += (known.empty() ? "" : ", ") + p.report.manifest->name;
  return Status::NotFound("unknown " + what + " '" + name + "'" + (known.empty() ? "" : " (known: " + known + ")"));
}

WorkerSpawn PluginService::worker_spawn(const Manifest& m, const std::map<std::string, std::string>& overrides,
                                        const IsolationOptions& isolation) const {
  WorkerSpawn spawn;
  spawn.label = m.id();
  spawn.manifest_file = m.file;
  spawn.overrides = overrides;
  spawn.python_sdk_dir = options_.python_sdk_dir;
  spawn.python_max_consecutive_failures = options_.python_max_consecutive_failures;
  spawn.python_call_time_limit_s = options_.python_call_time_limit_s;
  spawn.limits = isolation.limits;
  spawn.worker = resolve_worker_path(isolation.worker);
  return spawn;
}

Result<std::unique_ptr<StrategyInstance>> PluginService::instantiate(
    const Manifest& m, const std::map<std::string, std::string>& overrides, const IsolationOptions* isolation) {
  auto params = resolve_parameters(m, overrides);
  if (!params.ok()) return params.status();
  if (m.kind != "strategy")
    return Status::Unsupported(m.file.string() + ": kind '" + m.kind + "' is not a strategy");
  if (isolation && isolation->mode == Isolation::kProcess) return spawn_worker_instance(worker_spawn(m, overrides, *isolation));
  if (m.language == "cpp") return native_.instantiate(m, *params);
  if (m.language == "python") return python_.instantiate(m, *params);
  return Status::Unsupported(m.file.string() + ": implementation.language '" + m.language + "' is not supported");
}

Result<std::unique_ptr<EnhancerInstance>> PluginService::instantiate_enhancer(
    const Manifest& m, const std::map<std::string, std::string>& overrides, const IsolationOptions* isolation) {
  if (m.kind != "enhancer")
    return Status::Unsupported(m.file.string() + ": kind '" + m.kind + "' is not an enhancer");
  auto params = resolve_parameters(m, overrides);
  if (!params.ok()) return params.status();
  if (isolation && isolation->mode == Isolation::kProcess) return spawn_worker_enhancer(worker_spawn(m, overrides, *isolation));
  if (m.language == "cpp") return native_enhancers_.instantiate(m, *params);
  if (m.language == "python") return python_.instantiate_enhancer(m, *params);
  return Status::Unsupported(m.file.string() + ": implementation.language '" + m.language + "' is not supported");
}

Status PluginService::drive(StrategyInstance& inst, const MarketData& md, std::vector<SignalRow>& rows) {
  std::vector<const BarSeries*> series;
  for (const auto& s : md.series) series.push_back(&s);
  SliceAligner aligner(std::move(series));
  std::vector<ah_signal> out;
  while (aligner.next()) {
    const ah_slice& slice = aligner.slice();
    Status st = inst.on_slice(slice, out);
    if (!st.ok()) return st.with_context("at " + format_timestamp_ms(slice.ts_ms));
    for (const auto& s : out) rows.push_back({md.series[s.symbol_index].symbol, slice.bars[s.symbol_index], s});
  }
  return Status::Ok();
}

Result<SignalsRun> PluginService::signals(const std::string& spec, const fs::path& data,
                                          const std::map<std::string, std::string>& overrides,
                                          const CsvOptions& csv_options) {
  auto found = find(spec);
  if (!found.ok()) return found.status();
  const Manifest& m = **found;
  SignalsRun run;
  run.manifest = &m;
  auto md = read_market_data(data, csv_options, &run.csv);
  if (!md.ok()) return md.status();
  auto params = resolve_parameters(m, overrides);
  if (!params.ok()) return params.status();
  run.params = *params;

  if (m.symbols > 1 && md->series.size() < static_cast<size_t>(m.symbols))
    return Status::InvalidArgument(m.id() + " needs " + std::to_string(m.symbols) + " symbols at once; " +
                                   data.string() + " has " + std::to_string(md->series.size()));
  std::vector<MarketData> groups;  // one per instance
  if (m.symbols == 1) {
    for (const auto& s : md->series) groups.push_back(MarketData{{s}});
  } else {
    groups.push_back(*md);
  }
  for (const auto& g : groups) {
    auto inst = instantiate(m, overrides);
    if (!inst.ok()) return inst.status();
    if (run.diagnostics.empty()) run.diagnostics = (*inst)->diagnostics();
    Status st = drive(**inst, g, run.rows);
    if (!st.ok()) {
      run.failure = st;
      break;
    }
  }
  return run;
}

}  // namespace algohost
