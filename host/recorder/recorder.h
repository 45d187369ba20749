// Recorder — writes trade outcomes to the catalog asynchronously, in batches.
//
// The engine pushes trades; a background thread takes up to `batch` of them at a time and writes
// each batch in one transaction on its own catalog connection. The queue is bounded: when it is
// full, push() waits (back-pressure) rather than dropping anything. flush() returns once every
// trade pushed before it is committed (or has failed: the first error is returned and kept).
// Summaries are refreshed once, by finish(), not per batch. WAL checkpoints run on a thread of
// their own (sql::WalCheckpointer), so a commit never waits for one. Thread-safe for one producer.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "registry/catalog/catalog.h"

namespace algohost {

class Recorder {
 public:
  struct Options {
    size_t capacity = 1 << 13;  // trades queued at most
    size_t batch = 4096;        // trades per transaction
    std::string actor = "recorder";
  };
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& catalog_file, Options options);
  ~Recorder();

  // Queues a trade; waits while the queue is full.
  void push(catalog::TradeRecord trade);
  // Waits until everything pushed so far is written; the first write error, if any.
  Status flush();
  // flush(), then refresh the summaries of every strategy recorded, then stop the thread.
  Status finish();

  uint64_t recorded() const;

 private:
  Recorder() = default;
  void loop();

  Options options_;
  std::unique_ptr<catalog::Catalog> catalog_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_, drained_;
  // Slots, swapped out whole by the writer thread; the first queued_ hold the queued trades, the
  // rest are records already written, kept to be moved into (their strings are reused).
  std::vector<catalog::TradeRecord> queue_;
  size_t queued_ = 0;
  size_t in_flight_ = 0;
  uint64_t recorded_ = 0;
  bool stopping_ = false;
  Status error_;
  std::set<std::string> strategies_;
  std::thread thread_;
};

}  // namespace algohost
