// MEM test fixtures: hand-built market data and a fixture strategy, and a two-arm harness that
// mirrors RunService's MEM wiring (enhanced arm with a MemStage, shadow base arm, learning from
// the base arm's closed trades in close order, frozen at the split).
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "host/engine/engine.h"
#include "host/mem/mem_stage.h"
#include "host/mem/scoring.h"

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

struct TwoArmResult {
  EngineResult engine;
  mem::MemComparison cmp;
  nlohmann::json state;         // after finish()
  std::vector<mem::Pattern> at_split;
  int64_t split_ms = 0;
};

inline TwoArmResult run_two_arms(const MarketData& md, mem::Mode mode = mem::Mode::kFull, uint64_t seed = 42,
                                 double train_fraction = 0.5, const nlohmann::json* load = nullptr) {
  TwoArmResult out;
  const auto& ts = md.series[0].ts_ms;
  out.split_ms = ts[static_cast<size_t>(train_fraction * static_cast<double>(ts.size()))];
  mem::MemConfig mc;
  mc.mode = mode;
  mc.default_size = 1.0;
  mc.enhance_from_ms = out.split_ms;
  mc.learn_before_ms = out.split_ms;
  mc.model.seed = seed;
  mc.symbols = {md.series[0].symbol};
  mem::MemStage stage(mc);
  if (load) (void)stage.load_json(*load);
  std::vector<StrategySetup> setups(2);
  for (int k = 0; k < 2; ++k) {
    setups[k].label = k == 0 ? "periodic@1.0.0" : "periodic@1.0.0 [base]";
    setups[k].instances.push_back(std::make_unique<PeriodicStrategy>());
    setups[k].broker.default_size = 1.0;
  }
  setups[0].stage = &stage;
  EngineOptions eo;
  out.engine = run_engine(md, setups, eo, [&](size_t k, const std::vector<ClosedTrade>& trades) {
    if (k == 1)
      for (const auto& t : trades) stage.learn(t);
  });
  out.at_split = stage.miner().patterns();
  out.cmp = mem::compare_arms(out.engine.outcomes[1], out.engine.outcomes[0], out.split_ms, out.at_split,
                              stage.standardizer(), 252, 0);
  stage.finish();
  out.state = stage.to_json();
  return out;
}

}  // namespace algohost::memtest
