// Momentum (rate of change): values, level rules, confidence, parameters, state, C table.
#include "momentum/momentum_strategy.hpp"
#include "test_util.hpp"

#include <set>

namespace algohost::test {
namespace {

using plugins::MomentumStrategy;

const char* const kParams = R"({"lookback": 20, "threshold": 0.02})";

TEST(Momentum, HandComputedValuesAndSignals) {
  // lookback 2, threshold 0.02:
  //   bar 2: 103 / 100 - 1 = +0.03 > 0.02   -> buy,  confidence 0.03 / 0.04 = 0.75
  //   bar 3: 101 / 100 - 1 = +0.01          -> hold
  //   bar 4: 98  / 103 - 1 = -0.048544      -> sell, confidence 0.048544 / 0.04 -> 1
  //   bar 5: 100 / 101 - 1 = -0.009901      -> hold
  //   bar 6: 96.5 / 98 - 1 = -0.015306      -> hold
  //   bar 7: 99.96 / 100 - 1 = -0.0004      -> hold
  //   bar 8: 95.06 / 96.5 - 1 = -0.014922   -> hold
  MomentumStrategy s(params(R"({"lookback": 2, "threshold": 0.02})"));
  const auto sigs = run(s, bars_from_closes({100, 100, 103, 101, 98, 100, 96.5, 99.96, 95.06}));
  EXPECT_EQ(reason(sigs[0]), "warmup");
  EXPECT_EQ(reason(sigs[1]), "warmup");
  EXPECT_EQ(sigs[0].n_diag, 0u);
  EXPECT_EQ(sigs[1].action, AH_HOLD);

  EXPECT_NEAR(sigs[2].diag[0], 0.03, 1e-12);
  EXPECT_EQ(sigs[2].action, AH_BUY);
  EXPECT_EQ(reason(sigs[2]), "momentum_up");
  EXPECT_NEAR(sigs[2].confidence, 0.75, 1e-9);

  EXPECT_NEAR(sigs[3].diag[0], 0.01, 1e-12);
  EXPECT_EQ(sigs[3].action, AH_HOLD);
  EXPECT_EQ(sigs[3].n_diag, 1u);

  EXPECT_NEAR(sigs[4].diag[0], 98.0 / 103.0 - 1.0, 1e-12);
  EXPECT_EQ(sigs[4].action, AH_SELL);
  EXPECT_EQ(reason(sigs[4]), "momentum_down");
  EXPECT_DOUBLE_EQ(sigs[4].confidence, 1.0);

  EXPECT_EQ(sigs[5].action, AH_HOLD);
  EXPECT_EQ(sigs[6].action, AH_HOLD);
  EXPECT_NEAR(sigs[6].diag[0], 96.5 / 98.0 - 1.0, 1e-12);
  EXPECT_EQ(sigs[7].action, AH_HOLD);
  EXPECT_NEAR(sigs[8].diag[0], -0.0149222797927461, 1e-12);
  EXPECT_EQ(sigs[8].action, AH_HOLD);
}

TEST(Momentum, MatchesNaiveAndRulesOnRandomSeries) {
  for (int lookback : {1, 5, 20, 60}) {
    SCOPED_TRACE("lookback " + std::to_string(lookback));
    const double thr = 0.03;
    const auto bars = random_bars(1500, 40 + static_cast<uint64_t>(lookback));
    const auto c = closes_of(bars);
    MomentumStrategy s(params(R"({"lookback": )" + std::to_string(lookback) +
                              R"(, "threshold": 0.03})"));
    const auto sigs = run(s, bars);
    std::set<double> confs;
    size_t buys = 0, sells = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      if (i < static_cast<size_t>(lookback)) {
        EXPECT_EQ(reason(sigs[i]), "warmup");
        EXPECT_EQ(sigs[i].action, AH_HOLD);
        continue;
      }
      const double roc = c[i] / c[i - lookback] - 1.0;
      ASSERT_EQ(sigs[i].n_diag, 1u);
      EXPECT_NEAR(sigs[i].diag[0], roc, 1e-12) << i;
      const int32_t want = roc > thr ? AH_BUY : (roc < -thr ? AH_SELL : AH_HOLD);
      ASSERT_EQ(sigs[i].action, want) << i;
      if (want != AH_HOLD) {
        const double conf = std::min(1.0, std::abs(roc) / (2 * thr));
        EXPECT_NEAR(sigs[i].confidence, conf, 1e-9);
        EXPECT_GE(sigs[i].confidence, 0.5);
        confs.insert(sigs[i].confidence);
        (want == AH_BUY ? buys : sells)++;
      } else {
        EXPECT_EQ(sigs[i].confidence, 0.0);
      }
    }
    if (lookback >= 5) {
      EXPECT_GT(buys, 10u);
      EXPECT_GT(sells, 10u);
      EXPECT_GT(confs.size(), 10u);  // confidence varies with the ROC
    }
  }
}

TEST(Momentum, ThresholdItselfIsNoSignal) {
  // threshold 0.5: 150 / 100 - 1 = 0.5 and 75 / 150 - 1 = -0.5 exactly: strict comparisons hold.
  MomentumStrategy s(params(R"({"lookback": 1, "threshold": 0.5})"));
  const auto sigs = run(s, bars_from_closes({100, 150, 75, 113}));
  EXPECT_EQ(sigs[1].diag[0], 0.5);
  EXPECT_EQ(sigs[1].action, AH_HOLD);
  EXPECT_EQ(sigs[2].diag[0], -0.5);
  EXPECT_EQ(sigs[2].action, AH_HOLD);
  EXPECT_EQ(sigs[3].action, AH_BUY);  // 113 / 75 - 1 = 0.5067
  EXPECT_NEAR(sigs[3].confidence, (113.0 / 75.0 - 1) / 1.0, 1e-12);
}

TEST(Momentum, BadPastPriceHolds) {
  MomentumStrategy s(params(R"({"lookback": 1, "threshold": 0.02})"));
  const auto sigs = run(s, bars_from_closes({0.0, 10.0, 12.0}));
  EXPECT_EQ(sigs[1].action, AH_HOLD);
  EXPECT_EQ(reason(sigs[1]), "bad_price");
  EXPECT_EQ(sigs[2].action, AH_BUY);
  EXPECT_NEAR(sigs[2].diag[0], 0.2, 1e-12);
}

TEST(Momentum, ParameterErrors) {
  EXPECT_THROW(MomentumStrategy(params(R"({"threshold": 0.02})")), std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 20})")), std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": "20", "threshold": 0.02})")),
               std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 2.5, "threshold": 0.02})")),
               std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 20, "threshold": false})")),
               std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 0, "threshold": 0.02})")),
               std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 20, "threshold": 0})")),
               std::invalid_argument);
  EXPECT_THROW(MomentumStrategy(params(R"({"lookback": 20, "threshold": -0.1})")),
               std::invalid_argument);
  const ah_strategy_api* api = sdk::api_for<MomentumStrategy>("momentum");
  expect_create_error(api, R"({"threshold": 0.02})", "lookback");
  expect_create_error(api, R"({"lookback": 20, "threshold": "big"})", "threshold");
}

TEST(Momentum, StateContinuity) {
  check_state_continuity<MomentumStrategy>(kParams, random_bars(300, 12),
                                           {0, 1, 19, 20, 21, 150, 299, 300});
}

TEST(Momentum, StateRefusesOtherLookback) {
  MomentumStrategy a(params(kParams));
  run(a, random_bars(30, 1));
  MomentumStrategy b(params(R"({"lookback": 10, "threshold": 0.02})"));
  EXPECT_THROW(b.import_state(a.export_state()), std::invalid_argument);
}

TEST(Momentum, ApiBatchSliceAndPerBarAgree) {
  check_api_equivalence<MomentumStrategy>("momentum", kParams, random_bars(400, 22), {"roc"});
}

}  // namespace
}  // namespace algohost::test
