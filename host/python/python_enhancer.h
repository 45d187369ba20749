// PythonEnhancer — an EnhancerInstance over an object of a Python enhancer class (a subclass of
// algohost.Enhancer, python/algohost/enhancer.py).
//
// enhance() hands the object an algohost.EnhanceContext (with its Bar and MarketContext) and reads
// back None (no change) or an algohost.EnhanceResult: a None field keeps the pre-filled value,
// confidence and size must be numbers, the reasoning a str (cut to the ABI's 255 bytes). learn()
// hands it an algohost.TradeOutcome. A call that raises, or returns anything else, is a PluginError
// naming the enhancer and "file:line: Type: message" (lines in the plugin's own folder preferred);
// the first failures are logged with their traceback at debug level. The stage counts failures
// and decides when to stop calling (host/mem/plugin_enhancer_stage.h). The GIL is held only inside
// calls.
#pragma once

#include <Python.h>

#include <filesystem>
#include <memory>
#include <string>

#include "host/instance/enhancer_instance.h"
#include "host/python/python_object.h"

namespace algohost::python {

class PythonEnhancer final : public EnhancerInstance {
 public:
  // Constructs `cls(params)`. Errors: PluginError naming the file and line where it failed.
  static Result<std::unique_ptr<PythonEnhancer>> create(PythonRuntime& rt, PyObject* cls, const std::string& params_json,
                                                        std::string label, std::filesystem::path plugin_dir);
  ~PythonEnhancer() override;

  const std::string& label() const override { return plugin_.label; }
  Status enhance(const ah_enhance_input& in, ah_enhance_output& out) override;
  Status learn(const ah_trade_outcome& outcome) override;
  Result<std::string> export_state() override { return python::export_state(plugin_, obj_); }
  Status import_state(std::string_view state) override { return python::import_state(plugin_, obj_, state); }

 private:
  explicit PythonEnhancer(PluginObject plugin) : plugin_(std::move(plugin)) {}
  // The pending Python error (or `problem`) as "<label>: <call> failed: ...". Needs the GIL.
  Status failed(const char* call, const std::string& problem = {});
  // Reads an EnhanceResult into `out`; "" when fine, else what is wrong. Needs the GIL.
  std::string read_result(PyObject* r, ah_enhance_output& out) const;

  PluginObject plugin_;
  PyObject* obj_ = nullptr;
  uint64_t logged_ = 0;
};

}  // namespace algohost::python
