#include "registry/catalog/sync.h"

#include <algorithm>
#include <map>

namespace algohost::catalog {

namespace {

// raw[object][key] when it is a string, else "" (the free-form blocks may hold anything).
std::string text_in(const Json& raw, const char* object, const char* key) {
  auto o = raw.find(object);
  if (o == raw.end() || !o->is_object()) return "";
  auto v = o->find(key);
  return v != o->end() && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

Registration registration_from(const Manifest& m, const std::string& origin) {
  Registration r;
  r.name = m.name;
  r.display_name = m.display_name;
  r.description = m.description;
  r.category = m.category;
  r.sub_category = m.sub_category;
  r.complexity = m.complexity;
  r.language = m.language;
  r.file_path = m.artifact.string();
  r.class_name = m.class_name;
  r.origin = origin;
  r.status = m.status;
  r.tags = m.tags;
  r.requires_short_selling = m.short_selling;
  r.requires_margin = m.margin;
  r.mem_learning_enabled = m.mem_enabled;
  r.created_by = text_in(m.raw, "metadata", "created_by");
  if (m.raw.contains("academic_foundation")) r.academic_source = m.raw["academic_foundation"].dump();
  std::string keywords;
  for (const auto& a : m.asset_classes) keywords += (keywords.empty() ? "" : " ") + a;
  r.search_keywords = keywords;
  r.metadata = m.raw;
  return r;
}

VersionCreate version_create_from(const Manifest& m, const std::string& sha) {
  VersionCreate v;
  v.version = m.version_text;
  v.parameters = m.raw.contains("parameters") ? m.raw["parameters"] : Json::object();
  v.default_parameters = Json::object();
  for (const auto& p : m.parameters) v.default_parameters[p.name] = p.default_value;
  v.artifact_sha256 = sha;
  v.artifact_path = m.artifact.string();
  v.validation_status = sha.empty() ? "failed" : "passed";
  if (m.raw.contains("changelog") && m.raw["changelog"].is_string()) v.changelog = m.raw["changelog"];
  v.created_by = text_in(m.raw, "metadata", "created_by");
  return v;
}

namespace {

// The descriptive fields of `r` that differ from `s`.
StrategyUpdate differences(const StrategyRecord& s, const Registration& r) {
  StrategyUpdate u;
  if (s.display_name != r.display_name) u.display_name = r.display_name;
  if (s.description != r.description) u.description = r.description;
  if (s.category != r.category) u.category = r.category;
  if (s.sub_category != r.sub_category) u.sub_category = r.sub_category;
  if (!r.complexity.empty() && s.complexity_level != r.complexity) u.complexity = r.complexity;
  if (s.search_keywords != r.search_keywords) u.search_keywords = r.search_keywords;
  std::vector<std::string> a = s.tags, b = r.tags;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  if (a != b) u.tags = r.tags;
  if (s.metadata != r.metadata) u.metadata = r.metadata;
  if (s.status != r.status && s.status != "deprecated" && s.status != "archived") u.status = r.status;
  if (s.requires_short_selling != r.requires_short_selling) u.requires_short_selling = r.requires_short_selling;
  if (s.requires_margin != r.requires_margin) u.requires_margin = r.requires_margin;
  // A plugin installed for a strategy imported from metadata makes it runnable.
  if (s.runnable != r.runnable) u.runnable = r.runnable;
  return u;
}

bool empty(const StrategyUpdate& u) {
  return !u.display_name && !u.description && !u.category && !u.sub_category && !u.complexity && !u.status &&
         !u.search_keywords && !u.academic_source && !u.tags && !u.requires_short_selling && !u.requires_margin &&
         !u.mem_learning_enabled && !u.metadata && !u.runnable;
}

}  // namespace

std::optional<StrategyUpdate> descriptive_update(const StrategyRecord& s, const Registration& r) {
  StrategyUpdate u = differences(s, r);
  if (empty(u)) return std::nullopt;
  return u;
}

namespace {

// A failure of the catalog file rather than of one manifest's entry.
bool storage_failure(const Status& st) {
  return st.code() == StatusCode::kCorruption || st.code() == StatusCode::kIoError;
}

}  // namespace

SyncReport sync_manifests(Catalog& catalog, const std::vector<SyncInput>& inputs) {
  SyncReport report;
  // One transaction for the whole sync; each manifest's changes nest inside it, so a refused one
  // rolls back alone.
  Status outer = catalog.in_transaction([&]() -> Status {
  // Oldest version first, so that the newest manifest's description is applied last.
  std::vector<SyncInput> sorted = inputs;
  std::stable_sort(sorted.begin(), sorted.end(), [](const SyncInput& a, const SyncInput& b) {
    if (a.manifest->name != b.manifest->name) return a.manifest->name < b.manifest->name;
    return compare(a.manifest->version, b.manifest->version) < 0;
  });
  std::map<std::string, const SyncInput*> newest;
  for (const auto& in : sorted) newest[in.manifest->name] = &in;

  for (const auto& in : sorted) {
    const Manifest& m = *in.manifest;
    const std::string label = m.id();
    if (m.kind != "strategy") continue;
    bool changed = false;
    auto existing = catalog.get(m.name);
    if (!existing.ok() && existing.status().code() == StatusCode::kNotFound) {
      auto id = catalog.register_strategy(registration_from(m, in.origin));
      if (!id.ok()) {
        if (storage_failure(id.status())) return id.status();
        report.problems.push_back(label + ": " + id.status().message());
        continue;
      }
      ++report.registered;
      changed = true;
    } else if (!existing.ok()) {
      if (storage_failure(existing.status())) return existing.status();
      report.problems.push_back(label + ": " + existing.status().message());
      continue;
    }
    auto had = catalog.get_version(m.name, m.version_text);
    auto version = catalog.create_version(m.name, version_create_from(m, in.artifact_sha256));
    if (!version.ok()) {
      if (storage_failure(version.status())) return version.status();
      report.problems.push_back(label + ": " + version.status().message());
      continue;
    }
    if (!had.ok()) {
      ++report.versions_added;
      changed = true;
    }
    if (newest[m.name] == &in && existing.ok()) {
      StrategyUpdate u = differences(*existing, registration_from(m, in.origin));
      if (!empty(u)) {
        if (Status st = catalog.update_strategy(m.name, u); !st.ok()) {
          if (storage_failure(st)) return st;
          report.problems.push_back(label + ": " + st.message());
        } else {
          ++report.updated;
          changed = true;
        }
      }
    }
    if (!changed) ++report.unchanged;
  }
  return Status::Ok();
  });
  if (outer.ok()) return report;
  if (storage_failure(outer)) {
    report = SyncReport{};  // rolled back: nothing of it was applied
    report.fatal = outer;
  } else {
    report.problems.push_back("sync: " + outer.message());
  }
  return report;
}

}  // namespace algohost::catalog
