// Recorder — writes trade outcomes to the catalog asynchronously, in batches.
//
// The engine pushes trades; a background thread takes up to `batch` of them at a time and writes
// each batch in one transaction on its own catalog connection. The queue is bounded: when it is
// full, push() waits (back-pressure) rather than dropping anything. flush() returns once every
// trade pushed before it is committed (or has failed: the first error is returned and kept).
// Summaries are refreshed once, by finish(), not per batch. WAL checkpoints run on a thread of
// their own (sql::WalCheckpointer), so a commit never waits for one. Thread-safe for one producer;
// flush_for() may also be called from another thread (the shutdown watchdog).
//
// A trade waits at most `write_every` before it is written, even when fewer than `batch` are
// queued, so a process that dies (a plugin's segfault, kill -9) loses at most that much. While
// `heartbeat_run` is set, the writer thread also records that run's heartbeat every
// catalog::kHeartbeatSeconds (Catalog::heartbeat_run): the run's process is alive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
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
    std::chrono::milliseconds write_every{1000};
    std::string heartbeat_run;  // run id, or "" for none
  };
  static Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& catalog_file, Options options);
  ~Recorder();

  // Queues a trade; waits while the queue is full.
  void push(catalog::TradeRecord trade);
  // Waits until everything pushed so far is written; the first write error, if any.
  Status flush();
  // flush(), waiting at most `limit`: false when trades were still queued or being written then.
  bool flush_for(std::chrono::milliseconds limit);
  // flush(), then refresh the summaries of every strategy recorded, then stop the thread.
  Status finish();

  uint64_t recorded() const;
  // Trades queued or being written now (for /metrics).
  size_t queued() const;

 private:
  Recorder() = default;
  void loop();
  // Waits until nothing is queued or being written, or until `until`: true when drained.
  bool drain(std::optional<std::chrono::steady_clock::time_point> until);

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
  int flush_wanted_ = 0;  // flushes waiting: the writer takes what is queued without waiting for a batch
  Status error_;
  std::set<std::string> strategies_;
  std::thread thread_;
};

}  // namespace algohost
