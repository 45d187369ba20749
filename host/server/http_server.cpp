// HttpServer: the listener and the io_context threads; sessions do the rest (http_session.h).
#include "host/server/http_server.h"

#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "host/server/http_session.h"
#include "host/server/server_state.h"

namespace algohost::server {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// After an accept error (out of file descriptors, say), wait this long before accepting again.
constexpr std::chrono::milliseconds kAcceptBackoff{50};
}  // namespace

struct HttpServer::Impl {
  Impl(Router router, std::shared_ptr<EventHub> events, Options options)
      : state(std::make_shared<ServerState>(std::move(router), std::move(events), std::move(options))),
        ioc(std::max(1, state->options.threads)),
        acceptor(net::make_strand(ioc)),
        backoff(acceptor.get_executor()) {}

  void accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void run_thread();

  std::shared_ptr<ServerState> state;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex control_mu;  // start() and stop()
  bool started = false, stopped = false;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [this](boost::system::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    spdlog::warn("http: accept on {}:{} failed: {}; retrying", state->options.address, port, ec.message());
    backoff.expires_after(kAcceptBackoff);
    backoff.async_wait([this](boost::system::error_code wec) {
      if (!wec) accept();
    });
    return;
  }
  const bool counted = state->connections.load() < state->options.max_connections;
  std::make_shared<Session>(std::move(socket), state, counted)->start();
  accept();
}

void HttpServer::Impl::run_thread() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {  // a bug; the server goes on
      spdlog::error("http: an io_context handler threw: {}", e.what());
    } catch (...) {
      spdlog::error("http: an io_context handler threw");
    }
  }
}

HttpServer::HttpServer(Router router, std::shared_ptr<EventHub> events, Options options)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(events), std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  std::lock_guard lock(impl_->control_mu);
  const Options& o = impl_->state->options;
  if (impl_->started) return Status::FailedPrecondition("the HTTP server was started already");
  if (o.threads < 1) return Status::InvalidArgument("http threads: " + std::to_string(o.threads) + ": at least 1");
  if (o.max_connections < 1) return Status::InvalidArgument("http max_connections: at least 1");
  if (o.read_timeout.count() <= 0) return Status::InvalidArgument("http read_timeout: must be positive");
  boost::system::error_code ec;
  const auto address = net::ip::make_address(o.address, ec);
  if (ec) return Status::InvalidArgument("listen address '" + o.address + "': not an IP address");
  const tcp::endpoint endpoint(address, o.port);
  const std::string where = o.address + ":" + std::to_string(o.port);
  auto& acceptor = impl_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return Status::IoError("cannot listen on " + where + ": " + ec.message());
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    acceptor.close(ec);
    return Status::IoError("cannot bind " + where + ": " + ec.message());
  }
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    acceptor.close(ec);
    return Status::IoError("cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();
  impl_->started = true;
  impl_->accept();
  for (int i = 0; i < o.threads; ++i) impl_->threads.emplace_back([impl = impl_.get()] { impl->run_thread(); });
  return Status::Ok();
}

void HttpServer::stop() {
  std::lock_guard lock(impl_->control_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->ioc.stop();
  const auto self = std::this_thread::get_id();
  bool on_io_thread = false;
  for (auto& t : impl_->threads) {
    if (t.get_id() == self)
      on_io_thread = true;
    else if (t.joinable())
      t.join();
  }
  // Called from a handler: this thread returns from run() by itself once the handler is done;
  // the rest is done when stop() is called again from another thread (by the destructor).
  if (on_io_thread) return;
  impl_->threads.clear();
  impl_->stopped = true;
  // No thread runs the io_context now: close the listener and every connection from here, then
  // let the handlers they had pending finish (with operation_aborted) and release the sessions.
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->backoff.cancel();
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard slock(impl_->state->sessions_mu);
    for (const auto& [ptr, weak] : impl_->state->sessions)
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
  }
  for (const auto& s : sessions) s->close();
  sessions.clear();
  impl_->ioc.restart();
  for (int round = 0; round < 1000 && impl_->ioc.poll() > 0; ++round) {
  }
}

uint16_t HttpServer::port() const { return impl_->port; }
const std::string& HttpServer::address() const { return impl_->state->options.address; }
uint64_t HttpServer::requests() const { return impl_->state->requests.load(); }
size_t HttpServer::connections() const { return impl_->state->connections.load(); }

}  // namespace algohost::server
