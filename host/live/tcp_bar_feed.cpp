// TcpBarFeed: line-delimited JSON bars over TCP, on an io_context thread of its own (Boost.Asio).
//
// Each connection is a Session: async_read_until '\n' into a string capped at kMaxLine bytes;
// every complete line in the buffer is handled (parsed, checked, pushed to the aligner) and its
// reply appended, then all replies go out in one async_write before the next read. A line that
// fills the buffer without a newline gets an error reply, after which the session stops reading
// lines: it shuts down its sending side and discards what the client still sends (at most
// kDrainBytes, for at most kDrainTime) before closing, so that the client reads the reply rather
// than a reset. Nothing a client sends can end the feed: every exception is caught per line.
//
// stop() posts the closing of the acceptor and of every session to the io thread, stops the
// io_context and joins. A push that waits on back-pressure holds the io thread: close the
// SliceQueue behind the aligner before stopping.
#include <array>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "host/live/feeds.h"

namespace algohost::live {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxLine = 64 * 1024;  // bytes in a line, its newline included
constexpr size_t kDrainBytes = 1 << 20;
constexpr auto kDrainTime = std::chrono::seconds(5);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

class Session;
}  // namespace

struct TcpBarFeed::Impl {
  Impl(std::string address_in, uint16_t port_in, LiveAligner& aligner_in)
      : address(std::move(address_in)), requested_port(port_in), aligner(aligner_in) {}

  void accept();
  void close_all();  // on the io thread, or once it has stopped

  std::string address;
  uint16_t requested_port;
  LiveAligner& aligner;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::vector<std::weak_ptr<Session>> sessions;  // io thread only
  std::thread thread;
  std::atomic<uint16_t> port{0};
  std::atomic<uint64_t> lines{0}, errors{0};
};

namespace {

std::string json_error_text(const nlohmann::json::exception& e) {
  std::string what = e.what();  // "[json.exception.parse_error.101] parse error at ..."
  auto pos = what.find("] ");
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, TcpBarFeed::Impl& feed)
      : socket_(std::move(socket)), drain_timer_(socket_.get_executor()), feed_(feed) {}

  void start() {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    read();
  }

  void close() {
    error_code ec;
    drain_timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void read() {
    asio::async_read_until(socket_, asio::dynamic_buffer(in_, kMaxLine), '\n',
                           [self = shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    const bool too_long = ec == asio::error::not_found;
    const bool eof = ec == asio::error::eof;
    if (ec && !too_long && !eof) return;  // closed, reset or aborted by stop()
    out_.clear();
    size_t from = 0;
    for (size_t nl; (nl = in_.find('\n', from)) != std::string::npos; from = nl + 1)
      handle_line(std::string_view(in_).substr(from, nl - from));
    in_.erase(0, from);
    if (too_long) {
      ++line_;
      ++feed_.lines;
      reply_error("the line is longer than " + std::to_string(kMaxLine - 1) + " bytes; the connection is closed");
      in_.clear();
    } else if (eof && !in_.empty()) {  // a last line without its newline
      handle_line(in_);
      in_.clear();
    }
    write(too_long ? After::kDrain : eof ? After::kClose : After::kRead);
  }

  enum class After { kRead, kClose, kDrain };

  void write(After after) {
    if (out_.empty()) return then(after);
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this(), after](error_code ec, size_t) {
      if (!ec) self->then(after);
    });
  }

  void then(After after) {
    if (after == After::kRead) return read();
    if (after == After::kClose) return close();
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    drain_timer_.expires_after(kDrainTime);
    drain_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ >= kDrainBytes) return self->close();
      self->drain();
    });
  }

  void handle_line(std::string_view line) {
    ++line_;
    ++feed_.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    try {
      auto j = nlohmann::json::parse(line);
      auto bar = parse_bar_json(j, "bar");
      if (!bar.ok()) return reply_error(bar.status().message());
      Status s = feed_.aligner.push(bar->symbol, bar->bar, bar->carry);
      if (!s.ok()) return reply_error(s.message());
      out_ += "{\"ok\":true}\n";
    } catch (const nlohmann::json::exception& e) {
      reply_error("invalid JSON: " + json_error_text(e));
    } catch (const std::exception& e) {
      reply_error(std::string("internal error: ") + e.what());
    }
  }

  void reply_error(const std::string& message) {
    ++feed_.errors;
    nlohmann::ordered_json r;
    r["ok"] = false;
    r["line"] = line_;
    r["error"] = message;
    out_ += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out_ += '\n';
  }

  tcp::socket socket_;
  asio::steady_timer drain_timer_;
  TcpBarFeed::Impl& feed_;
  std::string in_, out_;
  uint64_t line_ = 0;
  size_t drained_ = 0;
  std::array<char, 4096> scratch_{};
};

}  // namespace

void TcpBarFeed::Impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {  // e.g. out of file descriptors: try again a little later rather than spin
      spdlog::warn("bar feed on {}:{}: accept failed: {}", address, port.load(), ec.message());
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](error_code e) {
        if (!e) accept();
      });
      return;
    }
    std::erase_if(sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
    auto session = std::make_shared<Session>(std::move(socket), *this);
    sessions.push_back(session);
    session->start();
    accept();
  });
}

void TcpBarFeed::Impl::close_all() {
  error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  for (auto& w : sessions)
    if (auto s = w.lock()) s->close();
  sessions.clear();
}

TcpBarFeed::TcpBarFeed(std::string address, uint16_t port, LiveAligner& aligner)
    : impl_(std::make_unique<Impl>(std::move(address), port, aligner)) {}

TcpBarFeed::~TcpBarFeed() { stop(); }

Status TcpBarFeed::start() {
  Impl& d = *impl_;
  const std::string where = d.address + ":" + std::to_string(d.requested_port);
  if (d.thread.joinable() || d.acceptor.is_open())
    return Status::FailedPrecondition("bar feed on " + where + ": already started");
  error_code ec;
  auto address = asio::ip::make_address(d.address, ec);
  if (ec) return Status::IoError("cannot listen for bars on " + where + ": '" + d.address + "' is not an IP address");
  tcp::endpoint endpoint(address, d.requested_port);
  auto failed = [&](const char* step) {
    error_code ignored;
    d.acceptor.close(ignored);
    return Status::IoError("cannot listen for bars on " + where + ": " + step + ": " + ec.message());
  };
  if (d.acceptor.open(endpoint.protocol(), ec)) return failed("open");
  if (d.acceptor.set_option(tcp::acceptor::reuse_address(true), ec)) return failed("set_option");
  if (d.acceptor.bind(endpoint, ec)) return failed("bind");
  if (d.acceptor.listen(asio::socket_base::max_listen_connections, ec)) return failed("listen");
  d.port = d.acceptor.local_endpoint(ec).port();
  d.accept();
  d.thread = std::thread([&d] {
    for (;;) {
      try {
        d.io.run();
        return;
      } catch (const std::exception& e) {  // a handler must not end the feed
        spdlog::error("bar feed on {}:{}: {}", d.address, d.port.load(), e.what());
      }
    }
  });
  return Status::Ok();
}

void TcpBarFeed::stop() {
  Impl& d = *impl_;
  if (d.thread.joinable()) {
    asio::post(d.io, [&d] {
      d.close_all();
      d.io.stop();
    });
    d.thread.join();
  }
  d.close_all();  // the io thread is gone (or never ran): safe from here
}

uint16_t TcpBarFeed::port() const { return impl_->port.load(); }
uint64_t TcpBarFeed::lines() const { return impl_->lines.load(); }
uint64_t TcpBarFeed::errors() const { return impl_->errors.load(); }

}  // namespace algohost::live
