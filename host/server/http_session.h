// One accepted connection of the HttpServer (server-internal): reads requests with a deadline,
// answers them through the Router (keep-alive), or streams the EventHub's events.
//
// Every operation runs on the session's own strand; deliver() may be called from any thread. The
// session keeps itself alive through the handlers it has pending and unregisters when destroyed.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "host/server/event_hub_impl.h"
#include "host/server/server_state.h"

namespace algohost::server {

class Session : public EventSink, public std::enable_shared_from_this<Session> {
 public:
  // `counted`: within max_connections. One that is not is answered 503 and closed.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state, bool counted);
  ~Session() override;

  void start();
  // Closes the connection and cancels its timers. Only while no thread runs the io_context
  // (HttpServer::stop): it touches the session from outside its strand.
  void close();
  void deliver(std::shared_ptr<const std::string> frame) override;

 private:
  using Body = boost::beast::http::string_body;
  using HttpResponse = boost::beast::http::response<Body>;

  void read_request();
  void on_header(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  void on_deadline(uint64_t generation);
  void handle_request();
  using Headers = std::vector<std::pair<boost::beast::http::field, std::string>>;
  // The response to a request that matched a route (auth, body, the handler).
  Response answer(Request& r, const Router::Match& m, Headers& headers);
  // Sends `r`; with close_after the connection is closed once it is written.
  void send(const Response& r, bool close_after, const Headers& headers = {});
  void on_written(boost::beast::error_code ec, bool close_after);
  void linger();
  void on_linger(boost::beast::error_code ec, size_t n);
  void end();

  void start_stream();
  void enqueue(std::shared_ptr<const std::string> frame);
  void write_frame();
  void arm_keep_alive();
  void watch_stream_peer();

  std::shared_ptr<ServerState> state_;
  boost::beast::tcp_stream stream_;
  const bool counted_;
  std::string remote_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<Body>> parser_;
  unsigned version_ = 11;  // of the request being answered

  boost::asio::steady_timer read_timer_;
  uint64_t read_generation_ = 0;
  bool reading_ = false, timed_out_ = false;

  std::shared_ptr<HttpResponse> response_;  // being written
  std::string continue_;                    // "100 Continue" being written
  char drain_[4096];
  size_t drained_ = 0;
  bool ended_ = false;

  // Event stream.
  bool streaming_ = false, writing_ = false;
  std::deque<std::shared_ptr<const std::string>> frames_;
  size_t queued_bytes_ = 0;
  boost::asio::steady_timer keep_alive_timer_;
};

}  // namespace algohost::server
