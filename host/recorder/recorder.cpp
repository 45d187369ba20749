#include "host/recorder/recorder.h"

#include <algorithm>

namespace algohost {

Result<std::unique_ptr<Recorder>> Recorder::open(const std::filesystem::path& catalog_file, Options options) {
  catalog::CatalogOptions copts;
  copts.actor = options.actor;
  auto cat = catalog::Catalog::open(catalog_file, copts);
  if (!cat.ok()) return cat.status();
  std::unique_ptr<Recorder> r(new Recorder());
  r->options_ = options;
  r->catalog_ = std::move(*cat);
  r->thread_ = std::thread([p = r.get()] { p->loop(); });
  return r;
}

Recorder::~Recorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Recorder::push(catalog::TradeRecord trade) {
  std::unique_lock<std::mutex> lock(mu_);
  not_full_.wait(lock, [&] { return queue_.size() < options_.capacity || stopping_; });
  queue_.push_back(std::move(trade));
  if (queue_.size() >= std::min(options_.batch, options_.capacity)) not_empty_.notify_one();
}

void Recorder::loop() {
  std::vector<catalog::TradeRecord> taken;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) return;
      taken.swap(queue_);  // O(1) under the lock: the producer is never held up by copying
      in_flight_ = taken.size();
    }
    not_full_.notify_all();
    for (size_t from = 0; from < taken.size(); from += options_.batch) {
      const size_t n = std::min(options_.batch, taken.size() - from);
      const std::span<const catalog::TradeRecord> batch(taken.data() + from, n);
      Status written = catalog_->append_trades(batch);
      std::lock_guard<std::mutex> lock(mu_);
      if (written.ok()) {
        recorded_ += n;
        const std::string* last = nullptr;
        for (const auto& t : batch)
          if (!last || *last != t.strategy_id) strategies_.insert(*(last = &t.strategy_id));
      } else if (error_.ok()) {
        error_ = written.with_context("recording " + std::to_string(n) + " trades");
      }
      in_flight_ -= n;
    }
    taken.clear();
    drained_.notify_all();
  }
}

Status Recorder::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  not_empty_.notify_one();
  while (!queue_.empty() || in_flight_ > 0) {
    not_empty_.notify_one();
    drained_.wait_for(lock, std::chrono::milliseconds(50));
  }
  return error_;
}

Status Recorder::finish() {
  Status st = flush();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!st.ok()) return st;
  return catalog_->refresh_summaries(std::vector<std::string>(strategies_.begin(), strategies_.end()));
}

uint64_t Recorder::recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

}  // namespace algohost
