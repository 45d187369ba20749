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
  // This connection only appends trades (and reads them back once per strategy in finish()): a
  // page cache of a few batches is enough, and reusing it spares the writer from faulting in
  // fresh memory for every page it writes.
  (void)r->catalog_->database().exec("PRAGMA cache_size = -8192");
  // Catalog::append_trades checks, inside each batch's transaction, that every strategy, run and
  // version its trades name exists (once per distinct value), and nothing in the catalog deletes
  // those rows; SQLite's per-row foreign-key lookups on this connection would only repeat that.
  // Every other connection keeps enforcing them.
  (void)r->catalog_->database().exec("PRAGMA foreign_keys = OFF");
  // WAL checkpoints run on a thread of their own, not inside the writer's commits: every writable
  // Catalog starts one (sql::WalCheckpointer).
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
  not_full_.wait(lock, [&] { return queued_ < options_.capacity || stopping_; });
  // Into a slot kept from an earlier round when there is one: moving in hands the slot's old
  // strings to `trade` (libstdc++ swaps the buffers), which frees them on this thread, where the
  // next trade's strings are allocated: the writer thread never frees what this one allocates.
  if (queued_ < queue_.size())
    queue_[queued_] = std::move(trade);
  else
    queue_.push_back(std::move(trade));
  ++queued_;
  if (queued_ >= std::min(options_.batch, options_.capacity)) not_empty_.notify_one();
}

void Recorder::loop() {
  std::vector<catalog::TradeRecord> taken;  // slots; the first taken_n hold this round's trades
  size_t taken_n = 0;
  auto last_beat = std::chrono::steady_clock::now();
  const size_t full = std::min(options_.batch, options_.capacity);
  while (true) {
    if (!options_.heartbeat_run.empty() &&
        std::chrono::steady_clock::now() - last_beat >= std::chrono::seconds(catalog::kHeartbeatSeconds)) {
      (void)catalog_->heartbeat_run(options_.heartbeat_run);  // a missed beat is only a later one
      last_beat = std::chrono::steady_clock::now();
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      not_empty_.wait_for(lock, options_.write_every, [&] { return queued_ >= full || stopping_ || flush_wanted_ > 0; });
      if (queued_ == 0) {
        if (stopping_) return;
        continue;
      }
      taken.swap(queue_);  // O(1) under the lock: the producer is never held up by copying
      taken_n = queued_;
      queued_ = 0;
      in_flight_ = taken_n;
    }
    not_full_.notify_all();
    for (size_t from = 0; from < taken_n; from += options_.batch) {
      const size_t n = std::min(options_.batch, taken_n - from);
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
    taken_n = 0;  // the records stay as slots for the producer to move new trades into
    drained_.notify_all();
  }
}

bool Recorder::drain(std::optional<std::chrono::steady_clock::time_point> until) {
  std::unique_lock<std::mutex> lock(mu_);
  ++flush_wanted_;  // the writer takes what is queued without waiting for a full batch
  while ((queued_ > 0 || in_flight_ > 0) && (!until || std::chrono::steady_clock::now() < *until)) {
    not_empty_.notify_one();
    drained_.wait_for(lock, std::chrono::milliseconds(20));
  }
  --flush_wanted_;
  return queued_ == 0 && in_flight_ == 0;
}

Status Recorder::flush() {
  drain(std::nullopt);
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

bool Recorder::flush_for(std::chrono::milliseconds limit) { return drain(std::chrono::steady_clock::now() + limit); }

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

size_t Recorder::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_ + in_flight_;
}

uint64_t Recorder::recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

}  // namespace algohost
