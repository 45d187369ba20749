#include "host/dashboard/assets.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "host/dashboard/embedded.h"

namespace algohost::dashboard {

std::optional<std::filesystem::path> override_dir() {
  const char* dir = std::getenv(kDashboardDirEnv);
  if (!dir || !*dir) return std::nullopt;
  return std::filesystem::path(dir);
}

Status check_asset_path(std::string_view path) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("dashboard file '" + std::string(path) + "': " + why);
  };
  if (path.empty()) return bad("empty path");
  if (path.front() == '/') return bad("absolute path");
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos)
    return bad("backslash or NUL in the path");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return bad("'..', '.' or empty segments are refused");
    start = end + 1;
  }
  return Status::Ok();
}

Result<std::string> read_asset(std::string_view path) {
  if (Status st = check_asset_path(path); !st.ok()) return st;
  if (auto dir = override_dir()) {
    const std::filesystem::path file = *dir / std::string(path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      return Status::NotFound("dashboard file '" + std::string(path) + "' is not in " + dir->string() + " (" +
                              kDashboardDirEnv + ")");
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in && !in.eof()) return Status::IoError(file.string() + ": cannot read");
    return bytes.str();
  }
  for (const EmbeddedFile* f = embedded_files(); f->path; ++f)
    if (path == f->path) return std::string(reinterpret_cast<const char*>(f->data), f->size);
  return Status::NotFound("dashboard file '" + std::string(path) + "' is not embedded in this build");
}

std::string content_type_for(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "ico") return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace algohost::dashboard
