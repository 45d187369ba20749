// Python strategies through the host (issue 5), each figure against a baseline measured in the
// same run (medians of the repetitions):
//   (a) a strategy whose body does nothing, over N bars through the host's instance, per-slice
//       drive (the GIL taken per call) and batch drive (once per chunk), versus a plain Python
//       loop calling the same method over a prebuilt list of bars: the host's overhead per call;
//   (b) a per-bar Wilder RSI class through the host versus the same class driven by a plain
//       Python loop over the same bars: the ratio (target at least 0.5);
//   (c) a vectorized strategy (numpy on_batch) over M bars, whole series in one call: bars/s
//       (target 20 M/s), and the same strategy end to end through the engine with the broker.
// Usage: bench_python [bars=1000000] [vector_bars=10000000] [repetitions=3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "host/data/synthetic.h"
#include "host/engine/engine.h"
#include "host/python/python_loader.h"
#include "host/python/python_runtime.h"
#include "tests/support/test_support.h"

using namespace algohost;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_python: %s\n", what.c_str());
  std::exit(1);
}

Manifest install(const fs::path& dir, const std::string& name, const std::string& cls) {
  nlohmann::ordered_json doc = {
      {"schema_version", "1.0.0"},
      {"name", name},
      {"display_name", name},
      {"version", "1.0.0"},
      {"implementation",
       {{"language", "python"}, {"module", "bench_strategies.py"}, {"class_name", cls}, {"sdk_api_version", "1.0"}}},
      {"parameters", {{"period", {{"type", "integer"}, {"default", 14}, {"min", 2}, {"max", 100}}}}},
      {"requirements", {{"symbols", 1}, {"min_data_points", 21}}},
  };
  const fs::path target = dir / name / "1.0.0";
  fs::create_directories(target);
  fs::copy_file(fs::path(ALGOHOST_BENCH_PY) / "bench_strategies.py", target / "bench_strategies.py",
                fs::copy_options::overwrite_existing);
  testing::write_file(target / "manifest.json", doc.dump(2));
  auto r = load_manifest(target / "manifest.json");
  if (!r.ok()) die(r.error_summary());
  return *r.manifest;
}

std::unique_ptr<StrategyInstance> make(PythonLoader& loader, const Manifest& m) {
  auto inst = loader.instantiate(m, *resolve_parameters(m, {}));
  if (!inst.ok()) die(inst.status().message());
  return std::move(inst).value();
}

// Per-slice drive: one on_slice per bar (the GIL taken and released per call).
double drive_slices(StrategyInstance& inst, const BarSeries& s) {
  const char* sym[1] = {s.symbol.c_str()};
  const uint8_t has[1] = {1};
  std::vector<ah_signal> out;
  auto t0 = Clock::now();
  for (size_t i = 0; i < s.size(); ++i) {
    const ah_bar b = s.bar(i);
    if (!inst.on_slice({b.ts_ms, 1, sym, &b, has, nullptr}, out).ok()) die("on_slice failed");
  }
  return seconds_since(t0);
}

// Batch drive in the engine's chunks.
double drive_batch(StrategyInstance& inst, const BarSeries& s, size_t chunk = 4096) {
  std::vector<ah_signal> out(std::min(chunk, s.size()));
  auto t0 = Clock::now();
  for (size_t i = 0; i < s.size(); i += chunk) {
    const size_t n = std::min(chunk, s.size() - i);
    if (!inst.on_batch(s.view(i, n), out.data()).ok()) die("on_batch failed");
  }
  return seconds_since(t0);
}

// The same class driven by a plain Python loop over a prebuilt list of the same bars, timed in
// Python. Returns seconds.
double python_loop(const fs::path& module_dir, const std::string& cls, const BarSeries& s) {
  python::GilLock gil;
  PyObject* main = PyImport_AddModule("__main__");
  PyObject* g = PyModule_GetDict(main);
  PyObject* bars = PyList_New(static_cast<Py_ssize_t>(s.size()));
  PyObject* bar_type = PyObject_GetAttrString(PyImport_ImportModule("algohost"), "Bar");
  for (size_t i = 0; i < s.size(); ++i) {
    PyObject* b = PyObject_CallFunction(bar_type, "Lddddd", static_cast<long long>(s.ts_ms[i]), s.open[i], s.high[i],
                                        s.low[i], s.close[i], s.volume[i]);
    PyList_SET_ITEM(bars, static_cast<Py_ssize_t>(i), b);
  }
  PyDict_SetItemString(g, "_bench_bars", bars);
  Py_DECREF(bars);
  const std::string code = "import importlib.util, sys, time\n"
                           "_spec = importlib.util.spec_from_file_location('_bench_plain', r'" +
                           (module_dir / "bench_strategies.py").string() +
                           "')\n"
                           "_m = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_m)\n"
                           "_s = _m." + cls + "({'period': 14})\n"
                           "_f = _s.on_bar\n"
                           "_t0 = time.perf_counter()\n"
                           "for _b in _bench_bars:\n"
                           "    _f(_b)\n"
                           "_bench_seconds = time.perf_counter() - _t0\n";
  if (PyRun_SimpleString(code.c_str()) != 0) die("plain Python loop failed");
  const double secs = PyFloat_AsDouble(PyDict_GetItemString(g, "_bench_seconds"));
  PyDict_DelItemString(g, "_bench_bars");
  return secs;
}

// The vectorized class called directly in Python on numpy copies of the same columns (the
// baseline for the host's on_batch path), timed in Python. Returns seconds.
double python_vectorized(const fs::path& module_dir, const BarSeries& v) {
  python::GilLock gil;
  PyObject* g = PyModule_GetDict(PyImport_AddModule("__main__"));
  auto put = [&](const char* name, const void* data, size_t bytes, const char* dtype) {
    PyObject* b = PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(bytes));
    PyDict_SetItemString(g, name, b);
    Py_DECREF(b);
    const std::string code = std::string("import numpy as np\n") + name + " = np.frombuffer(" + name + ", dtype=np." +
                             dtype + ").copy()\n";
    PyRun_SimpleString(code.c_str());
  };
  put("_v_ts", v.ts_ms.data(), v.size() * 8, "int64");
  put("_v_o", v.open.data(), v.size() * 8, "float64");
  put("_v_h", v.high.data(), v.size() * 8, "float64");
  put("_v_l", v.low.data(), v.size() * 8, "float64");
  put("_v_c", v.close.data(), v.size() * 8, "float64");
  put("_v_v", v.volume.data(), v.size() * 8, "float64");
  const std::string code = "import importlib.util, time\n"
                           "from algohost import Series\n"
                           "_spec = importlib.util.spec_from_file_location('_bench_vec', r'" +
                           (module_dir / "bench_strategies.py").string() +
                           "')\n"
                           "_m = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_m)\n"
                           "_s = _m.VecCross({})\n"
                           "_ser = Series('X', _v_ts, _v_o, _v_h, _v_l, _v_c, _v_v)\n"
                           "_t0 = time.perf_counter()\n"
                           "_r = _s.on_batch(_ser)\n"
                           "_bench_seconds = time.perf_counter() - _t0\n"
                           "del _r, _ser, _v_ts, _v_o, _v_h, _v_l, _v_c, _v_v\n";
  if (PyRun_SimpleString(code.c_str()) != 0) die("plain vectorized call failed");
  return PyFloat_AsDouble(PyDict_GetItemString(g, "_bench_seconds"));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int64_t bars = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  const int64_t vector_bars = argc > 2 ? std::stoll(argv[2]) : 10'000'000;
  const int reps = argc > 3 ? std::stoi(argv[3]) : 3;

  testing::TempDir dir;
  PythonLoader loader(PythonLoaderOptions{ALGOHOST_PYTHON_SDK_DIR, 5});
  const Manifest noop = install(dir.path(), "noop", "Noop");
  const Manifest rsi = install(dir.path(), "rsi_py", "Rsi");
  const Manifest vec = install(dir.path(), "vec_cross", "VecCross");
  const Manifest level = install(dir.path(), "vec_level", "VecLevel");

  SyntheticSpec spec;
  spec.symbols = 1;
  spec.bars = bars;
  spec.seed = 11;
  const MarketData md = generate_synthetic(spec);
  const BarSeries& s = md.series[0];
  std::printf("bench_python: %lld bars (per-bar), %lld bars (vectorized), %d repetitions; medians\n",
              static_cast<long long>(bars), static_cast<long long>(vector_bars), reps);

  std::vector<double> noop_slice, noop_batch, noop_loop, rsi_host, rsi_loop;
  for (int r = 0; r < reps; ++r) {
    noop_slice.push_back(drive_slices(*make(loader, noop), s));
    noop_batch.push_back(drive_batch(*make(loader, noop), s));
    noop_loop.push_back(python_loop(noop.dir, "Noop", s));
    rsi_host.push_back(drive_batch(*make(loader, rsi), s));
    rsi_loop.push_back(python_loop(rsi.dir, "Rsi", s));
  }
  const double n = static_cast<double>(bars);
  const double ns_slice = median(noop_slice) / n * 1e9, ns_batch = median(noop_batch) / n * 1e9;
  const double ns_loop = median(noop_loop) / n * 1e9;
  std::printf("\n(a) empty body, per call:\n");
  std::printf("  plain Python loop (baseline)        %8.1f ns\n", ns_loop);
  std::printf("  host, batch drive                   %8.1f ns   overhead over the loop %+7.1f ns\n", ns_batch,
              ns_batch - ns_loop);
  std::printf("  host, per-slice drive (GIL per call) %7.1f ns   overhead over the loop %+7.1f ns\n", ns_slice,
              ns_slice - ns_loop);
  const double host_rate = n / median(rsi_host), loop_rate = n / median(rsi_loop);
  std::printf("\n(b) Wilder RSI in Python:\n");
  std::printf("  plain Python loop (baseline)        %8.2f M bars/s\n", loop_rate / 1e6);
  std::printf("  through the host (batch drive)      %8.2f M bars/s   ratio %.3f (target >= 0.5)\n", host_rate / 1e6,
              host_rate / loop_rate);

  spec.bars = vector_bars;
  spec.seed = 12;
  spec.step_ms = 60'000;  // minute bars, as bench_engine: 10 M daily bars would be 27,000 years
  spec.timeframe = "1m";
  const MarketData big = generate_synthetic(spec);
  const BarSeries& v = big.series[0];
  std::vector<double> vec_instance, vec_engine, vec_python, level_instance;
  for (int r = 0; r < reps; ++r) {
    {
      auto inst = make(loader, level);
      std::vector<IndexedSignal> actionable;
      auto t_level = Clock::now();
      if (!inst->on_batch_sparse(v.view(0, v.size()), actionable).ok()) die("on_batch_sparse failed");
      level_instance.push_back(seconds_since(t_level));
    }
    vec_python.push_back(python_vectorized(vec.dir, v));
    auto inst = make(loader, vec);
    std::vector<IndexedSignal> actionable;
    auto t_sparse = Clock::now();
    if (!inst->on_batch_sparse(v.view(0, v.size()), actionable).ok()) die("on_batch_sparse failed");
    vec_instance.push_back(seconds_since(t_sparse));
    std::vector<StrategySetup> setups(1);
    setups[0].manifest = &vec;
    setups[0].label = vec.id();
    setups[0].instances.push_back(make(loader, vec));
    EngineOptions eo;
    auto t0 = Clock::now();
    EngineResult res = run_engine(big, setups, eo);
    vec_engine.push_back(seconds_since(t0));
    if (!res.outcomes[0].failure.ok()) die(res.outcomes[0].failure.message());
    if (r == 0) std::printf("\n(c) vectorized: %zu trades through the engine\n", res.outcomes[0].account->closed().size());
  }
  const double vn = static_cast<double>(vector_bars);
  std::printf("  the class called directly in Python  %7.2f M bars/s (baseline: numpy copies of the columns)\n",
              vn / median(vec_python) / 1e6);
  std::printf("  on_batch through the host instance  %8.2f M bars/s (target >= 20; whole series, one call)  ratio %.3f\n",
              vn / median(vec_instance) / 1e6, median(vec_python) / median(vec_instance));
  std::printf("  a nearly free strategy (the host's ceiling) %5.2f M bars/s\n", vn / median(level_instance) / 1e6);
  std::printf("  end to end through the engine       %8.2f M bars/s (broker, equity, metrics; no recording)\n",
              vn / median(vec_engine) / 1e6);
  return 0;
}
