#include "host/live/plugin_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace algohost::live {

namespace fs = std::filesystem;

struct PluginWatcher::Impl {
  std::vector<fs::path> dirs;
  std::function<void()> on_change;
  std::chrono::milliseconds settle;
  boost::asio::io_context io;
  std::unique_ptr<boost::asio::posix::stream_descriptor> fd;
  boost::asio::steady_timer timer{io};
  std::map<int, std::pair<fs::path, int>> watches;  // wd -> (folder, depth below a plugin folder)
  alignas(inotify_event) char buf[16 * 1024];
  std::thread thread;
  std::atomic<uint64_t> changes{0};
  bool started = false;

  static constexpr uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF;

  void watch(const fs::path& dir, int depth) {
    const int wd = ::inotify_add_watch(fd->native_handle(), dir.c_str(), kMask);
    if (wd < 0) return;  // gone, or not a folder
    watches[wd] = {dir, depth};
    if (depth >= 2) return;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory(ec)) watch(e.path(), depth + 1);
  }

  void read() {
    fd->async_read_some(boost::asio::buffer(buf), [this](const boost::system::error_code& ec, size_t n) {
      if (ec) return;  // stopped
      for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += sizeof(inotify_event) + ev->len;
        auto it = watches.find(ev->wd);
        if (it == watches.end()) continue;
        if ((ev->mask & IN_ISDIR) && ev->len > 0 && it->second.second < 2)
          watch(it->second.first / ev->name, it->second.second + 1);
        if (ev->mask & IN_IGNORED) watches.erase(it);
      }
      timer.expires_after(settle);
      timer.async_wait([this](const boost::system::error_code& e) {
        if (e) return;  // restarted by a later event, or stopped
        changes.fetch_add(1);
        on_change();
      });
      read();
    });
  }
};

PluginWatcher::PluginWatcher(std::vector<fs::path> dirs, std::function<void()> on_change, std::chrono::milliseconds settle)
    : impl_(std::make_unique<Impl>()) {
  impl_->dirs = std::move(dirs);
  impl_->on_change = std::move(on_change);
  impl_->settle = settle;
}

PluginWatcher::~PluginWatcher() { stop(); }

Status PluginWatcher::start() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::IoError(std::string("inotify: ") + std::strerror(errno));
  impl_->fd = std::make_unique<boost::asio::posix::stream_descriptor>(impl_->io, fd);
  for (const auto& d : impl_->dirs) impl_->watch(d, 0);
  if (impl_->watches.empty()) spdlog::warn("serve --watch: none of the plugin folders can be watched");
  impl_->read();
  impl_->started = true;
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return Status::Ok();
}

void PluginWatcher::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->fd.reset();
}

uint64_t PluginWatcher::changes() const { return impl_->changes.load(); }

}  // namespace algohost::live
