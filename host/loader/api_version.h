// The ABI compatibility rule, in one place: a plugin built against MAJOR.MINOR is accepted when
// MAJOR equals the host's and MINOR is not newer than the host's.
#pragma once

#include <string>

#include <algohost/enhancer_api.h>
#include <algohost/strategy_api.h>

#include "registry/common/status.h"

namespace algohost {

// FailedPrecondition naming both versions and `file` when the plugin's version is refused.
Status check_api_version(unsigned plugin_major, unsigned plugin_minor, const std::string& file);

// The same rule against another contract's version (e.g. the Python SDK's), named `what` in
// the message ("Python SDK API").
Status check_api_version(unsigned plugin_major, unsigned plugin_minor, unsigned host_major, unsigned host_minor,
                         const std::string& file, const std::string& what);

// Checks a descriptor read from `file`: non-null, compatible version, large enough for API 1.0,
// every 1.0 function present. Later entries are optional (1.2's import_state_from): a 1.0 or 1.1
// descriptor, shorter, loads unchanged, and callers test struct_size and null before using them.
Status check_descriptor(const ah_strategy_api* api, const std::string& file);

// The rule against the enhancer ABI (enhancer_api.h), named "enhancer API" in messages.
Status check_enhancer_api_version(unsigned plugin_major, unsigned plugin_minor, const std::string& file);

// Checks an enhancer descriptor read from `file`: non-null, compatible version, large enough for
// enhancer API 1.0, every required function present, export_state and import_state both or neither.
Status check_enhancer_descriptor(const ah_enhancer_api* api, const std::string& file);

}  // namespace algohost
