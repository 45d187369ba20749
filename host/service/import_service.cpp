#include "host/service/import_service.h"

#include <algorithm>

#include "host/loader/sha256.h"
#include "registry/catalog/import.h"
#include "registry/manifest/manifest.h"

namespace algohost {
namespace fs = std::filesystem;

namespace {

Result<std::vector<fs::path>> metadata_files(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".json" && it->is_regular_file(ec)) found.push_back(it->path());
      if (ec) return Status::IoError(p.string() + ": " + ec.message());
      if (found.empty()) return Status::NotFound(p.string() + ": no *.json metadata file in this directory");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return Status::NotFound(p.string() + ": no such file or directory");
    }
  }
  return files;
}

ImportFileResult import_one(catalog::Catalog& catalog, const fs::path& file) {
  ImportFileResult r;
  r.file = file;
  ManifestReport report = load_manifest(file, ManifestUse::kMetadata);
  r.file = report.file;
  for (const auto& i : report.issues) (i.warning ? r.warnings : r.errors).push_back(i.to_string());
  if (!report.ok()) {
    r.status = Status::InvalidArgument(report.error_summary());
    return r;
  }
  const Manifest& m = *report.manifest;
  r.strategy = m.version_text.empty() ? m.name : m.id();
  // The content's hash: the document as read (comments and layout do not count).
  auto sha = sha256_bytes(m.raw.dump());
  if (!sha.ok()) {
    r.status = sha.status();
    return r;
  }
  auto imported = catalog::import_metadata(catalog, m, *sha);
  if (!imported.ok()) {
    r.status = imported.status();
    return r;
  }
  r.action = imported->action;
  return r;
}

}  // namespace

Result<std::vector<ImportFileResult>> import_metadata_paths(catalog::Catalog& catalog, const std::vector<fs::path>& paths) {
  auto files = metadata_files(paths);
  if (!files.ok()) return files.status();
  std::vector<ImportFileResult> out;
  for (const auto& f : *files) out.push_back(import_one(catalog, f));
  return out;
}

Status check_not_imported_only(catalog::Catalog& catalog, const std::string& spec) {
  const std::string name = spec.substr(0, spec.find('@'));
  auto rec = catalog.get(name);
  if (!rec.ok() || rec->runnable) return Status::Ok();
  std::string from = catalog::imported_from(*rec);
  return Status::Unsupported(name + " is in the catalog from imported metadata" + (from.empty() ? "" : " (" + from + ")") +
                             " but has no artifact the host can load; install a plugin with a manifest for it");
}

}  // namespace algohost
