// PluginWatcher — `serve --watch`: notices new plugin version folders (inotify, read through a
// Boost.Asio descriptor on a thread of its own) and calls back once things settle.
//
// Watches each plugin folder and, below it, the strategy folders and their version folders
// (<dir>/<name>/<version>/), adding watches for folders as they appear. Any file or folder created,
// moved in or written there starts (or restarts) a quiet period of `settle`; when it ends without
// further events, `on_change` runs on the watcher's thread. A folder that does not exist is skipped.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "registry/common/status.h"

namespace algohost::live {

class PluginWatcher {
 public:
  PluginWatcher(std::vector<std::filesystem::path> dirs, std::function<void()> on_change,
                std::chrono::milliseconds settle = std::chrono::milliseconds(300));
  ~PluginWatcher();  // stop()
  Status start();    // IoError when inotify cannot be set up
  void stop();
  uint64_t changes() const;  // on_change calls so far

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace algohost::live
