// EnhancerInstance — what the host sees of a loaded enhancer plugin, whatever its language.
//
// Loaders produce instances (native ones over the C function table of enhancer_api.h, Python ones
// over an algohost.Enhancer object); the enhancement stage (host/mem/plugin_enhancer_stage.h) sees
// only this interface. One instance serves one strategy for one run and is called by one thread at
// a time. A failed call returns a PluginError naming the enhancer, the call and the plugin's
// message (for Python: "file:line: Type: message"); it does not end the instance — the stage
// decides what a failure costs (docs/mem.md, "Enhancer plugins").
#pragma once

#include <string>
#include <string_view>

#include <algohost/enhancer_api.h>

#include "host/instance/call_failure.h"
#include "registry/common/status.h"

namespace algohost {

class EnhancerInstance {
 public:
  virtual ~EnhancerInstance() = default;

  // "name@version", for messages and reports.
  virtual const std::string& label() const = 0;

  // Judges one signal into `out`, which the caller pre-fills with the signal unchanged. The values
  // are the plugin's as given: the caller checks them against the contract before use.
  virtual Status enhance(const ah_enhance_input& in, ah_enhance_output& out) = 0;

  // Learns one closed trade.
  virtual Status learn(const ah_trade_outcome& outcome) = 0;

  // What the enhancer learned, as JSON text ("" when it keeps nothing), and its restoration.
  virtual Result<std::string> export_state() = 0;
  virtual Status import_state(std::string_view state) = 0;
};

}  // namespace algohost
