// ServeConfig parsing: a strict walk over the JSON document. Each accessor checks one field and
// reports the first problem with the field's JSON path; unknown keys name the key and the allowed
// ones. Internally a ConfigError is thrown and caught in parse_serve_config (it never leaves it).
#include "host/live/json_text.h"
#include "host/live/serve_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <system_error>

#include "host/data/synthetic.h"
#include "registry/common/semver.h"

namespace algohost::live {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

struct ConfigError {
  std::string path, message;
};

[[noreturn]] void fail(const std::string& path, const std::string& message) { throw ConfigError{path, message}; }


Result<std::pair<std::string, uint16_t>> split_endpoint(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("expected HOST:PORT such as 127.0.0.1:8080, got '" + text + "' (" + why +
                                   ")");
  };
  std::string host, port;
  if (!text.empty() && text[0] == '[') {  // [::1]:8080
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("an IPv6 address goes in brackets before the port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad("an IPv6 address goes in brackets");
  }
  if (host.empty()) return bad("no host");
  if (host.find_first_of(" \t\r\n") != std::string::npos) return bad("the host has a space");
  unsigned value = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || value > 65535)
    return bad("the port must be a number from 0 to 65535");
  return std::make_pair(host, static_cast<uint16_t>(value));
}

std::string join(const std::string& base, const std::string& key) { return base.empty() ? key : base + "." + key; }

std::string list_text(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

void check_object(const Json& obj, const std::string& path) {
  if (!obj.is_object()) fail(path.empty() ? "(top level)" : path, "expected an object, got " + json_type_of(obj));
}

void check_keys(const Json& obj, const std::string& path, const std::vector<std::string>& allowed,
                const std::string& what = "") {
  for (const auto& [key, value] : obj.items()) {
    (void)value;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(join(path, key), "unknown key" + what + " (allowed: " + list_text(allowed) + ")");
  }
}

// The field, or null when it is absent or null (both mean "the default").
const Json* field(const Json& obj, const std::string& key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> opt_string(const Json& obj, const std::string& base, const std::string& key) {
  const Json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(join(base, key), "expected a string, got " + json_type_of(*v));
  if (v->get_ref<const std::string&>().empty()) fail(join(base, key), "must not be empty");
  return v->get<std::string>();
}

std::string req_string(const Json& obj, const std::string& base, const std::string& key) {
  auto s = opt_string(obj, base, key);
  if (!s) fail(join(base, key), "required field is missing");
  return *s;
}

std::optional<std::string> opt_enum(const Json& obj, const std::string& base, const std::string& key,
                                    const std::vector<std::string>& allowed) {
  auto s = opt_string(obj, base, key);
  if (s && std::find(allowed.begin(), allowed.end(), *s) == allowed.end())
    fail(join(base, key), "'" + *s + "' is not one of: " + list_text(allowed));
  return s;
}

std::optional<bool> opt_bool(const Json& obj, const std::string& base, const std::string& key) {
  const Json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail(join(base, key), "expected a boolean, got " + json_type_of(*v));
  return v->get<bool>();
}

// A finite number >= min (> min when `strict`).
std::optional<double> opt_number(const Json& obj, const std::string& base, const std::string& key, double min,
                                 bool strict = false) {
  const Json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(join(base, key), "expected a number, got " + json_type_of(*v));
  double d = v->get<double>();
  if (!std::isfinite(d)) fail(join(base, key), "expected a finite number");
  if (strict ? !(d > min) : d < min)
    fail(join(base, key), "expected a number " + std::string(strict ? "above " : "of at least ") + number_text(min) +
                              ", got " + number_text(d));
  return d;
}

std::optional<int> opt_int(const Json& obj, const std::string& base, const std::string& key, int min, int max) {
  const Json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(join(base, key), "expected an integer, got " + json_type_of(*v));
  double d = v->get<double>();
  if (std::floor(d) != d) fail(join(base, key), "expected an integer, got " + v->dump());
  if (d < min || d > max)
    fail(join(base, key), "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                              v->dump());
  return static_cast<int>(d);
}

// An array of distinct non-empty strings.
std::optional<std::vector<std::string>> opt_names(const Json& obj, const std::string& base, const std::string& key) {
  const Json* v = field(obj, key);
  if (!v) return std::nullopt;
  const std::string path = join(base, key);
  if (!v->is_array()) fail(path, "expected an array of strings, got " + json_type_of(*v));
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!e.is_string()) fail(at, "expected a string, got " + json_type_of(e));
    const auto& s = e.get_ref<const std::string&>();
    if (s.empty()) fail(at, "must not be empty");
    if (!seen.insert(s).second) fail(at, "'" + s + "' is listed twice");
    out.push_back(s);
  }
  return out;
}

fs::path resolve(const fs::path& file, const std::string& p) {
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal();
  std::error_code ec;  // an empty `file` (a config not read from a file): the working directory
  fs::path folder = file.empty() ? fs::current_path(ec) : fs::absolute(file, ec).parent_path();
  return (folder / path).lexically_normal();
}

FeedConfig parse_feed(const Json& j, const fs::path& file) {
  const std::string base = "feed";
  check_object(j, base);
  FeedConfig f;
  auto type = opt_enum(j, base, "type", {"replay", "push"});
  if (!type) fail("feed.type", "required field is missing (replay or push)");
  f.type = *type;
  if (f.type == "replay") {
    check_keys(j, base, {"type", "data", "synthetic", "rate", "loop"}, " for a replay feed");
    auto data = opt_string(j, base, "data");
    f.synthetic = opt_string(j, base, "synthetic");
    if (data.has_value() == f.synthetic.has_value())
      fail(base, "a replay feed needs exactly one of \"data\" (a CSV file or folder) and \"synthetic\" (a spec)");
    if (data) f.data = resolve(file, *data);
    if (f.synthetic) {
      auto spec = SyntheticSpec::parse(*f.synthetic);
      if (!spec.ok()) {  // its messages are written for the command line: "--synthetic: symbols=0: ..."
        std::string m = spec.status().message();
        const std::string flag = "--synthetic: ";
        fail(base + ".synthetic", m.rfind(flag, 0) == 0 ? m.substr(flag.size()) : m);
      }
    }
    f.rate = opt_number(j, base, "rate", 0).value_or(0);
    f.loop = opt_bool(j, base, "loop").value_or(false);
  } else {
    check_keys(j, base, {"type", "symbols"}, " for a push feed");
    auto symbols = opt_names(j, base, "symbols");
    if (!symbols || symbols->empty()) fail(base + ".symbols", "a push feed needs the symbols clients may send");
    f.symbols = *symbols;
  }
  return f;
}

std::string parameter_text(const Json& v, const std::string& path) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) {
    double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, "expected a finite number");
    return number_text(d);
  }
  fail(path, "expected a number, a string or a boolean, got " + json_type_of(v));
}

InstanceConfig parse_instance(const Json& j, const std::string& base) {
  check_object(j, base);
  check_keys(j, base, {"instance", "strategy", "version", "symbols", "parameters", "enhancer", "on_failure", "watch",
                       "probation_slices", "isolation"});
  InstanceConfig c;
  c.strategy = req_string(j, base, "strategy");
  c.instance = opt_string(j, base, "instance").value_or(c.strategy);
  c.version = opt_string(j, base, "version");
  if (c.version && !SemVer::parse(*c.version))
    fail(base + ".version", "'" + *c.version + "' is not a semantic version (MAJOR.MINOR.PATCH)");
  c.symbols = opt_names(j, base, "symbols").value_or(std::vector<std::string>{});
  if (const Json* p = field(j, "parameters")) {
    if (!p->is_object()) fail(base + ".parameters", "expected an object, got " + json_type_of(*p));
    for (const auto& [name, value] : p->items()) c.parameters[name] = parameter_text(value, base + ".parameters." + name);
  }
  c.enhancer = opt_string(j, base, "enhancer");
  c.on_failure = opt_enum(j, base, "on_failure", {"rollback", "restart", "stop"}).value_or(c.on_failure);
  c.watch = opt_bool(j, base, "watch").value_or(c.watch);
  c.probation_slices = opt_int(j, base, "probation_slices", 0, 1'000'000).value_or(c.probation_slices);
  c.isolation = opt_enum(j, base, "isolation", {"inproc", "process"}).value_or(c.isolation);
  return c;
}

void check_endpoint(const std::string& text, const std::string& what) {
  auto e = split_endpoint(text);
  if (!e.ok()) fail(what, e.status().message());
}

ServeConfig parse(const Json& j, const fs::path& file) {
  check_object(j, "");
  check_keys(j, "", {"feed", "listen", "bars_listen", "strategies", "capital", "slippage_bps", "commission",
                     "commission_bps"});
  ServeConfig c;
  c.file = file;
  const Json* feed = field(j, "feed");
  if (!feed) fail("feed", "required field is missing");
  c.feed = parse_feed(*feed, file);
  c.listen = opt_string(j, "", "listen").value_or(c.listen);
  check_endpoint(c.listen, "listen");
  c.bars_listen = opt_string(j, "", "bars_listen");
  if (c.bars_listen) check_endpoint(*c.bars_listen, "bars_listen");
  if (const Json* s = field(j, "strategies")) {
    if (!s->is_array()) fail("strategies", "expected an array, got " + json_type_of(*s));
    std::map<std::string, size_t> names;
    for (size_t i = 0; i < s->size(); ++i) {
      const std::string base = "strategies[" + std::to_string(i) + "]";
      c.strategies.push_back(parse_instance((*s)[i], base));
      auto [it, fresh] = names.emplace(c.strategies.back().instance, i);
      if (!fresh)
        fail(base + ".instance", "'" + it->first + "' is already the instance name of strategies[" +
                                     std::to_string(it->second) + "] (names must be unique; set \"instance\")");
    }
  }
  c.capital = opt_number(j, "", "capital", 0, /*strict=*/true).value_or(c.capital);
  c.slippage_bps = opt_number(j, "", "slippage_bps", 0).value_or(c.slippage_bps);
  c.commission = opt_number(j, "", "commission", 0).value_or(c.commission);
  c.commission_bps = opt_number(j, "", "commission_bps", 0).value_or(c.commission_bps);
  return c;
}

// Finds keys given twice in one object, which nlohmann::json would silently collapse to the last.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: frames_.push_back({false, {}, {}, 0}); break;
      case Json::parse_event_t::array_start: frames_.push_back({true, {}, {}, 0}); break;
      case Json::parse_event_t::key:
        frames_.back().key = parsed.get<std::string>();
        if (!frames_.back().keys.insert(frames_.back().key).second && duplicate_.empty()) duplicate_ = path();
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value: element_done(); break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool array;
    std::set<std::string> keys;
    std::string key;
    size_t index;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const auto& f : frames_)
      p += f.array ? "[" + std::to_string(f.index) + "]" : (p.empty() ? "" : ".") + f.key;
    return p;
  }
  std::vector<Frame> frames_;
  std::string duplicate_;
};

}  // namespace

Result<ServeConfig> parse_serve_config(const nlohmann::json& j, const std::filesystem::path& file) {
  try {
    return parse(j, file);
  } catch (const ConfigError& e) {
    return Status::InvalidArgument((file.empty() ? std::string("serve config") : file.string()) + ": " + e.path + ": " +
                                   e.message);
  }
}

Result<ServeConfig> load_serve_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    bool exists = fs::exists(file, ec);
    return Status::IoError(file.string() + ": cannot read the serve config" + (exists ? "" : " (no such file)"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(file.string() + ": cannot read the serve config");
  DuplicateKeyFinder dups;
  Json j;
  try {
    j = Json::parse(text.str(), std::ref(dups));
  } catch (const Json::parse_error& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    auto pos = what.find("] ");
    return Status::InvalidArgument(file.string() + ": " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
  if (!dups.duplicate().empty())
    return Status::InvalidArgument(file.string() + ": " + dups.duplicate() + ": key given twice");
  return parse_serve_config(j, file);
}

Result<std::pair<std::string, uint16_t>> parse_endpoint(const std::string& text, const std::string& what) {
  auto e = split_endpoint(text);
  if (!e.ok()) return e.status().with_context(what);
  return e;
}

}  // namespace algohost::live
