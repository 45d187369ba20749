#include "host/loader/api_version.h"

#include <initializer_list>

namespace algohost {

Status check_api_version(unsigned plugin_major, unsigned plugin_minor, unsigned host_major, unsigned host_minor,
                         const std::string& file, const std::string& what) {
  const std::string plugin = std::to_string(plugin_major) + "." + std::to_string(plugin_minor);
  const std::string host = std::to_string(host_major) + "." + std::to_string(host_minor);
  if (plugin_major != host_major)
    return Status::FailedPrecondition(file + ": plugin " + what + " " + plugin + " is incompatible with host " + what +
                                      " " + host + " (major versions differ)");
  if (plugin_minor > host_minor)
    return Status::FailedPrecondition(file + ": plugin " + what + " " + plugin + " is newer than host " + what + " " +
                                      host + " (upgrade the host)");
  return Status::Ok();
}

Status check_api_version(unsigned plugin_major, unsigned plugin_minor, const std::string& file) {
  return check_api_version(plugin_major, plugin_minor, AH_API_VERSION_MAJOR, AH_API_VERSION_MINOR, file, "API");
}

namespace {

struct Slot {
  const char* name;
  bool present;
};

// The checks every descriptor gets: its size covers API 1.0 and every required function is there.
Status check_table(uint32_t struct_size, size_t min_size, std::initializer_list<Slot> required, const std::string& file) {
  if (struct_size < min_size)
    return Status::PluginError(file + ": descriptor is " + std::to_string(struct_size) + " bytes, API 1.0 needs at least " +
                               std::to_string(min_size));
  for (const auto& s : required)
    if (!s.present) return Status::PluginError(file + ": descriptor has no '" + s.name + "' function");
  return Status::Ok();
}

}  // namespace

Status check_descriptor(const ah_strategy_api* api, const std::string& file) {
  if (!api) return Status::PluginError(file + ": " ALGOHOST_ENTRY_SYMBOL "() returned a null descriptor");
  Status v = check_api_version(api->api_major, api->api_minor, file);
  if (!v.ok()) return v;
  return check_table(api->struct_size, AH_API_1_0_SIZE,
                     {{"create", api->create != nullptr},
                      {"destroy", api->destroy != nullptr},
                      {"describe", api->describe != nullptr},
                      {"on_slice", api->on_slice != nullptr},
                      {"on_batch", api->on_batch != nullptr},
                      {"export_state", api->export_state != nullptr},
                      {"import_state", api->import_state != nullptr},
                      {"last_error", api->last_error != nullptr}},
                     file);
}

Status check_enhancer_api_version(unsigned plugin_major, unsigned plugin_minor, const std::string& file) {
  return check_api_version(plugin_major, plugin_minor, AH_ENHANCER_API_VERSION_MAJOR, AH_ENHANCER_API_VERSION_MINOR,
                           file, "enhancer API");
}

Status check_enhancer_descriptor(const ah_enhancer_api* api, const std::string& file) {
  if (!api) return Status::PluginError(file + ": " ALGOHOST_ENHANCER_ENTRY_SYMBOL "() returned a null descriptor");
  Status v = check_enhancer_api_version(api->api_major, api->api_minor, file);
  if (!v.ok()) return v;
  Status t = check_table(api->struct_size, AH_ENHANCER_API_1_0_SIZE,
                         {{"create", api->create != nullptr},
                          {"destroy", api->destroy != nullptr},
                          {"enhance", api->enhance != nullptr},
                          {"learn", api->learn != nullptr},
                          {"last_error", api->last_error != nullptr}},
                         file);
  if (!t.ok()) return t;
  if ((api->export_state == nullptr) != (api->import_state == nullptr))
    return Status::PluginError(file + ": descriptor has one of export_state and import_state; give both or neither");
  return Status::Ok();
}

}  // namespace algohost
