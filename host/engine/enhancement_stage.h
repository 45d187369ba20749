// EnhancementStage — the step between a strategy's signal and the broker (the MEM stage's slot).
// The engine calls it for every actionable signal (buy, sell, target) with the market context as
// of the signal's bar; the stage may change confidence and size, veto (set the action to hold),
// and leaves a note that travels with the trade into the catalog. PassThroughStage changes
// nothing; the MEM stage (issue 6) replaces it.
#pragma once

#include <algohost/strategy_api.h>

#include "host/engine/market_context.h"
#include "host/engine/paper_broker.h"

namespace algohost {

struct Manifest;

struct StageInput {
  const Manifest* manifest = nullptr;
  uint32_t symbol = 0;
  const ah_bar* bar = nullptr;
  const ContextReading* context = nullptr;
  // The strategy's account before this signal (read-only), so a stage can tell an entry from an
  // exit: account->quantity(symbol) and account->queues_order(symbol, signal). May be null.
  const PaperAccount* account = nullptr;
};

class EnhancementStage {
 public:
  virtual ~EnhancementStage() = default;
  virtual void enhance(const StageInput& in, ah_signal& signal, SignalNote& note) = 0;
};

class PassThroughStage final : public EnhancementStage {
 public:
  void enhance(const StageInput&, ah_signal&, SignalNote&) override {}
};

}  // namespace algohost
