#include "host/server/http_session.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "host/server/url.h"

namespace algohost::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

Response error_response(int http_status, const std::string& code, const std::string& message) {
  return Response::json({{"error", {{"code", code}, {"message", message}}}}, http_status);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A body is parsed as JSON when it says it is JSON, or says nothing.
bool json_content(std::string_view content_type) {
  const std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  return type.empty() || type == "application/json" || (type.size() > 5 && type.ends_with("+json"));
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<ServerState> state, bool counted)
    : state_(std::move(state)),
      stream_(std::move(socket)),
      counted_(counted),
      read_timer_(stream_.get_executor()),
      keep_alive_timer_(stream_.get_executor()) {
  if (counted_) state_->connections.fetch_add(1);
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : peer.address().to_string() + ":" + std::to_string(peer.port());
}

Session::~Session() {
  if (state_->events) state_->events->impl_->unsubscribe(this);
  {
    std::lock_guard lock(state_->sessions_mu);
    state_->sessions.erase(this);
  }
  if (counted_) state_->connections.fetch_sub(1);
}

void Session::start() {
  {
    std::lock_guard lock(state_->sessions_mu);
    state_->sessions[this] = weak_from_this();
  }
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->counted_) {
      self->read_request();
    } else {
      self->send(error_response(503, "unavailable",
                                "too many connections (at most " + std::to_string(self->state_->options.max_connections) +
                                    "); try again later"),
                 true);
    }
  });
}

void Session::close() {
  ended_ = true;
  if (state_->events) state_->events->impl_->unsubscribe(this);
  read_timer_.cancel();
  keep_alive_timer_.cancel();
  stream_.close();
}

void Session::end() {
  if (ended_) return;
  close();
}

// ---- Requests ------------------------------------------------------------------------------

void Session::read_request() {
  if (ended_) return;
  parser_.emplace();
  parser_->body_limit(state_->options.body_limit);
  parser_->header_limit(kHeaderLimit);
  // The header and the body must arrive within read_timeout. Our own timer, not the stream's, so
  // that a client that sent part of a request can still be told 408.
  reading_ = true;
  timed_out_ = false;
  const uint64_t generation = ++read_generation_;
  read_timer_.expires_after(state_->options.read_timeout);
  read_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (!ec) self->on_deadline(generation);
  });
  stream_.expires_never();
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_deadline(uint64_t generation) {
  if (!reading_ || generation != read_generation_ || ended_) return;
  timed_out_ = true;
  beast::error_code ignored;
  stream_.socket().cancel(ignored);  // the read completes with operation_aborted
}

void Session::on_header(beast::error_code ec) {
  if (ec || parser_->is_done()) return on_read(ec);
  // A client waiting for "100 Continue" before it sends the body (curl does for large bodies).
  const auto expect = parser_->get()[http::field::expect];
  if (lower(std::string_view(expect.data(), expect.size())) == "100-continue") {
    continue_ = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(kWriteTimeout);
    net::async_write(stream_, net::buffer(continue_), [self = shared_from_this()](beast::error_code wec, size_t) {
      if (wec) return self->on_read(wec);
      self->stream_.expires_never();
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code rec, size_t) { self->on_read(rec); });
    });
    return;
  }
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code rec, size_t) { self->on_read(rec); });
}

void Session::on_read(beast::error_code ec) {
  reading_ = false;
  read_timer_.cancel();
  if (ended_) return;
  if (timed_out_ && ec) {
    // Something of a request came but not all of it in time: 408. Nothing at all: just close.
    if (parser_->got_some())
      return send(error_response(408, "timeout",
                                 "the request did not arrive within " +
                                     std::to_string(state_->options.read_timeout.count()) + " ms"),
                  true);
    return end();
  }
  if (ec == http::error::end_of_stream) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return end();
  }
  if (ec == http::error::body_limit)
    return send(error_response(413, "payload_too_large",
                               "the request body is over the limit of " + std::to_string(state_->options.body_limit) +
                                   " bytes"),
                true);
  if (ec == http::error::header_limit)
    return send(error_response(431, "header_too_large",
                               "the request line and headers are over " + std::to_string(kHeaderLimit) + " bytes"),
                true);
  if (ec == http::error::partial_message) return end();  // the client left in the middle of a request
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category())
    return send(error_response(400, "invalid_argument", "malformed HTTP request: " + ec.message()), true);
  if (ec) return end();  // reset by the peer, closed by stop(), ...
  handle_request();
}

void Session::handle_request() {
  const auto& req = parser_->get();
  version_ = req.version();
  const bool keep_alive = req.keep_alive();
  auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
  if (!target.ok()) return send(Response::error(target.status()), !keep_alive);
  Request r;
  r.method = std::string(req.method_string());
  r.path = std::move(target->path);
  r.query = std::move(target->query);
  r.remote = remote_;
  r.caller = "anonymous";
  const Router::Match m = state_->router.match(r.method, r.path);
  if (m.stream) return start_stream();
  Headers headers;
  if (!m.handler) {
    if (m.allowed.empty())
      return send(error_response(404, "not_found", "no endpoint " + r.path), !keep_alive);
    std::string allow;
    for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
    headers.emplace_back(http::field::allow, allow);
    return send(error_response(405, "method_not_allowed", r.path + " takes " + allow + ", not " + r.method), !keep_alive,
                headers);
  }
  r.params = m.params;
  const Response res = answer(r, m, headers);
  send(res, !keep_alive, headers);
}

Response Session::answer(Request& r, const Router::Match& m, Headers& headers) {
  auto& req = parser_->get();
  if (m.auth && state_->token.required()) {
    const std::string_view authorization(req[http::field::authorization].data(), req[http::field::authorization].size());
    const std::string_view value = trim(authorization);
    if (value.size() < 7 || lower(value.substr(0, 7)) != "bearer ") {
      headers.emplace_back(http::field::www_authenticate, "Bearer");
      return error_response(401, "unauthenticated", "this endpoint needs an Authorization: Bearer <token> header");
    }
    const std::string_view presented = trim(value.substr(7));
    if (!state_->token.matches(presented)) return error_response(403, "forbidden", "wrong token");
    r.caller = token_caller(presented);
  }
  r.body = std::move(req.body());
  if (!r.body.empty()) {
    const auto type = req[http::field::content_type];
    if (json_content(std::string_view(type.data(), type.size()))) {
      try {
        r.json = nlohmann::json::parse(r.body);
      } catch (const nlohmann::json::exception& e) {
        return Response::error(Status::InvalidArgument(std::string("malformed JSON body: ") + e.what()));
      }
    }
  }
  try {
    return (*m.handler)(r);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} from {}: the handler threw: {}", r.method, r.path, r.remote, e.what());
    return Response::error(Status::Internal(r.method + " " + r.path + ": the handler failed: " + e.what()));
  } catch (...) {
    spdlog::error("http: {} {} from {}: the handler threw", r.method, r.path, r.remote);
    return Response::error(Status::Internal(r.method + " " + r.path + ": the handler failed"));
  }
}

void Session::send(const Response& r, bool close_after, const Headers& headers) {
  if (ended_) return;
  const int status = r.status >= 100 && r.status <= 599 ? r.status : 500;
  auto res = std::make_shared<HttpResponse>(static_cast<http::status>(status), version_);
  res->set(http::field::server, "algohost");
  res->set(http::field::content_type, r.content_type);
  for (const auto& [field, value] : headers) res->set(field, value);
  for (const auto& [name, value] : r.headers) res->set(name, value);
  res->body() = r.body;
  res->keep_alive(!close_after);
  res->prepare_payload();
  response_ = res;
  state_->requests.fetch_add(1);
  stream_.expires_after(kWriteTimeout);
  http::async_write(stream_, *res, [self = shared_from_this(), close_after](beast::error_code ec, size_t) {
    self->on_written(ec, close_after);
  });
}

void Session::on_written(beast::error_code ec, bool close_after) {
  response_.reset();
  if (ec || ended_) return end();
  if (close_after) return linger();
  read_request();
}

// After the last response: no more to send, but read (and drop) what the client still sends for
// a while, so that closing does not reset the connection before it has read our answer.
void Session::linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  drained_ = 0;
  stream_.expires_after(kLingerTimeout);
  stream_.async_read_some(net::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_linger(ec, n); });
}

void Session::on_linger(beast::error_code ec, size_t n) {
  drained_ += n;
  if (ec || ended_ || drained_ > kLingerBytes) return end();
  stream_.async_read_some(net::buffer(drain_),
                          [self = shared_from_this()](beast::error_code e, size_t m) { self->on_linger(e, m); });
}

// ---- Event streams -------------------------------------------------------------------------

void Session::start_stream() {
  streaming_ = true;
  state_->requests.fetch_add(1);
  // The body runs until the connection closes (no length, no chunking): what EventSource reads.
  enqueue(std::make_shared<const std::string>(
      "HTTP/1.1 200 OK\r\nServer: algohost\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\n\r\n: subscribed\n\n"));
  if (state_->events) state_->events->impl_->subscribe(shared_from_this());
  arm_keep_alive();
  watch_stream_peer();
}

void Session::deliver(std::shared_ptr<const std::string> frame) {
  net::post(stream_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->enqueue(std::move(frame));
  });
}

void Session::enqueue(std::shared_ptr<const std::string> frame) {
  if (ended_ || !streaming_) return;
  if (queued_bytes_ + frame->size() > kSseMaxQueuedBytes) {
    spdlog::warn("http: event stream to {} is {} bytes behind; closing it", remote_, queued_bytes_);
    return end();
  }
  queued_bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  if (!writing_) write_frame();
}

void Session::write_frame() {
  writing_ = true;
  stream_.expires_after(kWriteTimeout);
  net::async_write(stream_, net::buffer(*frames_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    self->queued_bytes_ -= self->frames_.front()->size();
    self->frames_.pop_front();
    if (ec || self->ended_) return self->end();
    if (!self->frames_.empty()) self->write_frame();
  });
}

void Session::arm_keep_alive() {
  keep_alive_timer_.expires_after(kSseKeepAlive);
  keep_alive_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->ended_) return;
    if (self->frames_.empty()) self->enqueue(std::make_shared<const std::string>(": keep-alive\n\n"));
    self->arm_keep_alive();
  });
}

// A stream's client sends nothing; its end (or anything it sends) ends the stream.
void Session::watch_stream_peer() {
  stream_.socket().async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code, size_t) {
    self->end();
  });
}

}  // namespace algohost::server
