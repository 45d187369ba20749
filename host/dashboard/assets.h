// The dashboard's files: the copy embedded in the binary (embedded.h), or — when the environment
// variable ALGOHOST_DASHBOARD_DIR names a folder — that folder's files, read on each call, so that
// the page can be worked on without rebuilding the host. One lookup for the HTTP server (static
// files) and `algohost report` (report.html and what it includes).
//
// A path is relative to the web folder ("index.html", "js/app.js"); a path that is empty, absolute,
// or has a "", "." or ".." segment or a backslash or NUL is InvalidArgument naming it; a file
// that is not there is NotFound naming it (and the folder, for the override).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "registry/common/status.h"

namespace algohost::dashboard {

constexpr const char* kDashboardDirEnv = "ALGOHOST_DASHBOARD_DIR";

// The override folder when ALGOHOST_DASHBOARD_DIR is set and not empty.
std::optional<std::filesystem::path> override_dir();

// InvalidArgument when `path` is not a safe relative path (see above).
Status check_asset_path(std::string_view path);

// The file's bytes, from the override folder when there is one, else from the embedded copy.
Result<std::string> read_asset(std::string_view path);

// Content-Type from the extension: html, js, mjs, css, svg, png, json, map, woff2, txt, ico;
// anything else application/octet-stream.
std::string content_type_for(std::string_view path);

}  // namespace algohost::dashboard
