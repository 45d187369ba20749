#include "host/mem/mem_stage.h"

#include <algorithm>
#include <cmath>

namespace algohost::mem {

MemStage::MemStage(MemConfig cfg)
    : cfg_(std::move(cfg)),
      model_(cfg_.model),
      miner_(cfg_.patterns),
      schedule_(cfg_.learn_before_ms),
      gate_(cfg_.gate, cfg_.mode, cfg_.data_from_ms, cfg_.enhance_from_ms) {
  // With the gate, outcomes that close in the validation slice are held too (until the split).
  if (gate_.active()) schedule_ = LearnSchedule(std::min(cfg_.learn_before_ms, gate_.validate_from_ms()));
  for (size_t i = 0; i < cfg_.symbols.size(); ++i) run_to_id_.push_back(symbol_id(static_cast<uint32_t>(i)));
}

uint32_t MemStage::symbol_id(uint32_t run_symbol) {
  if (run_symbol < run_to_id_.size()) return run_to_id_[run_symbol];
  std::string name;  // built in steps: GCC 12 warns (-Wrestrict) on "#" + std::to_string(...)
  if (run_symbol < cfg_.symbols.size()) {
    name = cfg_.symbols[run_symbol];
  } else {
    name = "#";
    name += std::to_string(run_symbol);
  }
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) return static_cast<uint32_t>(it - names_.begin());
  names_.push_back(name);
  return static_cast<uint32_t>(names_.size() - 1);
}

Decision MemStage::judge(uint32_t symbol, const ContextReading& ctx, int side, double base_confidence, double base_size,
                         Evidence* out) const {
  Evidence e;
  const FeatureVec raw = raw_features(ctx, side, base_confidence);
  const FeatureVec z = st_.apply(raw);
  e.model_n = model_.updates();
  if (e.model_n >= 10) {
    e.model_p = model_.predict(z);
    e.model_w = std::min(1.0, static_cast<double>(e.model_n) / 50.0);
  }
  const uint32_t id = symbol < run_to_id_.size() ? run_to_id_[symbol] : UINT32_MAX;
  const Recall r = memory_.recall(id, z, st_);
  e.memory_k = memory_.k();
  if (r.found >= 3) {
    e.memory_found = r.found;
    e.memory_wins = r.wins;
    e.memory_w = 0.5 * r.found / memory_.k();
  }
  if (!miner_.patterns().empty()) {
    if (const Pattern* p = miner_.best_match(discretize(raw, st_))) {
      e.pattern_key = p->key();
      e.pattern_occurrences = p->occurrences;
      e.pattern_wins = p->wins;
    }
  }
  Decision d = combine(e, cfg_.mode, base_confidence, base_size, ctx.volatility, v_ref_);
  if (out) *out = std::move(e);
  return d;
}

void MemStage::enhance(const StageInput& in, ah_signal& sig, SignalNote& note) {
  const bool validating = in.bar && gate_.in_validation(in.bar->ts_ms);
  if (in.bar && in.bar->ts_ms < cfg_.enhance_from_ms && !validating) return;
  if (in.bar && !validating && !gate_.decided() && gate_.active()) settle_gate();
  if (!in.context || !in.context->ready) return;
  if (in.account && (in.account->quantity(in.symbol) != 0 || !in.account->queues_order(in.symbol, sig))) return;
  int side;
  double base_size;
  if (sig.action == AH_TARGET) {
    if (sig.target_position == 0) return;  // an exit
    side = sig.target_position > 0 ? 1 : -1;
    base_size = std::fabs(sig.target_position);
  } else {
    side = sig.action == AH_BUY ? 1 : -1;
    base_size = sig.position_size > 0 ? sig.position_size : cfg_.default_size;
  }
  const double base_conf = sig.confidence;
  if (validating) {  // judged, not acted on: the gate learns what the stage would have done
    Evidence e;
    Decision d = judge(in.symbol, *in.context, side, base_conf, base_size, &e);
    if (cfg_.mode != Mode::kFull) d = combine(e, Mode::kFull, base_conf, base_size, in.context->volatility, v_ref_);
    gate_.judged(in.symbol, in.bar->ts_ms, d, base_size);
    return;
  }
  if (!gate_.acts()) {
    gate_.count_passed();
    return;
  }
  ++counters_.entries_seen;
  Evidence e;
  const Decision d = judge(in.symbol, *in.context, side, base_conf, base_size, &e);
  ++counters_.enhanced;
  sig.confidence = d.confidence;
  if (cfg_.mode == Mode::kFull) {
    if (sig.action == AH_TARGET)
      sig.target_position = side * d.size;
    else
      sig.position_size = d.size;
    if (d.veto) {
      sig.action = AH_HOLD;
      ++counters_.vetoed;
    }
  }
  note.enhanced = true;
  note.confidence_boost = d.boost;
  note.reasoning = reasoning(e, cfg_.mode, base_conf, base_size, d);
  note.pattern = std::move(e.pattern_key);
}

void MemStage::learn(const ClosedTrade& t) {
  const bool validation = gate_.in_validation(t.exit_ms) && !gate_.decided();
  if (schedule_.admit(t, counters_.skipped, counters_.deferred)) {
    learn_now(t);
    return;
  }
  if (validation && t.exit_ms > schedule_.skip_through_ms()) {  // held: a sample of skill, learned at the split
    --counters_.deferred;
    ++counters_.validation_held;
    gate_.outcome(t);
  }
}

void MemStage::settle_gate() {
  if (gate_.decided()) return;
  gate_.decide();
  // The held outcomes: those of the validation slice (learned now with refit, else after the run)
  // and any of the scoring part already kept.
  std::vector<ClosedTrade> held = schedule_.take_later();
  for (auto& t : held) {
    if (t.exit_ms < cfg_.enhance_from_ms && cfg_.gate.refit) learn_now(t);
    else after_split_.push_back(std::move(t));
  }
}

void MemStage::learn_now(const ClosedTrade& t) {
  if (!t.entry_context.ready) {
    ++counters_.skipped;
    return;
  }
  const int side = t.quantity > 0 ? 1 : -1;
  const double base_conf = t.was_enhanced ? t.confidence - t.confidence_boost : t.confidence;
  const FeatureVec raw = raw_features(t.entry_context, side, base_conf);
  const bool win = t.pnl > 0;
  const FeatureVec z = st_.apply(raw);  // as a decision would have seen it
  model_.update(z, win);
  st_.observe(raw);
  v_ref_ = st_.count() >= 2 ? std::exp(st_.mean(0)) : 0.0;
  memory_.add(symbol_id(t.symbol), raw, win);
  miner_.add(raw, win, t.entry_ms);
  last_learned_exit_ms_ = std::max(last_learned_exit_ms_, t.exit_ms);
  ++counters_.learned;
  if (++since_discovery_ >= cfg_.discover_every) {
    since_discovery_ = 0;
    miner_.discover(st_);
    ++counters_.discoveries;
  }
}

void MemStage::finish() {
  if (gate_.active()) settle_gate();
  for (const auto& t : after_split_) learn_now(t);
  after_split_.clear();
  for (const auto& t : schedule_.take_later()) learn_now(t);
}

nlohmann::json MemStage::to_json() const {
  nlohmann::json j;
  j["format"] = "algohost-mem-state/1";
  j["model"] = model_.to_json();
  j["standardizer"] = st_.to_json();
  j["symbols"] = names_;
  j["memory"] = memory_.to_json();
  j["patterns"] = miner_.to_json();
  j["learned"] = counters_.learned;
  j["since_discovery"] = since_discovery_;
  j["last_learned_exit_ms"] = last_learned_exit_ms_;
  return j;
}

Status MemStage::load_json(const nlohmann::json& j) {
  try {
    if (j.value("format", std::string()) != "algohost-mem-state/1")
      return Status::InvalidArgument("format: expected algohost-mem-state/1");
    model_ = LogisticModel::from_json(j.at("model"));
    st_ = Standardizer::from_json(j.at("standardizer"));
    v_ref_ = st_.count() >= 2 ? std::exp(st_.mean(0)) : 0.0;
    names_ = j.at("symbols").get<std::vector<std::string>>();
    memory_.load_json(j.at("memory"));
    // Memory entries refer to names_ indexes; map this run's symbols onto them.
    run_to_id_.clear();
    for (size_t i = 0; i < cfg_.symbols.size(); ++i) run_to_id_.push_back(symbol_id(static_cast<uint32_t>(i)));
    miner_.load_json(j.at("patterns"));
    counters_.learned = j.at("learned").get<int64_t>();
    since_discovery_ = j.at("since_discovery").get<int64_t>();
    last_learned_exit_ms_ = j.at("last_learned_exit_ms").get<int64_t>();
    schedule_.skip_through(last_learned_exit_ms_);
    gate_.start_after(last_learned_exit_ms_);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("MEM state: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace algohost::mem
