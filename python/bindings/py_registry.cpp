// algohost_registry: PyRegistry (see py_registry.h).
#include "python/bindings/py_registry.h"

#include <algorithm>

#include "python/bindings/py_convert.h"

namespace algohost::pybind {

using namespace catalog;

namespace {

template <class V>
Json json_array(const std::vector<V>& values) {
  Json out = Json::array();
  for (const auto& v : values) out.push_back(v.to_json());
  return out;
}

Json strategy_json(const StrategyRecord& s) {
  Json j = s.to_json();
  j["metadata"] = s.metadata;
  return j;
}

// The value stored as JSON text, decoded; the text itself when it does not parse.
Json decoded(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json v = Json::parse(*text, nullptr, false);
  return v.is_discarded() ? Json(*text) : v;
}

// A page size: never negative; very large values mean "all" and are capped so that no arithmetic
// on them overflows.
int64_t checked_limit(int64_t limit) {
  if (limit < 0) raise_status(Status::InvalidArgument("limit must not be negative (got " + std::to_string(limit) + ")"));
  return std::min<int64_t>(limit, int64_t{1} << 40);
}

py::dict as_dict(const Json& j) { return py::reinterpret_borrow<py::dict>(to_py(j)); }
py::list as_list(const Json& j) { return py::reinterpret_borrow<py::list>(to_py(j)); }

}  // namespace

PyRegistry::PyRegistry(const std::filesystem::path& path, const std::optional<std::filesystem::path>& data_dir,
                       const std::string& actor, bool read_only)
    : path_(path.string()), read_only_(read_only) {
  CatalogOptions options;
  options.read_only = read_only;
  options.actor = actor;
  options.data_dir = data_dir;
  std::optional<Result<std::unique_ptr<Catalog>>> opened;
  {
    py::gil_scoped_release release;  // opening migrates the schema: may take a while
    opened.emplace(Catalog::open(path, std::move(options)));
  }
  if (!opened->ok()) raise_status(opened->status());
  catalog_ = std::move(**opened);
}

void PyRegistry::close() {
  std::unique_ptr<Catalog> doomed;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mu_);
    doomed = std::move(catalog_);
    doomed.reset();  // closes the database without the GIL
  }
}

bool PyRegistry::closed() {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(mu_);
  return !catalog_;
}

std::string PyRegistry::actor() {
  return call([](Catalog& c) -> Result<std::string> { return c.actor(); });
}

void PyRegistry::set_actor(const std::string& actor) {
  if (actor.empty()) raise_status(Status::InvalidArgument("actor: must not be empty"));
  call([&](Catalog& c) -> Status {
    c.set_actor(actor);
    return Status::Ok();
  });
}

std::string PyRegistry::repr() {
  if (closed()) return "<Registry " + py::repr(py::str(path_)).cast<std::string>() + " closed>";
  return "<Registry " + py::repr(py::str(path_)).cast<std::string>() + " actor=" +
         py::repr(py::str(actor())).cast<std::string>() + (read_only_ ? " read-only>" : ">");
}

// ---- Discovery ------------------------------------------------------------------------------------

py::list PyRegistry::list(const StrategyFilter& filter) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto rows = c.list(filter);
    if (!rows.ok()) return rows.status();
    return json_array(*rows);
  }));
}

py::dict PyRegistry::get(const std::string& id_or_name) {
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    auto s = c.get(id_or_name);
    if (!s.ok()) return s.status();
    return strategy_json(*s);
  }));
}

py::dict PyRegistry::show(const std::string& id_or_name) {
  // The same shape as `algohost strategies show --json`.
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    auto d = c.details(id_or_name);
    if (!d.ok()) return d.status();
    return d->to_json();
  }));
}

py::list PyRegistry::search(const std::string& text, int64_t limit, bool include_inactive) {
  limit = checked_limit(limit);
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto hits = c.search(text, limit, include_inactive);
    if (!hits.ok()) return hits.status();
    Json out = Json::array();
    for (const auto& h : *hits) {
      Json j = h.strategy.to_json();
      j["rank"] = h.rank;
      out.push_back(std::move(j));
    }
    return out;
  }));
}

// ---- Registration ---------------------------------------------------------------------------------

std::string PyRegistry::register_strategy(Registration r) {
  return call([&](Catalog& c) -> Result<std::string> {
    if (r.created_by.empty()) r.created_by = c.actor();
    return c.register_strategy(r);
  });
}

void PyRegistry::update(const std::string& id_or_name, const StrategyUpdate& u) {
  call([&](Catalog& c) { return c.update_strategy(id_or_name, u); });
}

void PyRegistry::deprecate(const std::string& id_or_name, const std::string& reason,
                           const std::optional<std::string>& replacement) {
  call([&](Catalog& c) { return c.deprecate(id_or_name, reason, replacement); });
}

void PyRegistry::archive(const std::string& id_or_name) {
  call([&](Catalog& c) { return c.archive(id_or_name); });
}

// ---- Versions -------------------------------------------------------------------------------------

py::dict PyRegistry::create_version(const std::string& id_or_name, VersionCreate v) {
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    if (v.created_by.empty()) v.created_by = c.actor();
    auto created = c.create_version(id_or_name, v);
    if (!created.ok()) return created.status();
    return created->to_json();
  }));
}

py::list PyRegistry::versions(const std::string& id_or_name) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto vs = c.versions(id_or_name);
    if (!vs.ok()) return vs.status();
    return json_array(*vs);
  }));
}

py::dict PyRegistry::get_version(const std::string& id, const std::optional<std::string>& number) {
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    auto v = number ? c.get_version(id, *number) : c.get_version(id);
    if (!v.ok()) return v.status();
    return v->to_json();
  }));
}

// ---- Performance ----------------------------------------------------------------------------------

std::string PyRegistry::record_trade(const TradeRecord& t) {
  return call([&](Catalog& c) { return c.record_trade(t); });
}

py::list PyRegistry::record_trades(const std::vector<TradeRecord>& trades, bool refresh) {
  const auto ids = call([&](Catalog& c) { return c.record_trades(trades, refresh); });
  py::list out;
  for (const auto& id : ids) out.append(py::str(id));
  return out;
}

void PyRegistry::refresh_summaries(const std::vector<std::string>& ids_or_names) {
  call([&](Catalog& c) { return c.refresh_summaries(ids_or_names); });
}

py::dict PyRegistry::performance(const std::string& id_or_name, const std::optional<std::string>& from,
                                 const std::optional<std::string>& to, const std::optional<std::string>& version_id) {
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    auto m = c.performance(id_or_name, from, to, version_id);
    if (!m.ok()) return m.status();
    return m->to_json();
  }));
}

py::list PyRegistry::compare(const std::vector<std::string>& ids_or_names) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto ms = c.compare(ids_or_names);
    if (!ms.ok()) return ms.status();
    return json_array(*ms);
  }));
}

py::list PyRegistry::trades(const std::string& id_or_name, const std::optional<std::string>& run_id, int64_t limit) {
  limit = checked_limit(limit);
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto ts = c.trades(id_or_name, run_id, limit);
    if (!ts.ok()) return ts.status();
    return json_array(*ts);
  }));
}

// ---- Runs -----------------------------------------------------------------------------------------

std::string PyRegistry::start_run(const std::string& kind, const Json& strategies, const Json& data, const Json& config,
                                  const std::string& engine_version) {
  if (kind.empty()) raise_status(Status::InvalidArgument("kind: must not be empty"));
  return call([&](Catalog& c) { return c.start_run(kind, strategies, data, config, engine_version); });
}

void PyRegistry::finish_run(const std::string& run_id, const std::string& status, const std::string& error,
                            const Json& results) {
  call([&](Catalog& c) { return c.finish_run(run_id, status, error, results); });
}

py::list PyRegistry::runs(int64_t limit) {
  limit = checked_limit(limit);
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto rs = c.runs(limit);
    if (!rs.ok()) return rs.status();
    return json_array(*rs);
  }));
}

py::dict PyRegistry::get_run(const std::string& run_id) {
  return as_dict(call([&](Catalog& c) -> Result<Json> {
    auto r = c.get_run(run_id);
    if (!r.ok()) return r.status();
    return r->to_json();
  }));
}

// ---- MEM ------------------------------------------------------------------------------------------

bool PyRegistry::is_mem_enhanced(const std::string& id_or_name) {
  return call([&](Catalog& c) { return c.is_mem_enhanced(id_or_name); });
}

void PyRegistry::mark_mem_enhanced(const std::string& id_or_name, const std::optional<std::string>& base) {
  call([&](Catalog& c) { return c.mark_mem_enhanced(id_or_name, base); });
}

py::list PyRegistry::learned_patterns(const std::string& id_or_name) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto ps = c.learned_patterns(id_or_name);
    if (!ps.ok()) return ps.status();
    return json_array(*ps);
  }));
}

py::object PyRegistry::mem_state(const std::string& id_or_name) {
  auto state = call([&](Catalog& c) { return c.mem_state(id_or_name); });
  return state ? to_py(*state) : py::none();
}

py::list PyRegistry::mem_runs(const std::string& id_or_name, const std::optional<std::string>& run_id, int64_t limit) {
  limit = checked_limit(limit);
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto found = c.mem_runs(id_or_name, run_id, limit);
    if (!found.ok()) return found.status();
    Json out = Json::array();
    for (const auto& m : *found)
      out.push_back(Json{{"run_id", m.run_id}, {"started_at", m.started_at}, {"strategy", m.strategy_label}, {"mem", m.mem}});
    return out;
  }));
}

// ---- Parameters -----------------------------------------------------------------------------------

void PyRegistry::update_parameter(const std::string& id_or_name, const std::string& parameter, const Json& value,
                                  const std::string& reason, const std::string& changed_by,
                                  const std::optional<std::string>& ab_test_group) {
  call([&](Catalog& c) { return c.update_parameter(id_or_name, parameter, value, reason, changed_by, ab_test_group); });
}

py::dict PyRegistry::current_parameters(const std::string& id_or_name) {
  return as_dict(call([&](Catalog& c) { return c.current_parameters(id_or_name); }));
}

py::dict PyRegistry::version_parameters(const std::string& id_or_name, const std::string& version) {
  return as_dict(call([&](Catalog& c) { return c.version_parameters(id_or_name, version); }));
}

py::list PyRegistry::parameter_history(const std::string& id_or_name, const std::string& parameter) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto hs = c.parameter_history(id_or_name, parameter);
    if (!hs.ok()) return hs.status();
    Json out = Json::array();
    for (const auto& h : *hs) {
      Json j = h.to_json();
      j["value"] = decoded(h.parameter_value);  // parameter_value and previous_value are JSON text
      j["previous"] = decoded(h.previous_value);
      out.push_back(std::move(j));
    }
    return out;
  }));
}

// ---- Relationships and audit ----------------------------------------------------------------------

void PyRegistry::link(const std::string& parent, const std::string& child, const std::string& type,
                      const std::string& description, std::optional<double> similarity) {
  call([&](Catalog& c) { return c.link(parent, child, type, description, similarity); });
}

py::list PyRegistry::related(const std::string& id_or_name) {
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto rs = c.related(id_or_name);
    if (!rs.ok()) return rs.status();
    return json_array(*rs);
  }));
}

py::list PyRegistry::audit(const std::optional<std::string>& id_or_name, int64_t limit) {
  limit = checked_limit(limit);
  return as_list(call([&](Catalog& c) -> Result<Json> {
    auto es = c.audit(id_or_name, limit);
    if (!es.ok()) return es.status();
    return json_array(*es);
  }));
}

}  // namespace algohost::pybind
