// Catalog benchmark (plain main, prints figures; no assertions).
//
//   bench_catalog [N]     N = strategies for the scale phase (default 100000)
//
// (a) Registration throughput: 10,000 strategies with 3 versions each through the Catalog API into
//     a fresh catalog in a temporary folder (no data_dir, so no JSON mirror).
// (b) Scale: the catalog grows to N strategies with varied names, descriptions, categories, tags
//     and summary figures; then 200 full-text searches and 200 filtered listings (category + tag +
//     min Sharpe, sorted by Sharpe descending, limit 50) are timed one by one: p50 and p95.
// Targets (issue 3): 10,000 registrations under 2 s; search and listing p50 under 5 ms at 100,000.
// Set ALGOHOST_BENCH_KEEP=1 to keep the catalog file for inspection (its path is printed).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "registry/catalog/catalog.h"

using namespace algohost;
using namespace algohost::catalog;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

[[noreturn]] void die(const std::string& what, const Status& st) {
  std::fprintf(stderr, "bench_catalog: %s: %s\n", what.c_str(), st.to_string().c_str());
  std::exit(1);
}
template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) die(what, r.status());
  return std::move(r).value();
}
void must(const Status& st, const std::string& what) {
  if (!st.ok()) die(what, st);
}

const std::vector<std::string> kCategories = {"momentum",   "mean_reversion", "trend_following", "breakout",
                                              "stat_arb",   "market_making",  "volatility",      "pairs_trading",
                                              "carry",      "seasonality",    "event_driven",    "factor"};
const std::vector<std::string> kSubCategories = {"time_series", "cross_sectional", "intraday", "swing",
                                                 "statistical",  "options",         "futures",  "fx"};
const std::vector<std::string> kTags = {
    "momentum",  "academic",   "volatility_scaling", "trend",     "reversion",   "breakout",  "pairs",
    "intraday",  "swing",      "equities",           "futures",   "fx",          "crypto",    "options",
    "ml",        "regime",     "risk_parity",        "carry",     "seasonal",    "earnings",  "news",
    "orderflow", "liquidity",  "low_latency",        "long_only", "long_short",  "hedged",    "sector",
    "etf",       "commodity",  "rates",              "macro",     "value",       "quality",   "size",
    "dividend",  "volume",     "vwap",               "rsi",       "macd"};
const std::vector<std::string> kAdjectives = {"adaptive", "fast",     "slow",    "robust",   "dynamic",  "smoothed",
                                              "dual",     "triple",   "kalman",  "bayesian", "fractal",  "hybrid",
                                              "regime",   "weighted", "ranked",  "scaled",   "filtered", "lagged",
                                              "neural",   "ensemble", "sparse",  "quantile", "robust",   "rolling"};
const std::vector<std::string> kConcepts = {
    "rsi",       "macd",      "bollinger", "donchian",  "keltner",  "ichimoku", "vwap",     "twap",
    "momentum",  "reversion", "breakout", "carry",     "pairs",    "spread",   "volume",   "volatility",
    "skew",      "kurtosis",  "entropy",  "drawdown",  "gap",      "opening",  "closing",  "overnight",
    "earnings",  "dividend",  "value",    "quality",   "lowvol",   "beta",     "alpha",    "residual",
    "cointegration", "hurst", "fourier",  "wavelet",   "garch",    "arima",    "hmm",      "kelly"};
// Description words; common ones first so that a Zipf-like draw makes them frequent.
const std::vector<std::string> kWords = {
    "strategy", "signal",   "price",     "trend",     "returns",    "risk",      "market",    "position",
    "entry",    "exit",     "stop",      "volatility", "momentum",  "average",   "moving",    "window",
    "lookback", "threshold", "filter",   "regime",    "crossover",  "indicator", "portfolio", "exposure",
    "scaled",   "realised", "implied",   "spread",    "liquidity",  "volume",    "order",     "book",
    "intraday", "daily",    "weekly",    "monthly",   "overnight",  "session",   "opening",   "closing",
    "gap",      "reversal", "breakout",  "channel",   "band",       "deviation", "zscore",    "mean",
    "reversion", "pairs",   "cointegrated", "hedge",  "ratio",      "beta",      "factor",    "value",
    "quality",  "carry",    "yield",     "curve",     "futures",    "options",   "equities",  "currencies",
    "commodities", "crypto", "sector",   "rotation",  "seasonal",   "calendar",  "earnings",  "announcement",
    "news",     "sentiment", "flow",     "imbalance", "microstructure", "latency", "execution", "slippage",
    "commission", "drawdown", "kelly",   "sizing",    "leverage",   "margin",    "short",     "long",
    "neutral",  "market_neutral", "trailing", "target", "profit",   "loss",      "sharpe",    "sortino",
    "calmar",   "kalman",   "bayesian",  "neural",    "ensemble",   "gradient",  "boosting",  "forest",
    "wavelet",  "fourier",  "garch",     "arima",     "markov",     "hidden",    "state",     "entropy",
    "fractal",  "hurst",    "exponent",  "skewness",  "kurtosis",   "tail",      "crash",     "protection",
    "barroso",  "santaclara", "jegadeesh", "titman",  "moskowitz", "pedersen",  "asness",    "fama",
    "french",   "carhart",  "novy",      "marx",      "lo",         "mackinlay", "gatev",     "rouwenhorst"};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  size_t uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  // Zipf-like: index i with weight 1/(i+1).
  size_t zipf(size_t n) {
    if (zipf_n_ != n) {
      std::vector<double> w(n);
      for (size_t i = 0; i < n; ++i) w[i] = 1.0 / static_cast<double>(i + 1);
      zipf_ = std::discrete_distribution<size_t>(w.begin(), w.end());
      zipf_n_ = n;
    }
    return zipf_(rng_);
  }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  double normal(double mean, double sd) { return std::normal_distribution<double>(mean, sd)(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::discrete_distribution<size_t> zipf_;
  size_t zipf_n_ = 0;
};

Registration make_registration(Gen& g, size_t i) {
  Registration r;
  const std::string& adj = kAdjectives[g.uniform(kAdjectives.size())];
  const std::string& concept_ = kConcepts[g.uniform(kConcepts.size())];
  const std::string& category = kCategories[g.zipf(kCategories.size())];
  r.name = adj + "_" + concept_ + "_" + category + "_" + std::to_string(i);
  r.display_name = adj + " " + concept_ + " " + category + " #" + std::to_string(i);
  const size_t words = 10 + g.uniform(16);
  for (size_t w = 0; w < words; ++w) r.description += (w ? " " : "") + kWords[g.zipf(kWords.size())];
  r.description += ".";
  r.category = category;
  r.sub_category = kSubCategories[g.uniform(kSubCategories.size())];
  r.complexity = std::vector<std::string>{"simple", "moderate", "complex"}[g.uniform(3)];
  r.language = g.uniform(4) == 0 ? "python" : "cpp";
  r.origin = std::vector<std::string>{"built_in", "learned", "imported", "research"}[g.zipf(4)];
  r.status = g.uniform(10) < 6 ? "active" : (g.uniform(4) == 0 ? "deprecated" : "experimental");
  const size_t ntags = 2 + g.uniform(4);
  for (size_t t = 0; t < ntags; ++t) r.tags.push_back(kTags[g.zipf(kTags.size())]);
  r.search_keywords = kWords[g.uniform(kWords.size())] + " " + kWords[g.uniform(kWords.size())];
  r.created_by = "bench";
  return r;
}

VersionCreate make_version(Gen& g, int n) {
  static const char* kNumbers[] = {"1.0.0", "1.1.0", "2.0.0"};
  VersionCreate v;
  v.version = kNumbers[n];
  v.changelog = "release " + v.version;
  v.artifact_sha256.resize(64);
  for (char& c : v.artifact_sha256) c = "0123456789abcdef"[g.uniform(16)];
  v.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 200}})");
  v.default_parameters = Json{{"period", 14}};
  v.validation_status = "passed";
  return v;
}

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
  return {at(0.50), at(0.95), ms.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const size_t scale = argc > 1 ? static_cast<size_t>(std::strtoull(argv[1], nullptr, 10)) : 100000;
  const size_t kRegister = 10000;
  if (scale < kRegister) {
    std::fprintf(stderr, "usage: bench_catalog [N >= %zu]\n", kRegister);
    return 2;
  }
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("algohost-bench-catalog-" + std::to_string(rd()));
  fs::create_directories(dir);
  const bool keep = std::getenv("ALGOHOST_BENCH_KEEP") != nullptr;
  auto cat = must(Catalog::open(dir / "catalog.db"), "open");
  Gen g(42);

  // ---- (a) registration throughput ----
  std::vector<Registration> regs;
  regs.reserve(scale);
  for (size_t i = 0; i < scale; ++i) regs.push_back(make_registration(g, i));
  std::vector<std::vector<VersionCreate>> vers(kRegister);
  for (auto& v : vers)
    for (int n = 0; n < 3; ++n) v.push_back(make_version(g, n));

  // As a sync registers what discovery found: all of it in one transaction (Catalog::in_transaction),
  // every registration and version still audited on its own.
  auto t0 = Clock::now();
  double register_only = 0, first_block = 0, last_block = 0;  // register_strategy time of the first/last 1,000
  auto register_range = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      auto t = Clock::now();
      const std::string id = must(cat->register_strategy(regs[i]), "register " + regs[i].name);
      const double dt = seconds_since(t);
      register_only += dt;
      if (i < 1000) first_block += dt;
      if (i >= kRegister - 1000) last_block += dt;
      for (const auto& v : vers[i]) must(cat->create_version(id, v), "version " + regs[i].name);
    }
  };
  must(cat->in_transaction([&] {
    register_range(0, kRegister);
    return Status::Ok();
  }), "batched registration");
  const double total_a = seconds_since(t0);
  std::printf("(a) registration in one transaction (as a sync does), fresh catalog, no mirror\n");
  std::printf("    %zu strategies x 3 versions: %.3f s total, %.0f strategies/s (incl. versions)\n", kRegister,
              total_a, static_cast<double>(kRegister) / total_a);
  std::printf("    register_strategy alone:   %.3f s, %.0f strategies/s   [target: 10,000 in < 2 s]\n",
              register_only, static_cast<double>(kRegister) / register_only);
  std::printf("    register_strategy, first 1,000: %.2f ms each; last 1,000: %.2f ms each\n", first_block,
              last_block);
  std::printf("    create_version (30,000):   %.3f s, %.0f versions/s\n", total_a - register_only,
              30000.0 / (total_a - register_only));

  // ---- (b) grow to N ----
  // The extra rows go in through SQL in one transaction (faster than the API's audited path for
  // 90,000 rows): strategies, their tags and their full-text entries, written the way
  // register_strategy writes them, with summary figures.
  t0 = Clock::now();
  {
    sql::Database& db = cat->database();
    sql::Transaction txn(db);
    must(txn.status(), "begin");
    const std::string now = now_iso();
    for (size_t i = kRegister; i < scale; ++i) {
      const Registration& r = regs[i];
      const std::string id = new_uuid();
      {
        auto st = must(db.prepare("INSERT INTO strategies (strategy_id, strategy_name, display_name, description, "
                                  "category, sub_category, complexity_level, language, origin, created_by, status, "
                                  "search_keywords, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
                       "prepare insert");
        st->bind_all(id, r.name, r.display_name, r.description, r.category, r.sub_category, r.complexity, r.language,
                     r.origin, r.created_by, r.status, r.search_keywords, now, now);
        must(st->run(), "insert " + r.name);
      }
      std::vector<std::string> tags = r.tags;
      std::sort(tags.begin(), tags.end());
      tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
      for (const auto& t : tags) {
        auto st = must(db.prepare("INSERT INTO strategy_tags (strategy_id, tag) VALUES (?, ?)"), "prepare tag");
        st->bind_all(id, t);
        must(st->run(), "tag");
      }
      {
        std::string tag_text;
        for (const auto& t : tags) tag_text += (tag_text.empty() ? "" : " ") + t;
        std::string name_text = r.name;
        std::replace(name_text.begin(), name_text.end(), '_', ' ');
        name_text += " " + r.name;
        auto st = must(db.prepare("INSERT INTO strategies_fts (rowid, strategy_name, display_name, description, "
                                  "search_keywords, tags) VALUES ((SELECT rowid FROM strategies WHERE strategy_id = ?),"
                                  "?,?,?,?,?)"),
                       "prepare fts");
        st->bind_all(id, name_text, r.display_name, r.description, r.search_keywords, tag_text);
        must(st->run(), "fts");
      }
    }
    auto st = must(db.prepare("UPDATE strategies SET lifetime_sharpe_ratio = ?, lifetime_win_rate = ?, "
                              "total_trades = ?, total_pnl = ? WHERE strategy_name = ?"),
                   "prepare update");
    for (size_t i = 0; i < scale; ++i) {
      st->reset();
      const bool has_trades = g.uniform(5) != 0;  // a fifth never traded: no Sharpe
      const int64_t trades = has_trades ? static_cast<int64_t>(20 + g.uniform(2000)) : 0;
      st->bind(1, has_trades ? std::optional<double>(g.normal(0.6, 0.7)) : std::nullopt);
      st->bind(2, has_trades ? std::optional<double>(g.real(0.35, 0.70)) : std::nullopt);
      st->bind(3, trades);
      st->bind(4, has_trades ? g.normal(1000, 5000) : 0.0);
      st->bind(5, regs[i].name);
      must(st->run(), "update summary");
    }
    must(txn.commit(), "commit");
  }
  std::printf("(b) grew to %zu strategies by SQL in one transaction in %.1f s\n", scale, seconds_since(t0));

  // Single changes through the API at this size.
  {
    std::vector<double> reg_ms, upd_ms;
    for (size_t i = 0; i < 50; ++i) {
      Registration r = make_registration(g, scale + i);
      auto t = Clock::now();
      must(cat->register_strategy(r), "register at scale");
      reg_ms.push_back(seconds_since(t) * 1000);
      StrategyUpdate u;
      u.description = r.description + " Updated.";
      t = Clock::now();
      must(cat->update_strategy(regs[g.uniform(scale)].name, u), "update at scale");
      upd_ms.push_back(seconds_since(t) * 1000);
    }
    const auto rp = percentiles(reg_ms), up = percentiles(upd_ms);
    std::printf("    at %zu: register_strategy p50 %.2f ms (p95 %.2f); update_strategy p50 %.2f ms (p95 %.2f)\n", scale,
                rp.p50, rp.p95, up.p50, up.p95);
  }

  // Queries: a mix of frequent and rare words, two-word phrases and prefixes.
  std::vector<std::string> searches;
  for (size_t i = 0; i < 200; ++i) {
    switch (i % 5) {
      case 0: searches.push_back(kWords[g.zipf(kWords.size())]); break;                           // frequent-ish word
      case 1: searches.push_back(kWords[g.uniform(kWords.size())]); break;                        // any word
      case 2: searches.push_back(kConcepts[g.uniform(kConcepts.size())]); break;                  // a name word
      case 3: searches.push_back(kWords[g.uniform(kWords.size())] + " " + kWords[g.zipf(kWords.size())]); break;
      case 4: {
        std::string w = kWords[g.uniform(kWords.size())];
        searches.push_back(w.substr(0, std::max<size_t>(3, w.size() / 2)));  // a prefix as typed
        break;
      }
    }
  }
  std::vector<double> search_ms;
  size_t search_hits = 0;
  for (const auto& q : searches) {
    auto t = Clock::now();
    auto hits = must(cat->search(q, 20), "search " + q);
    search_ms.push_back(seconds_since(t) * 1000);
    search_hits += hits.size();
  }
  std::vector<double> list_ms;
  size_t list_rows = 0;
  for (size_t i = 0; i < 200; ++i) {
    StrategyFilter f;
    f.category = kCategories[g.uniform(kCategories.size())];
    f.all_tags = {kTags[g.zipf(kTags.size())]};
    f.min_sharpe = std::vector<double>{0.5, 1.0, 1.5}[g.uniform(3)];
    f.sort = "sharpe";
    f.descending = true;
    f.limit = 50;
    auto t = Clock::now();
    auto rows = must(cat->list(f), "list");
    list_ms.push_back(seconds_since(t) * 1000);
    list_rows += rows.size();
  }
  const auto sp = percentiles(search_ms), lp = percentiles(list_ms);
  std::printf("    200 full-text searches (limit 20): p50 %.2f ms, p95 %.2f ms, max %.2f ms, %.1f hits/query"
              "   [target p50 < 5 ms]\n",
              sp.p50, sp.p95, sp.max, static_cast<double>(search_hits) / 200);
  std::printf("    200 filtered listings (category+tag+min_sharpe, sharpe desc, limit 50): p50 %.2f ms, p95 %.2f ms,"
              " max %.2f ms, %.1f rows/query   [target p50 < 5 ms]\n",
              lp.p50, lp.p95, lp.max, static_cast<double>(list_rows) / 200);

  cat.reset();
  if (keep) {
    std::printf("kept: %s\n", (dir / "catalog.db").c_str());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}
