// MEM test fixtures: hand-built market data (a planted regularity, a plain random walk, a GARCH
// random walk), a CSV writer for it, and a fixture strategy. The MEM wiring itself is tested
// through RunService (mem_effect_test.cpp), never through a copy of it.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "host/data/timestamp.h"
#include "host/engine/engine.h"

namespace algohost::memtest {

// Buys every `every` bars and sells `hold` bars later (long only, confidence 0.6).
class PeriodicStrategy final : public StrategyInstance {
 public:
  PeriodicStrategy(int every = 10, int hold = 5) : every_(every), hold_(hold) {}
  const std::string& label() const override { return label_; }
  const std::vector<std::string>& diagnostics() const override { return diag_; }
  bool supports_batch() const override { return false; }
  Status on_slice(const ah_slice& slice, std::vector<ah_signal>& out) override {
    out.clear();
    const int64_t i = n_++;
    ah_signal s{};
    s.ts_ms = slice.ts_ms;
    s.confidence = 0.6;
    if (i >= 30 && i % every_ == 0) s.action = AH_BUY;
    else if (i >= 30 && i % every_ == hold_) s.action = AH_SELL;
    else return Status::Ok();
    out.push_back(s);
    return Status::Ok();
  }
  Status on_batch(const ah_series&, ah_signal*, uint64_t*) override { return Status::Unsupported("no batch"); }
  Result<std::string> export_state() override { return std::string(); }
  Status import_state(std::string_view) override { return Status::Ok(); }

 private:
  int every_, hold_;
  int64_t n_ = 0;
  std::string label_ = "periodic@1.0.0";
  std::vector<std::string> diag_;
};

// Daily bars from 2000-01-01. planted: blocks of 100 bars alternate between low volatility with
// an upward drift (longs mostly win) and high volatility with a downward drift (longs mostly
// lose). Otherwise a driftless random walk with constant volatility.
inline MarketData make_data(size_t bars, uint64_t seed, bool planted) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  MarketData md;
  BarSeries s;
  s.symbol = "TEST";
  double price = 100;
  const int64_t day = 86'400'000, t0 = 946'684'800'000;  // 2000-01-01
  for (size_t i = 0; i < bars; ++i) {
    double mu = 0, sigma = 0.01;
    if (planted) {
      const bool calm = (i / 100) % 2 == 0;
      mu = calm ? 0.002 : -0.004;
      sigma = calm ? 0.005 : 0.02;
    }
    const double r = mu + sigma * n01(rng);
    const double open = price;
    price = std::max(1.0, price * (1 + r));
    const double hi = std::max(open, price) * 1.001, lo = std::min(open, price) * 0.999;
    s.push(ah_bar{t0 + static_cast<int64_t>(i) * day, open, hi, lo, price, 1000.0 + 100.0 * n01(rng)});
  }
  md.series.push_back(std::move(s));
  return md;
}

// Daily bars from 2000-01-01 with no regularity but volatility clustering: a GARCH(1,1) random
// walk, r_t = sigma_t e_t, sigma_t^2 = w + 0.08 r_{t-1}^2 + 0.90 sigma_{t-1}^2, with an
// unconditional daily volatility of 1%.
inline MarketData make_garch(size_t bars, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  const double a = 0.08, b = 0.90, w = 1e-4 * (1 - a - b);
  MarketData md;
  BarSeries s;
  s.symbol = "GARCH";
  double price = 100, var = 1e-4, r = 0;
  const int64_t day = 86'400'000, t0 = 946'684'800'000;
  for (size_t i = 0; i < bars; ++i) {
    var = w + a * r * r + b * var;
    r = std::sqrt(var) * n01(rng);
    const double open = price;
    price = std::max(1.0, price * std::exp(r));
    const double hi = std::max(open, price) * (1 + 0.3 * std::sqrt(var)), lo = std::min(open, price) * (1 - 0.3 * std::sqrt(var));
    s.push(ah_bar{t0 + static_cast<int64_t>(i) * day, open, hi, lo, price, 1000.0 + 100.0 * n01(rng)});
  }
  md.series.push_back(std::move(s));
  return md;
}

// The data as a CSV file the host reads (timestamp,symbol,open,high,low,close,volume).
inline void write_csv(const std::filesystem::path& file, const MarketData& md) {
  std::ofstream out(file);
  out << "timestamp,symbol,open,high,low,close,volume\n";
  out.precision(12);
  for (const auto& s : md.series)
    for (size_t i = 0; i < s.size(); ++i)
      out << format_timestamp_ms(s.ts_ms[i]).substr(0, 10) << "," << s.symbol << "," << s.open[i] << "," << s.high[i] << ","
          << s.low[i] << "," << s.close[i] << "," << s.volume[i] << "\n";
}

}  // namespace algohost::memtest
