#include "host/data/synthetic.h"

#include <cmath>
#include <sstream>

#include "host/data/timestamp.h"

namespace algohost {
namespace {

// xoshiro256** seeded through splitmix64: fully specified, identical everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double r = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
    spare_ = r * std::sin(th);
    has_spare_ = true;
    return r * std::cos(th);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

struct RegimeParams {
  double drift;  // annual
  double vol;    // annual
  double pull;   // mean reversion speed per year toward the anchor
};
constexpr RegimeParams kRegimes[] = {{0.25, 0.15, 0.0}, {0.0, 0.12, 8.0}, {-0.10, 0.45, 0.0}};
// Transition matrix rows: from regime i, probability per bar of moving to j (scaled by bar length).
constexpr double kSwitchPerYear = 4.0;

}  // namespace

const char* regime_name(Regime r) {
  switch (r) {
    case Regime::kTrending: return "trending";
    case Regime::kMeanReverting: return "mean_reverting";
    case Regime::kVolatile: return "volatile";
  }
  return "?";
}

Result<SyntheticSpec> SyntheticSpec::parse(const std::string& text) {
  SyntheticSpec spec;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("--synthetic: '" + item + "': expected key=value");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("--synthetic: " + key + "=" + value + ": " + why);
    };
    auto integer = [&](int64_t lo, int64_t hi, int64_t& out) -> bool {
      try {
        size_t used = 0;
        long long v = std::stoll(value, &used);
        if (used != value.size() || v < lo || v > hi) return false;
        out = v;
        return true;
      } catch (...) {
        return false;
      }
    };
    if (key == "symbols") {
      int64_t v;
      if (!integer(1, 1000, v)) return bad("expected an integer in [1, 1000]");
      spec.symbols = static_cast<int>(v);
    } else if (key == "bars") {
      if (!integer(1, 100'000'000, spec.bars)) return bad("expected an integer in [1, 100000000]");
    } else if (key == "seed") {
      int64_t v;
      if (!integer(0, INT64_MAX, v)) return bad("expected a non-negative integer");
      spec.seed = static_cast<uint64_t>(v);
    } else if (key == "timeframe") {
      static const std::pair<const char*, int64_t> kFrames[] = {
          {"1m", 60'000}, {"5m", 300'000}, {"15m", 900'000}, {"1h", 3'600'000}, {"4h", 14'400'000}, {"1d", 86'400'000}};
      bool found = false;
      for (const auto& [name, ms] : kFrames)
        if (value == name) {
          spec.step_ms = ms;
          spec.timeframe = name;
          found = true;
        }
      if (!found) return bad("expected one of 1m, 5m, 15m, 1h, 4h, 1d");
    } else if (key == "start") {
      auto ts = parse_timestamp_ms(value);
      if (!ts) return bad("expected an ISO-8601 date or date-time");
      spec.start_ms = *ts;
    } else if (key == "correlation") {
      try {
        size_t used = 0;
        double v = std::stod(value, &used);
        if (used != value.size() || !(v >= 0 && v <= 0.99)) return bad("expected a number in [0, 0.99]");
        spec.correlation = v;
      } catch (...) {
        return bad("expected a number in [0, 0.99]");
      }
    } else {
      return Status::InvalidArgument("--synthetic: unknown key '" + key +
                                     "' (known: symbols, bars, seed, timeframe, start, correlation)");
    }
  }
  // Every bar's time must be one the catalog can record (ISO-8601 years 0000-9999).
  constexpr int64_t kLastMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
  if (spec.start_ms > kLastMs)
    return Status::InvalidArgument("--synthetic: start=" + format_timestamp_ms(spec.start_ms) +
                                   ": expected a time no later than 9999-12-31");
  const int64_t most = (kLastMs - spec.start_ms) / spec.step_ms + 1;
  if (spec.bars > most)
    return Status::InvalidArgument("--synthetic: bars=" + std::to_string(spec.bars) + " of " + spec.timeframe +
                                   " from " + format_timestamp_ms(spec.start_ms) +
                                   " would run past 9999-12-31, the last time the catalog records; at most " +
                                   std::to_string(most) + " bars (or a shorter timeframe, e.g. timeframe=1m)");
  return spec;
}

std::string SyntheticSpec::to_string() const {
  std::ostringstream os;
  os << "symbols=" << symbols << ",bars=" << bars << ",seed=" << seed << ",timeframe=" << timeframe
     << ",start=" << format_timestamp_ms(start_ms) << ",correlation=" << correlation;
  return os.str();
}

MarketData generate_synthetic(const SyntheticSpec& spec) {
  Rng rng(spec.seed);
  const double dt = static_cast<double>(spec.step_ms) / (365.25 * 86'400'000.0);
  const double sqdt = std::sqrt(dt);
  const double switch_p = 1.0 - std::exp(-kSwitchPerYear * dt);
  const double rho = std::sqrt(spec.correlation), idio = std::sqrt(1.0 - spec.correlation);

  MarketData md;
  md.series.resize(static_cast<size_t>(spec.symbols));
  std::vector<double> log_price(md.series.size()), anchor(md.series.size()), carry(md.series.size()),
      base_volume(md.series.size());
  for (size_t i = 0; i < md.series.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "SYN%03zu", i);
    auto& s = md.series[i];
    s.symbol = name;
    for (auto* v : {&s.ts_ms}) v->reserve(static_cast<size_t>(spec.bars));
    for (auto* v : {&s.open, &s.high, &s.low, &s.close, &s.volume, &s.carry}) v->reserve(static_cast<size_t>(spec.bars));
    log_price[i] = std::log(20.0 + 180.0 * rng.uniform());
    anchor[i] = log_price[i];
    carry[i] = -0.01 + 0.06 * rng.uniform();
    base_volume[i] = 1e5 * (1.0 + 9.0 * rng.uniform());
  }
  int regime = 0;
  for (int64_t b = 0; b < spec.bars; ++b) {
    if (rng.uniform() < switch_p) regime = static_cast<int>(rng.next() % 3);
    const RegimeParams& rp = kRegimes[regime];
    const double common = rng.normal();
    const int64_t ts = spec.start_ms + b * spec.step_ms;
    for (size_t i = 0; i < md.series.size(); ++i) {
      auto& s = md.series[i];
      const double z = rho * common + idio * rng.normal();
      const double prev = log_price[i];
      anchor[i] += 0.02 * dt * rng.normal();
      const double pull = -rp.pull * (prev - anchor[i]) * dt;
      const double ret = (rp.drift - 0.5 * rp.vol * rp.vol) * dt + pull + rp.vol * sqdt * z;
      const double gap = 0.1 * rp.vol * sqdt * rng.normal();
      const double open = std::exp(prev + gap);
      log_price[i] = prev + gap + ret;
      const double close = std::exp(log_price[i]);
      const double range = rp.vol * sqdt;
      const double high = std::max(open, close) * std::exp(0.5 * range * std::fabs(rng.normal()));
      const double low = std::min(open, close) * std::exp(-0.5 * range * std::fabs(rng.normal()));
      const double vol = base_volume[i] * std::exp(0.3 * rng.normal()) * (1.0 + 3.0 * std::fabs(ret) / (range + 1e-12));
      carry[i] += 0.002 * sqdt * rng.normal();
      s.ts_ms.push_back(ts);
      s.open.push_back(open);
      s.high.push_back(high);
      s.low.push_back(low);
      s.close.push_back(close);
      s.volume.push_back(std::floor(vol));
      s.carry.push_back(carry[i]);
    }
  }
  return md;
}

}  // namespace algohost
