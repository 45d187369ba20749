// What users ask of the catalog (issue 12, item 6): search queries with FTS5 operators (rebuilt
// safely, or refused naming what is wrong), tag filters whatever their case, trades and
// performance of one run (an unknown run is NotFound), and a read-only open of a catalog in a
// folder the user cannot write.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/search_query.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

using algohost::testing::must;
using algohost::testing::TempDir;
using V = std::vector<std::string>;

// ---- The query translation ---------------------------------------------------------------

std::string query(const std::string& text) {
  auto q = fts5_query(text);
  EXPECT_TRUE(q.ok()) << text << ": " << q.status().to_string();
  return q.ok() ? *q : "<refused>";
}

TEST(SearchQuery, WordsAndOperatorsAreRebuiltWithEveryWordQuoted) {
  // Plain words: all must match, the last one as a prefix too (as before operators were read).
  EXPECT_EQ(query("rsi"), R"("rsi"*)");
  EXPECT_EQ(query("macd crossover"), R"(("macd" AND "crossover"*))");
  EXPECT_EQ(query("-foo col:val"), R"(("foo" AND "col" AND "val"*))");  // punctuation separates words
  // Operators, with FTS5's precedence (NOT, then AND, then OR) made explicit by parentheses.
  EXPECT_EQ(query("rsi OR macd"), R"(("rsi" OR "macd"))");
  EXPECT_EQ(query("a b OR c"), R"((("a" AND "b") OR "c"))");
  EXPECT_EQ(query("a OR b AND c"), R"(("a" OR ("b" AND "c")))");
  EXPECT_EQ(query("a NOT b c"), R"((("a" NOT "b") AND "c"))");
  EXPECT_EQ(query("(a OR b) NOT c"), R"((("a" OR "b") NOT "c"))");
  EXPECT_EQ(query("((a))"), R"("a")");
  EXPECT_EQ(query(R"("moving average" cross*)"), R"(("moving average" AND "cross"*))");
  EXPECT_EQ(query(R"("moving, average!"*)"), R"("moving average"*)");
  EXPECT_EQ(query("NEAR(moving average, 3)"), R"(NEAR("moving" "average", 3))");
  EXPECT_EQ(query(R"(NEAR("a b" c) OR d)"), R"((NEAR("a b" "c") OR "d"))");
  // Lower-case operators are words, as in FTS5; so is NEAR without its parenthesis.
  EXPECT_EQ(query("rsi or macd"), R"(("rsi" AND "or" AND "macd"*))");
  EXPECT_EQ(query("NEAR rsi"), R"(("NEAR" AND "rsi"*))");
  // SQL and FTS5 syntax that is not an operator is only words.
  EXPECT_EQ(query("'; DROP TABLE strategies; --"), R"(("DROP" AND "TABLE" AND "strategies"*))");
  EXPECT_EQ(query("{strategy_name}: ^rsi + x"), R"(("strategy_name" AND "rsi" AND "x"*))");
  // Nothing to look for.
  for (const char* empty : {"", "   ", "*", "%", "+", "^", ";", "\x01"}) EXPECT_EQ(query(empty), "") << empty;
}

TEST(SearchQuery, MalformedQueriesAreRefusedNamingTheQueryAndTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rsi OR", "OR needs a search term on each side"},
      {"OR rsi", "OR needs a search term on each side"},
      {"rsi AND", "AND needs a search term on each side"},
      {"rsi AND OR macd", "AND needs a search term on each side"},
      {"NOT rsi", "NOT needs a search term on each side: write 'a NOT b'"},
      {"rsi NOT", "NOT needs a search term on each side"},
      {"AND", "AND needs a search term on each side"},
      {"(rsi", "'(' is not closed"},
      {"rsi)", "')' has no '(' before it"},
      {")", "')' has no '(' before it"},
      {"()", "'()' holds nothing"},
      {"\"rsi", "a quote (\") is not closed"},
      {"a\"b", "a quote (\") is not closed"},
      {"\"\"", "has no words"},
      {"\"  ,\"", "has no words"},
      {"NEAR(", "'NEAR(' is not closed"},
      {"NEAR()", "NEAR( ) needs words or phrases"},
      {"NEAR(a b, x)", "the distance after ',' must be a number"},
      {"NEAR(a (b))", "NEAR( ) takes words and phrases"},
      {std::string(40, '(') + "a" + std::string(40, ')'), "nested more than"},
  };
  for (const auto& [text, problem] : cases) {
    auto q = fts5_query(text);
    ASSERT_FALSE(q.ok()) << text << " gave " << *q;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument) << text;
    const std::string& msg = q.status().message();
    EXPECT_EQ(msg.rfind("search '" + text.substr(0, 77), 0), 0u) << msg;
    EXPECT_NE(msg.find(problem), std::string::npos) << text << ": " << msg;
    EXPECT_NE(msg.find("NEAR(a b, N)"), std::string::npos) << "the syntax is not shown: " << msg;
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many.append("w").append(std::to_string(i)).append(" OR ");
  EXPECT_NE(fts5_query(many + "x").status().message().find("more than 64 words"), std::string::npos);
}

// ---- Search and tags in the catalog --------------------------------------------------------

class CatalogQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    cat = must(Catalog::open(dir / "catalog.db"));
    add("rsi_basic", "rsi oscillator mean reversion", {"Oscillator", "RSI"});
    add("macd_basic", "macd crossover of moving averages", {"trend", "EMA"});
    add("mfi_basic", "money flow index: a volume weighted rsi oscillator", {"oscillator", "volume"});
  }
  void add(const std::string& name, const std::string& description, const std::vector<std::string>& tags) {
    Registration r;
    r.name = name;
    r.display_name = name;
    r.description = description;
    r.tags = tags;
    must(cat->register_strategy(r));
  }
  V search(const std::string& text) {
    V out;
    for (const auto& h : must(cat->search(text), text)) out.push_back(h.strategy.strategy_name);
    std::sort(out.begin(), out.end());
    return out;
  }
  V list(const StrategyFilter& f) {
    V out;
    for (const auto& s : must(cat->list(f))) out.push_back(s.strategy_name);
    return out;
  }
  TempDir dir;
  std::unique_ptr<Catalog> cat;
};

TEST_F(CatalogQuery, Fts5OperatorsWork) {
  EXPECT_EQ(search("macd OR mfi"), (V{"macd_basic", "mfi_basic"}));
  EXPECT_EQ(search("rsi AND volume"), (V{"mfi_basic"}));
  EXPECT_EQ(search("rsi volume"), (V{"mfi_basic"}));
  EXPECT_EQ(search("oscillator NOT volume"), (V{"rsi_basic"}));
  EXPECT_EQ(search("(macd OR money) NOT crossover"), (V{"mfi_basic"}));
  EXPECT_EQ(search("\"moving averages\""), (V{"macd_basic"}));
  EXPECT_EQ(search("\"averages moving\""), V{});
  EXPECT_EQ(search("osc*"), (V{"mfi_basic", "rsi_basic"}));
  EXPECT_EQ(search("\"osc\""), V{});
  EXPECT_EQ(search("NEAR(volume oscillator, 2)"), (V{"mfi_basic"}));
  EXPECT_EQ(search("NEAR(money oscillator, 2)"), V{});
  // Refused queries are InvalidArgument without SQL in the message.
  auto bad = cat->search("rsi OR");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("SQL"), std::string::npos) << bad.status().message();
  EXPECT_EQ(bad.status().message().find("fts5"), std::string::npos) << bad.status().message();
}

TEST_F(CatalogQuery, TagFiltersIgnoreCase) {
  StrategyFilter f;
  f.all_tags = {"OSCILLATOR"};
  EXPECT_EQ(list(f), (V{"mfi_basic", "rsi_basic"}));
  f.all_tags = {"oscillator", "rsi"};  // stored as "Oscillator" and "RSI"
  EXPECT_EQ(list(f), (V{"rsi_basic"}));
  f.all_tags = {};
  f.any_tags = {"ema", "Volume"};
  EXPECT_EQ(list(f), (V{"macd_basic", "mfi_basic"}));
  f.any_tags = {"%"};
  EXPECT_EQ(list(f), V{});  // still a value, never a pattern
}

// ---- Trades and performance of one run -----------------------------------------------------

TEST_F(CatalogQuery, TradesAndPerformanceOfOneRunAndUnknownRuns) {
  const std::string r1 = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "t"));
  const std::string r2 = must(cat->start_run("backtest", Json::array(), Json::object(), Json::object(), "t"));
  auto trade = [](const std::string& run, double pnl, const char* day) {
    TradeRecord t;
    t.strategy_id = "rsi_basic";
    t.run_id = run;
    t.entry_timestamp = std::string(day) + "T10:00:00Z";
    t.exit_timestamp = std::string(day) + "T15:00:00Z";
    t.pnl = pnl;
    return t;
  };
  must(cat->record_trades({trade(r1, 5, "2024-01-02"), trade(r1, -2, "2024-01-03"), trade(r2, 7, "2024-01-04")}));
  EXPECT_EQ(must(cat->performance("rsi_basic", {}, {}, {}, r1)).trades, 2);
  EXPECT_DOUBLE_EQ(must(cat->performance("rsi_basic", {}, {}, {}, r1)).total_pnl, 3.0);
  EXPECT_EQ(must(cat->performance("rsi_basic", {}, {}, {}, r2)).trades, 1);
  EXPECT_EQ(must(cat->performance("rsi_basic")).trades, 3);
  EXPECT_EQ(must(cat->trades("rsi_basic", r2)).size(), 1u);
  for (const Status& st : {cat->trades("rsi_basic", std::string("nope")).status(),
                           cat->performance("rsi_basic", {}, {}, {}, std::string("nope")).status()}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound);
    EXPECT_EQ(st.message(), "unknown run 'nope'");
  }
  // A known run with no trades of this strategy is an empty answer, not an error.
  EXPECT_TRUE(must(cat->trades("macd_basic", r1)).empty());
}

// ---- A read-only catalog in a folder the user cannot write ---------------------------------

// SQLite cannot create the -shm file a read-only WAL open needs in such a folder; the catalog is
// read as immutable then. As root (whom modes do not stop) the reader is a child process that
// dropped to user nobody.
TEST(CatalogReadOnlyFolder, ReadsACatalogInAFolderTheUserCannotWrite) {
  TempDir dir;
  const auto folder = dir / "home";
  std::filesystem::create_directories(folder);
  const auto file = folder / "catalog.db";
  {
    auto cat = must(Catalog::open(file));
    testutil::register_named(*cat, "kept");
  }
  ASSERT_FALSE(std::filesystem::exists(file.string() + "-shm")) << "the writer left its -shm file";
  ASSERT_EQ(::chmod(file.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(folder.c_str(), 0555), 0);
  auto read = [&]() -> bool {
    CatalogOptions o;
    o.read_only = true;
    auto cat = Catalog::open(file, o);
    if (!cat.ok()) {
      std::fprintf(stderr, "open: %s\n", cat.status().to_string().c_str());
      return false;
    }
    auto s = (*cat)->get("kept");
    auto found = (*cat)->search("kept");
    if (!s.ok() || !found.ok() || found->size() != 1) {
      std::fprintf(stderr, "read: %s %s\n", s.status().to_string().c_str(), found.status().to_string().c_str());
      return false;
    }
    return !std::filesystem::exists(file.string() + "-shm");
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(read());
  } else {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      if (::access(file.c_str(), R_OK) != 0) ::_exit(4);
      if (::access(folder.c_str(), W_OK) == 0) ::_exit(5);
      ::_exit(read() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_NE(WEXITSTATUS(status), 3) << "could not drop to user nobody";
    ASSERT_NE(WEXITSTATUS(status), 4) << "user nobody cannot read " << file;
    ASSERT_NE(WEXITSTATUS(status), 5) << "user nobody can write " << folder;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the read-only open failed (see the child's output above)";
  }
  ::chmod(folder.c_str(), 0755);
  ::chmod(file.c_str(), 0644);
}

}  // namespace
}  // namespace algohost::catalog
