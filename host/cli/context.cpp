#include "host/cli/context.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "host/cli/exit_codes.h"

namespace algohost::cli {
namespace fs = std::filesystem;

PluginService& Context::plugins() {
  if (!plugins_) {
    PluginServiceOptions o;
    for (const auto& d : plugin_dirs) o.plugin_dirs.emplace_back(d);
    o.plugin_path_env = std::getenv("ALGOHOST_PLUGIN_PATH");
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) o.builtin_dirs = builtin_plugin_dirs(exe);  // the Python SDK is found beside them
    if (python_max_failures) o.python_max_consecutive_failures = *python_max_failures;
    if (python_call_timeout) o.python_call_time_limit_s = *python_call_timeout;
    plugins_ = std::make_unique<PluginService>(std::move(o));
  }
  return *plugins_;
}

catalog::Catalog* Context::catalog() {
  if (!catalog_) {
    const char* user = std::getenv("USER");
    if (!user) user = std::getenv("LOGNAME");
    if (!user) {
      const passwd* pw = getpwuid(getuid());
      user = pw ? pw->pw_name : nullptr;
    }
    catalog_ = std::make_unique<CatalogService>(plugins(), resolve_catalog_location(catalog_path, std::getenv("ALGOHOST_HOME")),
                                                std::string("cli:") + (user ? user : "unknown"));
  }
  auto c = catalog_->catalog();
  if (!c.ok()) {
    exit_code = report_error(c.status());
    return nullptr;
  }
  return *c;
}

std::string action_name(int32_t action) {
  switch (action) {
    case AH_HOLD: return "hold";
    case AH_BUY: return "buy";
    case AH_SELL: return "sell";
    case AH_TARGET: return "target";
  }
  return "action(" + std::to_string(action) + ")";
}

Result<std::map<std::string, std::string>> parse_param_overrides(const std::vector<std::string>& items,
                                                                 const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument(flag + " '" + item + "': expected NAME=VALUE");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace algohost::cli
