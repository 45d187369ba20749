#include "host/instance/strategy_instance.h"

#include <algorithm>

namespace algohost {

Status StrategyInstance::on_batch_sparse(const ah_series& series, std::vector<IndexedSignal>& out, uint64_t* done) {
  constexpr uint64_t kChunk = 4096;
  out.clear();
  std::vector<ah_signal> buf(std::min<uint64_t>(kChunk, series.n));
  uint64_t local = 0;
  uint64_t& finished = done ? *done : local;
  finished = 0;
  for (uint64_t start = 0; start < series.n; start += kChunk) {
    const uint64_t n = std::min(kChunk, series.n - start);
    ah_series part = series;
    part.n = n;
    part.ts_ms += start;
    part.open += start;
    part.high += start;
    part.low += start;
    part.close += start;
    part.volume += start;
    if (part.carry) part.carry += start;
    uint64_t part_done = 0;
    Status st = on_batch(part, buf.data(), &part_done);
    const uint64_t valid = st.ok() ? n : part_done;
    for (uint64_t k = 0; k < valid; ++k)
      if (buf[k].action != AH_HOLD) out.push_back({start + k, buf[k]});
    finished = start + valid;
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace algohost
