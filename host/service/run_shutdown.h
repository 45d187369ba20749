// RunShutdown — how a run ends on SIGINT and SIGTERM, even when a plugin call never returns.
//
// While one exists it owns SIGINT and SIGTERM (the previous handlers come back when it is
// destroyed):
//  - The first SIGINT sets stop_flag(): the engine stops before the next slice, and the run ends
//    "interrupted" the normal way (everything recorded, results computed).
//  - SIGTERM, or a second SIGINT, sets it too and starts a deadline of kGrace. If the process has
//    not ended by then (the engine is inside a plugin call that does not return: a native infinite
//    loop, a Python `while True` or `time.sleep(1e5)`), a watchdog thread ends it: it flushes the
//    attached recorder (at most kFlushLimit), marks the attached run "interrupted" through a
//    catalog connection of its own, and exits with 128 + the signal number. All within 2 seconds.
// A native call cannot be stopped safely inside the process: the process ends around it.
// The run is attached by RunService once it is recorded, and detached when it has ended.
// Thread-safe; at most one instance at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace algohost {

class Recorder;

class RunShutdown {
 public:
  static constexpr std::chrono::milliseconds kGrace{900};
  static constexpr std::chrono::milliseconds kFlushLimit{500};

  RunShutdown();
  ~RunShutdown();
  RunShutdown(const RunShutdown&) = delete;
  RunShutdown& operator=(const RunShutdown&) = delete;

  const std::atomic<bool>* stop_flag() const;
  // The signal that ended (or is ending) the process: 0 when none came.
  int signal_number() const;

  // The run in progress and its catalog file; "" detaches it.
  void attach_run(const std::filesystem::path& catalog_file, const std::string& run_id);
  // The run's recorder, flushed before an exit on the deadline; null detaches it (before it is
  // destroyed: this waits for an exit in progress, which never returns).
  void attach_recorder(Recorder* recorder);

 private:
  void watch();
  [[noreturn]] void end_now(int signo);

  std::mutex mu_;  // guards the attachments; held by end_now() to the end
  std::filesystem::path catalog_file_;
  std::string run_id_;
  Recorder* recorder_ = nullptr;
  std::thread watchdog_;
};

}  // namespace algohost
