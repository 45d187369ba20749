// The serve config: the example parses and names real strategies and parameters; every kind of
// mistake is an error naming the file and the JSON path; defaults; relative paths; endpoints.
#include "host/live/serve_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost::live {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::TempDir;
using testing::write_file;

const fs::path kSource = ALGOHOST_SOURCE_DIR;

Json valid() {
  return Json::parse(R"({
    "feed": {"type": "replay", "data": "data/sample.csv", "rate": 500},
    "listen": "127.0.0.1:0",
    "strategies": [
      {"strategy": "macd", "parameters": {"fast": 10}},
      {"instance": "rsi-a", "strategy": "rsi", "version": "1.0.0", "symbols": ["ALPHA"]}
    ]
  })");
}

std::string error_of(const Json& j) {
  auto c = parse_serve_config(j, "conf/serve.json");
  if (c.ok()) return "(parsed)";
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  return c.status().message();
}

TEST(ServeConfig, ExampleParsesAndNamesBuiltInStrategies) {
  const fs::path file = kSource / "examples/serve/serve.json";
  auto c = load_serve_config(file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->file, file);
  EXPECT_EQ(c->feed.type, "replay");
  ASSERT_TRUE(c->feed.data.has_value());
  EXPECT_TRUE(c->feed.data->is_absolute());
  EXPECT_TRUE(fs::equivalent(*c->feed.data, kSource / "examples/data/sample.csv"));
  ASSERT_GE(c->strategies.size(), 2u);
  std::set<std::string> names;
  for (const auto& s : c->strategies) {
    names.insert(s.instance);
    // Each strategy is a built-in one and each parameter is one of its manifest's.
    const fs::path manifest = kSource / "plugins" / s.strategy / "manifest.json";
    ASSERT_TRUE(fs::exists(manifest)) << s.strategy;
    Json m = Json::parse(std::ifstream(manifest));
    if (s.version) {
      EXPECT_EQ(*s.version, m["version"].get<std::string>()) << s.instance;
    }
    for (const auto& [name, value] : s.parameters)
      EXPECT_TRUE(m["parameters"].contains(name)) << s.instance << ": " << name << "=" << value;
    for (const auto& sym : s.symbols) EXPECT_TRUE(sym == "ALPHA" || sym == "BRAVO") << sym;
  }
  EXPECT_EQ(names.size(), c->strategies.size());
}

TEST(ServeConfig, DefaultsAndParameterText) {
  auto c = parse_serve_config(Json::parse(R"({
    "feed": {"type": "push", "symbols": ["AAA", "BBB"]},
    "strategies": [{"strategy": "vwap", "parameters": {"window": 20, "band_pct": 0.015, "mode": "rolling",
                                                       "flag": true}}]
  })"),
                              "serve.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->feed.symbols, (std::vector<std::string>{"AAA", "BBB"}));
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_FALSE(c->bars_listen.has_value());
  EXPECT_EQ(c->capital, 100'000);
  EXPECT_EQ(c->slippage_bps, 0);
  ASSERT_EQ(c->strategies.size(), 1u);
  const InstanceConfig& s = c->strategies[0];
  EXPECT_EQ(s.instance, "vwap");  // default: the strategy's name
  EXPECT_FALSE(s.version.has_value());
  EXPECT_TRUE(s.symbols.empty());
  EXPECT_FALSE(s.enhancer.has_value());
  EXPECT_EQ(s.on_failure, "rollback");
  EXPECT_FALSE(s.watch);
  EXPECT_EQ(s.probation_slices, 3);
  EXPECT_EQ(s.isolation, "") << "per manifest, else by where the plugin was found";
  EXPECT_EQ(s.parameters.at("window"), "20");
  EXPECT_EQ(s.parameters.at("band_pct"), "0.015");
  EXPECT_EQ(s.parameters.at("mode"), "rolling");
  EXPECT_EQ(s.parameters.at("flag"), "true");
}

TEST(ServeConfig, EveryFieldIsRead) {
  auto c = parse_serve_config(Json::parse(R"({
    "feed": {"type": "replay", "synthetic": "symbols=2,bars=10", "rate": 50000, "loop": true},
    "listen": "127.0.0.1:8080", "bars_listen": "127.0.0.1:9000",
    "strategies": [{"instance": "m", "strategy": "macd", "enhancer": "vol_gate", "on_failure": "stop",
                    "watch": true, "probation_slices": 7, "isolation": "process"}],
    "capital": 5000, "slippage_bps": 2, "commission": 1.5, "commission_bps": 3
  })"),
                              "serve.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->feed.synthetic, "symbols=2,bars=10");
  EXPECT_FALSE(c->feed.data.has_value());
  EXPECT_EQ(c->feed.rate, 50000);
  EXPECT_TRUE(c->feed.loop);
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(*c->bars_listen, "127.0.0.1:9000");
  const InstanceConfig& s = c->strategies[0];
  EXPECT_EQ(*s.enhancer, "vol_gate");
  EXPECT_EQ(s.on_failure, "stop");
  EXPECT_TRUE(s.watch);
  EXPECT_EQ(s.probation_slices, 7);
  EXPECT_EQ(s.isolation, "process");
  EXPECT_EQ(c->capital, 5000);
  EXPECT_EQ(c->slippage_bps, 2);
  EXPECT_EQ(c->commission, 1.5);
  EXPECT_EQ(c->commission_bps, 3);
}

struct Mistake {
  const char* what;
  std::function<void(Json&)> change;
  const char* expected;  // after "conf/serve.json: "
};

TEST(ServeConfig, EachMistakeNamesTheField) {
  const std::vector<Mistake> mistakes = {
      {"top level not an object", [](Json& j) { j = Json::array(); }, "(top level): expected an object, got an array"},
      {"unknown top key", [](Json& j) { j["strategy"] = "x"; }, "strategy: unknown key (allowed: feed, listen, "},
      {"no feed", [](Json& j) { j.erase("feed"); }, "feed: required field is missing"},
      {"feed not an object", [](Json& j) { j["feed"] = "replay"; }, "feed: expected an object, got a string"},
      {"no feed type", [](Json& j) { j["feed"].erase("type"); }, "feed.type: required field is missing"},
      {"feed type", [](Json& j) { j["feed"]["type"] = "stream"; }, "feed.type: 'stream' is not one of: replay, push"},
      {"rate type", [](Json& j) { j["feed"]["rate"] = "fast"; }, "feed.rate: expected a number, got a string"},
      {"rate below 0", [](Json& j) { j["feed"]["rate"] = -1; }, "feed.rate: expected a number of at least 0, got -1"},
      {"loop type", [](Json& j) { j["feed"]["loop"] = 1; }, "feed.loop: expected a boolean, got a number"},
      {"replay with both", [](Json& j) { j["feed"]["synthetic"] = "symbols=2"; },
       "feed: a replay feed needs exactly one of \"data\""},
      {"replay with neither", [](Json& j) { j["feed"].erase("data"); }, "feed: a replay feed needs exactly one of"},
      {"bad synthetic spec",
       [](Json& j) {
         j["feed"].erase("data");
         j["feed"]["synthetic"] = "symbols=0";
       },
       "feed.synthetic: symbols"},
      {"replay key in push feed", [](Json& j) { j["feed"] = {{"type", "push"}, {"symbols", {"A"}}, {"rate", 5}}; },
       "feed.rate: unknown key for a push feed (allowed: type, symbols)"},
      {"push key in replay feed", [](Json& j) { j["feed"]["symbols"] = {"A"}; },
       "feed.symbols: unknown key for a replay feed (allowed: type, data, synthetic, rate, loop)"},
      {"push without symbols", [](Json& j) { j["feed"] = {{"type", "push"}}; },
       "feed.symbols: a push feed needs the symbols"},
      {"push symbol type", [](Json& j) { j["feed"] = {{"type", "push"}, {"symbols", {"A", 3}}}; },
       "feed.symbols[1]: expected a string, got a number"},
      {"push symbol twice", [](Json& j) { j["feed"] = {{"type", "push"}, {"symbols", {"A", "A"}}}; },
       "feed.symbols[1]: 'A' is listed twice"},
      {"listen", [](Json& j) { j["listen"] = "localhost"; }, "listen: expected HOST:PORT"},
      {"listen port", [](Json& j) { j["listen"] = "127.0.0.1:70000"; }, "listen: expected HOST:PORT"},
      {"listen type", [](Json& j) { j["listen"] = 8080; }, "listen: expected a string, got a number"},
      {"bars_listen", [](Json& j) { j["bars_listen"] = "127.0.0.1"; }, "bars_listen: expected HOST:PORT"},
      {"strategies type", [](Json& j) { j["strategies"] = Json::object(); }, "strategies: expected an array, got an object"},
      {"strategy not an object", [](Json& j) { j["strategies"][1] = "rsi"; }, "strategies[1]: expected an object, got a string"},
      {"unknown strategy key", [](Json& j) { j["strategies"][1]["params"] = Json::object(); },
       "strategies[1].params: unknown key (allowed: instance, strategy, version, symbols, parameters, enhancer, "
       "on_failure, watch, probation_slices, isolation)"},
      {"no strategy", [](Json& j) { j["strategies"][1].erase("strategy"); }, "strategies[1].strategy: required field is missing"},
      {"empty strategy", [](Json& j) { j["strategies"][0]["strategy"] = ""; }, "strategies[0].strategy: must not be empty"},
      {"duplicate instance", [](Json& j) { j["strategies"][1]["instance"] = "macd"; },
       "strategies[1].instance: 'macd' is already the instance name of strategies[0]"},
      {"duplicate default instance", [](Json& j) { j["strategies"][1] = {{"strategy", "macd"}}; },
       "strategies[1].instance: 'macd' is already the instance name of strategies[0]"},
      {"version", [](Json& j) { j["strategies"][1]["version"] = "latest"; },
       "strategies[1].version: 'latest' is not a semantic version"},
      {"symbols type", [](Json& j) { j["strategies"][1]["symbols"] = "ALPHA"; },
       "strategies[1].symbols: expected an array of strings, got a string"},
      {"parameters type", [](Json& j) { j["strategies"][0]["parameters"] = Json::array(); },
       "strategies[0].parameters: expected an object, got an array"},
      {"parameter value", [](Json& j) { j["strategies"][0]["parameters"]["slow"] = Json::array({1}); },
       "strategies[0].parameters.slow: expected a number, a string or a boolean, got an array"},
      {"on_failure", [](Json& j) { j["strategies"][1]["on_failure"] = "explode"; },
       "strategies[1].on_failure: 'explode' is not one of: rollback, restart, stop"},
      {"isolation", [](Json& j) { j["strategies"][1]["isolation"] = "vm"; },
       "strategies[1].isolation: 'vm' is not one of: inproc, process"},
      {"watch", [](Json& j) { j["strategies"][1]["watch"] = "yes"; }, "strategies[1].watch: expected a boolean, got a string"},
      {"probation type", [](Json& j) { j["strategies"][1]["probation_slices"] = "x"; },
       "strategies[1].probation_slices: expected an integer, got a string"},
      {"probation fraction", [](Json& j) { j["strategies"][1]["probation_slices"] = 1.5; },
       "strategies[1].probation_slices: expected an integer, got 1.5"},
      {"probation negative", [](Json& j) { j["strategies"][1]["probation_slices"] = -1; },
       "strategies[1].probation_slices: expected an integer from 0 to"},
      {"capital", [](Json& j) { j["capital"] = 0; }, "capital: expected a number above 0, got 0"},
      {"commission", [](Json& j) { j["commission"] = -0.5; }, "commission: expected a number of at least 0, got -0.5"},
      {"slippage type", [](Json& j) { j["slippage_bps"] = true; }, "slippage_bps: expected a number, got a boolean"},
  };
  ASSERT_EQ(error_of(valid()), "(parsed)");
  for (const auto& m : mistakes) {
    Json j = valid();
    m.change(j);
    const std::string message = error_of(j);
    EXPECT_EQ(message.rfind(std::string("conf/serve.json: ") + m.expected, 0), 0u) << m.what << ": " << message;
  }
}

TEST(ServeConfig, PathsAreRelativeToTheConfigFolder) {
  TempDir dir;
  write_file(dir / "conf/serve.json", R"({"feed": {"type": "replay", "data": "../data/x.csv"}})");
  auto c = load_serve_config(dir / "conf/serve.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->feed.data, (dir.path() / "data/x.csv").lexically_normal());

  Json abs = {{"feed", {{"type", "replay"}, {"data", (dir.path() / "elsewhere.csv").string()}}}};
  auto a = parse_serve_config(abs, dir / "conf/serve.json");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(*a->feed.data, dir.path() / "elsewhere.csv");

  // A relative config path: relative to the working directory's folder of it.
  auto r = parse_serve_config({{"feed", {{"type", "replay"}, {"data", "d.csv"}}}}, "conf/serve.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r->feed.data, (fs::current_path() / "conf/d.csv").lexically_normal());
  auto e = parse_serve_config({{"feed", {{"type", "replay"}, {"data", "d.csv"}}}}, "");  // not from a file
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(*e->feed.data, (fs::current_path() / "d.csv").lexically_normal());
}

TEST(ServeConfig, LoadErrorsNameTheFile) {
  TempDir dir;
  auto missing = load_serve_config(dir / "nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find((dir / "nope.json").string()), std::string::npos)
      << missing.status().message();

  write_file(dir / "bad.json", "{\n  \"feed\": {\"type\": \"push\",\n  \"symbols\": [\"A\",]}\n}\n");
  auto syntax = load_serve_config(dir / "bad.json");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = syntax.status().message();
  EXPECT_EQ(m.rfind((dir / "bad.json").string() + ": parse error at line 3, column", 0), 0u) << m;
  EXPECT_EQ(m.find("json.exception"), std::string::npos) << m;

  write_file(dir / "twice.json",
             R"({"feed": {"type": "replay", "data": "a.csv", "rate": 5, "rate": 6},
                 "strategies": [{"strategy": "a"}, {"strategy": "b", "watch": true, "watch": false}]})");
  auto twice = load_serve_config(dir / "twice.json");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), (dir / "twice.json").string() + ": feed.rate: key given twice");
  write_file(dir / "twice2.json",
             R"({"feed": {"type": "replay", "data": "a.csv"},
                 "strategies": [{"strategy": "a"}, {"strategy": "b", "watch": true, "watch": false}]})");
  auto twice2 = load_serve_config(dir / "twice2.json");
  ASSERT_FALSE(twice2.ok());
  EXPECT_EQ(twice2.status().message(), (dir / "twice2.json").string() + ": strategies[1].watch: key given twice");

  write_file(dir / "field.json", R"({"feed": {"type": "replay", "data": "a.csv", "rate": "x"}})");
  auto field = load_serve_config(dir / "field.json");
  ASSERT_FALSE(field.ok());
  EXPECT_EQ(field.status().message(), (dir / "field.json").string() + ": feed.rate: expected a number, got a string");
}

TEST(ParseEndpoint, HostAndPort) {
  auto a = parse_endpoint("127.0.0.1:0", "--listen");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 0);
  auto b = parse_endpoint("[::1]:65535", "--listen");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->first, "::1");
  EXPECT_EQ(b->second, 65535);
  for (const char* bad : {"", "127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8a", "127.0.0.1:-1",
                          "::1:80", "[::1]80", "a b:80"}) {
    auto r = parse_endpoint(bad, "--listen");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("--listen: expected HOST:PORT", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace algohost::live
