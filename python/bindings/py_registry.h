// algohost_registry: PyRegistry, the object behind the Python `Registry` class. It owns one
// catalog::Catalog and turns every call's result into plain Python values (dicts, lists, str,
// bool) and every non-ok Status into the mapped exception (py_errors.h).
//
// Threading: each catalog call runs with the GIL released and under the object's mutex (a Catalog
// is used by one thread at a time), so other Python threads run while SQLite works, and two
// threads sharing one Registry take turns. Arguments are converted before the GIL is released
// and results after it is taken back. All methods are called with the GIL held.
#pragma once

#include <pybind11/pybind11.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "python/bindings/py_errors.h"
#include "registry/catalog/catalog.h"

namespace algohost::pybind {

namespace py = pybind11;
using catalog::Json;

class PyRegistry {
 public:
  // Opens (creating and migrating when writable) the catalog at `path`.
  PyRegistry(const std::filesystem::path& path, const std::optional<std::filesystem::path>& data_dir,
             const std::string& actor, bool read_only);

  // Closes the database. Later calls raise FailedPreconditionError; closing twice is harmless.
  void close();
  bool closed();
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  std::string actor();
  void set_actor(const std::string& actor);
  std::string repr();

  // Discovery
  py::list list(const catalog::StrategyFilter& filter);
  py::dict get(const std::string& id_or_name);
  py::dict show(const std::string& id_or_name);
  py::list search(const std::string& text, int64_t limit, bool include_inactive);

  // Registration
  std::string register_strategy(catalog::Registration r);
  void update(const std::string& id_or_name, const catalog::StrategyUpdate& u);
  void deprecate(const std::string& id_or_name, const std::string& reason, const std::optional<std::string>& replacement);
  void archive(const std::string& id_or_name);

  // Versions
  py::dict create_version(const std::string& id_or_name, catalog::VersionCreate v);
  py::list versions(const std::string& id_or_name);
  py::dict get_version(const std::string& id, const std::optional<std::string>& number);

  // Performance
  std::string record_trade(const catalog::TradeRecord& t);
  py::list record_trades(const std::vector<catalog::TradeRecord>& trades, bool refresh_summaries);
  void refresh_summaries(const std::vector<std::string>& ids_or_names);
  py::dict performance(const std::string& id_or_name, const std::optional<std::string>& from,
                       const std::optional<std::string>& to, const std::optional<std::string>& version_id);
  py::list compare(const std::vector<std::string>& ids_or_names);
  py::list trades(const std::string& id_or_name, const std::optional<std::string>& run_id, int64_t limit);

  // Runs
  std::string start_run(const std::string& kind, const Json& strategies, const Json& data, const Json& config,
                        const std::string& engine_version);
  void finish_run(const std::string& run_id, const std::string& status, const std::string& error, const Json& results);
  py::list runs(int64_t limit);
  py::dict get_run(const std::string& run_id);

  // MEM
  bool is_mem_enhanced(const std::string& id_or_name);
  void mark_mem_enhanced(const std::string& id_or_name, const std::optional<std::string>& base);
  py::list learned_patterns(const std::string& id_or_name);
  py::object mem_state(const std::string& id_or_name);
  py::list mem_runs(const std::string& id_or_name, const std::optional<std::string>& run_id, int64_t limit);

  // Parameters
  void update_parameter(const std::string& id_or_name, const std::string& parameter, const Json& value,
                        const std::string& reason, const std::string& changed_by,
                        const std::optional<std::string>& ab_test_group);
  py::dict current_parameters(const std::string& id_or_name);
  py::dict version_parameters(const std::string& id_or_name, const std::string& version);
  py::list parameter_history(const std::string& id_or_name, const std::string& parameter);

  // Relationships and audit
  void link(const std::string& parent, const std::string& child, const std::string& type,
            const std::string& description, std::optional<double> similarity);
  py::list related(const std::string& id_or_name);
  py::list audit(const std::optional<std::string>& id_or_name, int64_t limit);

 private:
  // Runs f(catalog) with the GIL released and the mutex held; raises for a closed registry, a
  // non-ok Status or an exception. Returns the Result's value (nothing for a Status).
  template <class F>
  auto call(F&& f) {
    using R = std::invoke_result_t<F&, catalog::Catalog&>;
    std::optional<R> out;
    bool closed = false;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu_);
      if (!catalog_) {
        closed = true;
      } else {
        try {
          out.emplace(f(*catalog_));
        } catch (const nlohmann::json::exception& e) {  // e.g. text that is not UTF-8 inside a record
          out.emplace(R(Status::InvalidArgument(e.what())));
        } catch (const std::exception& e) {
          out.emplace(R(Status::Internal(e.what())));
        }
      }
    }
    if (closed) raise_status(Status::FailedPrecondition("the registry is closed"));
    if constexpr (std::is_same_v<R, Status>) {
      if (!out->ok()) raise_status(*out);
    } else {
      if (!out->ok()) raise_status(out->status());
      return std::move(*out).value();
    }
  }

  std::string path_;
  bool read_only_ = false;
  std::mutex mu_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace algohost::pybind
