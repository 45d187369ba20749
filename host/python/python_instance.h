// PythonInstance — a StrategyInstance over an object of a Python strategy class.
//
// How it is driven depends on what the class overrides (see python/algohost/strategy.py):
//   - on_bar only: single-symbol, per bar. on_batch() walks the series calling on_bar with the
//     GIL taken once per call rather than once per bar.
//   - on_slice: per slice (multi-symbol strategies, or single-symbol ones that want slices).
//   - on_batch (vectorized): numpy arrays of the series in, an action per bar out. The arrays are
//     read-only views of the host's memory when the series is handed over whole; later parts
//     get the `lookback` bars before them prepended (copied). on_slice() drives it bar by bar
//     over the same window, so both drives agree for a strategy that honours its lookback.
//
// Every value Python returns is checked (type, action code, finite numbers in range, symbol
// index) before it becomes an ah_signal. A call that raises, or returns something wrong, is
// logged with its traceback (the first few in full), counted in call_errors(), and its signal
// skipped (a hold); after `max_consecutive_failures` failures in a row the instance fails with a
// message that says why, and is never called again. The GIL is held only inside calls.
//
// State (hot swap): export_state and import_state are Unsupported when the class does not override
// them, or raises NotImplementedError, and for a vectorized strategy (its state is its lookback
// window, which the host warms it up on). import_state_from passes from_version= when the class's
// import_state takes it (inspected once, at creation), else calls import_state(data). A failed
// state call is not counted against max_consecutive_failures and does not fail the instance.
#pragma once

#include <Python.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/instance/strategy_instance.h"
#include "host/python/python_object.h"
#include "host/python/python_runtime.h"

namespace algohost::python {

struct PythonInstanceConfig {
  std::string label;                   // "name@version"
  std::filesystem::path plugin_dir;    // where the plugin's own code lives (for error places)
  uint32_t max_consecutive_failures = 5;
  size_t lookback = 0;                 // vectorized: bars of history before each part
  bool multi_symbol = false;           // manifest requirements.symbols != 1
};

class PythonInstance final : public StrategyInstance {
 public:
  // Constructs `cls(params)` (params: algohost.Params of `params_json`). Errors: PluginError
  // naming the file and line where the constructor failed. Takes the GIL itself.
  static Result<std::unique_ptr<PythonInstance>> create(PythonRuntime& rt, PyObject* cls, const std::string& params_json,
                                                        PythonInstanceConfig config);
  ~PythonInstance() override;

  const std::string& label() const override { return config_.label; }
  const std::vector<std::string>& diagnostics() const override { return diagnostics_; }
  bool supports_batch() const override { return !config_.multi_symbol; }
  bool prefers_sparse_batch() const override { return vectorized_; }
  Status on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done = nullptr) override;
  uint64_t call_errors() const override { return errors_; }
  // As for native strategies: a signal for every symbol with a bar in the slice, a hold where the
  // strategy returned none for it (None, a list without it, or a skipped failed call).
  Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) override;
  Status on_batch(const ah_series& series, ah_signal* out, uint64_t* done = nullptr) override;
  Result<std::string> export_state() override;
  Status import_state(std::string_view state) override;
  Status import_state_from(std::string_view state, const std::string& from_version) override;

  bool vectorized() const { return vectorized_; }

 private:
  PythonInstance(PythonRuntime& rt, PythonInstanceConfig config) : rt_(rt), config_(std::move(config)) {}
  PluginObject plugin_object() const { return {rt_, config_.label, config_.plugin_dir}; }
  Status state_unsupported(const char* call) const;

  // A failed call (Python error pending, or `problem` given with the traceback if any): logs,
  // counts, and returns ok (skip)
  // or, at the limit, fails the instance. Needs the GIL.
  Status call_failed(const char* call, int64_t ts_ms, const std::string& problem = {}, std::string traceback = {});
  void call_succeeded() { consecutive_ = 0; }

  // on_slice's call: the signals the strategy returned (no holds added).
  Status slice_signals(const ah_slice& slice, std::vector<ah_signal>& out);
  PyObject* make_slice(const ah_slice& s);
  // Converts one returned signal; "" when fine, else what is wrong.
  std::string to_signal(PyObject* obj, const ah_slice* slice, int64_t ts_ms, ah_signal& out) const;
  // Converts on_slice's result (None, a Signal, or a sequence of Signals) into `out`.
  std::string to_signals(PyObject* result, const ah_slice& slice, std::vector<ah_signal>& out) const;
  // Vectorized (python_vectorized.cpp), all needing the GIL:
  // on_batch over the columns [0, n); the actionable signals of the last `want` bars into `out`,
  // indexed from the first of those bars. A failed call leaves `out` empty.
  Status call_vectorized(const ah_series& cols, bool zero_copy, size_t want, int64_t first_ts,
                         std::vector<IndexedSignal>& out);
  // One part of a series: the lookback bars kept from earlier parts, then this part (a zero-copy
  // call when there is no history); remembers the new tail.
  Status vectorized_part(const ah_series& part, std::vector<IndexedSignal>& out);
  Status vectorized_slice(const ah_slice& slice, std::vector<ah_signal>& out);
  void remember_tail(const ah_series& series);

  PythonRuntime& rt_;
  PythonInstanceConfig config_;
  PyObject* obj_ = nullptr;       // the strategy object
  PyObject* on_bar_ = nullptr;    // bound methods, looked up once
  PyObject* on_slice_ = nullptr;
  PyObject* on_batch_ = nullptr;
  bool per_bar_ = false;          // on_bar is the fast path (on_slice not overridden)
  bool vectorized_ = false;
  bool exports_state_ = false;         // the class overrides export_state
  bool imports_state_ = false;         // ... import_state
  bool import_takes_version_ = false;  // ... and its import_state takes from_version=
  PyObject* symbols_ = nullptr;   // tuple of the slice's symbol names, made once
  std::vector<std::string> symbol_names_;
  std::vector<std::string> diagnostics_;
  uint64_t errors_ = 0;
  uint32_t consecutive_ = 0;
  uint64_t logged_ = 0;
  // Vectorized history: the last `lookback` bars seen, as columns.
  std::vector<int64_t> h_ts_;
  std::vector<double> h_open_, h_high_, h_low_, h_close_, h_volume_, h_carry_;
  bool h_has_carry_ = false;
};

}  // namespace algohost::python
