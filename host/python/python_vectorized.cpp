// PythonInstance, vectorized strategies: numpy arrays of a series in, one action per bar out.
// The arrays are read-only views of the host's memory when a series is handed over whole (they
// must not outlive the call: checked), copies when the lookback bars of earlier parts are put
// in front. Only the actionable signals are converted, so a long series costs one Python call
// and a scan of its actions, not a 112-byte signal per bar.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstring>

#include "host/python/python_instance.h"

#include "host/python/call_time_limit.h"

namespace algohost::python {
namespace py = pybind11;

namespace {

// A numpy array over `data`: a read-only view (no copy) or a copy.
template <class T>
py::array_t<T> column(const T* data, size_t n, bool view) {
  if (view) {
    py::capsule none(data, [](void*) {});  // owns nothing: numpy neither copies nor frees
    py::array_t<T> a({static_cast<py::ssize_t>(n)}, {static_cast<py::ssize_t>(sizeof(T))}, data, none);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
  }
  py::array_t<T> a(static_cast<py::ssize_t>(n));
  if (n) std::memcpy(a.mutable_data(), data, n * sizeof(T));
  return a;
}

bool in_unit(double v) { return v >= 0.0 && v <= 1.0; }

}  // namespace

Status PythonInstance::call_vectorized(const ah_series& cols, bool zero_copy, size_t want, int64_t first_ts,
                                       std::vector<IndexedSignal>& out) {
  out.clear();
  const size_t n = cols.n;
  const size_t skip = n - want;
  std::string problem, traceback;
  try {
    py::array_t<int64_t> ts = column(cols.ts_ms, n, zero_copy);
    py::array_t<double> o = column(cols.open, n, zero_copy), h = column(cols.high, n, zero_copy),
                        l = column(cols.low, n, zero_copy), c = column(cols.close, n, zero_copy),
                        v = column(cols.volume, n, zero_copy);
    py::object carry = cols.carry ? py::object(column(cols.carry, n, zero_copy)) : py::none();
    py::object series = py::reinterpret_borrow<py::object>(rt_.sdk().series_type)(
        py::str(cols.symbol ? cols.symbol : ""), ts, o, h, l, c, v, carry);
    PyObject* raw = nullptr;
    {
      CallTimeLimit limit;
      raw = PyObject_CallOneArg(on_batch_, series.ptr());
    }
    std::string error;
    if (!raw) error = rt_.take_error(config_.plugin_dir, &traceback);  // frees the failed call's frames
    series = py::object();
    if (zero_copy) {
      // Views of the host's memory must not outlive the call (the memory is the run's).
      for (PyObject* a : {ts.ptr(), o.ptr(), h.ptr(), l.ptr(), c.ptr(), v.ptr(), carry.ptr()})
        if (a != Py_None && Py_REFCNT(a) > 1) {
          Py_XDECREF(raw);
          return fail(Status::PluginError(
              config_.label + ": on_batch kept a reference to the series' arrays after returning; they are views "
                              "of the host's memory, valid only during the call (keep a copy: numpy.array(x))"));
        }
    }
    if (!raw) return call_failed("on_batch", first_ts, error, traceback);
    py::object r = py::reinterpret_steal<py::object>(raw);
    py::object fields[6];
    if (py::isinstance(r, py::reinterpret_borrow<py::object>(rt_.sdk().batch_signals_type))) {
      for (int k = 0; k < 6; ++k) fields[k] = r[py::int_(k)];
    } else {
      fields[0] = r;
    }
    const char* field_names[6] = {"action", "confidence", "size", "stop_loss", "take_profit", "target"};
    // Field k as a 1-d array of n values, or false (absent, or `problem` set).
    auto as_array = [&](int k, auto& dst) -> bool {
      using Array = std::decay_t<decltype(dst)>;
      if (!fields[k] || fields[k].is_none()) return false;
      Array a = Array::ensure(fields[k]);
      if (!a) {
        PyErr_Clear();
        problem = std::string("on_batch returned ") + field_names[k] + " of type " + Py_TYPE(fields[k].ptr())->tp_name +
                  "; expected a numeric array";
        return false;
      }
      if (a.ndim() != 1 || static_cast<size_t>(a.size()) != n) {
        problem = std::string("on_batch returned ") + field_names[k] + " of length " + std::to_string(a.size()) +
                  "; expected one value per bar (" + std::to_string(n) + ")";
        return false;
      }
      dst = std::move(a);
      return true;
    };
    py::array_t<int64_t, py::array::forcecast> action;
    const bool have_action = as_array(0, action);
    if (problem.empty() && !have_action) problem = "on_batch returned None; expected actions or algohost.BatchSignals";
    py::array_t<double, py::array::forcecast> num[5];
    bool have[5] = {};
    for (int k = 1; k < 6 && problem.empty(); ++k) have[k - 1] = as_array(k, num[k - 1]);
    if (problem.empty()) {
      const int64_t* act = action.data();
      const double* f[5];
      for (int k = 0; k < 5; ++k) f[k] = have[k] ? num[k].data() : nullptr;
      size_t actionable = 0;
      for (size_t k = 0; k < want; ++k) actionable += act[skip + k] != AH_HOLD;
      out.reserve(actionable);
      for (size_t k = 0; k < want; ++k) {
        const size_t j = skip + k;
        const int64_t a = act[j];
        if (a == AH_HOLD) [[likely]]
          continue;
        if (a < AH_HOLD || a > AH_TARGET) {
          problem = "on_batch returned action " + std::to_string(a) + " at bar " + std::to_string(j) +
                    "; expected 0..3 (HOLD, BUY, SELL, TARGET)";
          break;
        }
        IndexedSignal& is = out.emplace_back();
        is.index = k;
        ah_signal& s = is.signal;
        s.ts_ms = cols.ts_ms[j];
        s.action = static_cast<int32_t>(a);
        s.confidence = f[0] ? f[0][j] : 1.0;
        s.position_size = f[1] ? f[1][j] : 0.0;
        s.stop_loss = f[2] ? f[2][j] : 0.0;
        s.take_profit = f[3] ? f[3][j] : 0.0;
        s.target_position = f[4] ? f[4][j] : 0.0;
        if (!in_unit(s.confidence) || !in_unit(s.position_size) || !(s.stop_loss >= 0) ||
            !std::isfinite(s.stop_loss) || !(s.take_profit >= 0) || !std::isfinite(s.take_profit) ||
            !(s.target_position >= -1 && s.target_position <= 1)) {
          problem = "on_batch returned an out-of-range value at bar " + std::to_string(j) +
                    " (confidence and size 0..1, stops >= 0, target -1..1)";
          break;
        }
      }
    }
  } catch (const py::error_already_set& e) {
    problem = std::string("on_batch: ") + e.what();
  } catch (const std::exception& e) {
    problem = std::string("on_batch: ") + e.what();
  }
  PyErr_Clear();
  if (!problem.empty()) {
    out.clear();
    return call_failed("on_batch", first_ts, problem, traceback);
  }
  call_succeeded();
  return Status::Ok();
}

Status PythonInstance::vectorized_part(const ah_series& part, std::vector<IndexedSignal>& out) {
  const int64_t first_ts = part.n ? part.ts_ms[0] : 0;
  Status st;
  if (h_ts_.empty()) {
    st = call_vectorized(part, true, part.n, first_ts, out);
  } else {
    // The lookback bars before this part, then the part, copied into one set of columns.
    auto join = [&](const auto& hist, const auto* cols) {
      std::vector<std::decay_t<decltype(hist[0])>> v(hist);
      v.insert(v.end(), cols, cols + part.n);
      return v;
    };
    auto ts = join(h_ts_, part.ts_ms);
    auto o = join(h_open_, part.open), h = join(h_high_, part.high), l = join(h_low_, part.low);
    auto c = join(h_close_, part.close), v = join(h_volume_, part.volume);
    std::vector<double> carry;
    if (h_has_carry_ || part.carry) {
      carry = h_has_carry_ ? h_carry_ : std::vector<double>(h_ts_.size(), 0.0);
      if (part.carry)
        carry.insert(carry.end(), part.carry, part.carry + part.n);
      else
        carry.resize(carry.size() + part.n, 0.0);
    }
    const ah_series cols{part.symbol, ts.size(), ts.data(), o.data(), h.data(), l.data(), c.data(), v.data(),
                         carry.empty() ? nullptr : carry.data()};
    st = call_vectorized(cols, false, part.n, first_ts, out);
  }
  remember_tail(part);
  return st;
}

Status PythonInstance::vectorized_slice(const ah_slice& slice, std::vector<ah_signal>& out) {
  if (slice.n_symbols != 1 || !slice.has_bar[0]) return Status::Ok();
  // Bar by bar over the same window the batch drive uses: the lookback bars and this one.
  const ah_bar& b = slice.bars[0];
  const double carry = slice.carry ? slice.carry[0] : 0.0;
  const ah_series one{slice.symbols[0], 1, &b.ts_ms, &b.open, &b.high, &b.low, &b.close, &b.volume,
                      slice.carry ? &carry : nullptr};
  std::vector<IndexedSignal> actionable;
  // A one-bar part: never zero-copy here, since the history (if any) is put in front. With no
  // history (lookback 0 or the first bar) the views are of this call's locals, equally safe.
  Status st = vectorized_part(one, actionable);
  if (st.ok() && !actionable.empty()) out.push_back(actionable.back().signal);
  return st;
}

Status PythonInstance::on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done) {
  if (!vectorized_) return StrategyInstance::on_batch_sparse(series, out, done);
  out.clear();
  uint64_t local = 0;
  uint64_t& i = done ? *done : local;
  i = 0;
  if (failed()) return failure();
  GilLock gil;
  Status st = vectorized_part(series, out);
  if (!st.ok()) return st;
  i = series.n;
  return Status::Ok();
}

void PythonInstance::remember_tail(const ah_series& s) {
  const size_t keep = config_.lookback;
  if (keep == 0) return;
  // Keeps the last `keep` of (history, part) without copying a long part whole.
  auto push = [&](auto& hist, const auto* part) {
    if (s.n >= keep) {
      hist.assign(part + (s.n - keep), part + s.n);
      return;
    }
    hist.insert(hist.end(), part, part + s.n);
    if (hist.size() > keep) hist.erase(hist.begin(), hist.end() - static_cast<std::ptrdiff_t>(keep));
  };
  if (s.carry && !h_has_carry_) {
    h_carry_.assign(h_ts_.size(), 0.0);
    h_has_carry_ = true;
  }
  push(h_ts_, s.ts_ms);
  push(h_open_, s.open);
  push(h_high_, s.high);
  push(h_low_, s.low);
  push(h_close_, s.close);
  push(h_volume_, s.volume);
  if (h_has_carry_) {
    if (s.carry) {
      push(h_carry_, s.carry);
    } else {
      std::vector<double> zeros(s.n, 0.0);
      push(h_carry_, zeros.data());
    }
  }
}

}  // namespace algohost::python
