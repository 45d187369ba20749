#include "host/cli/ctl_client.h"

#include <signal.h>

#include <fstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace algohost::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;
using nlohmann::json;

Result<HostEndpoint> find_host(const std::filesystem::path& host_json) {
  std::ifstream in(host_json);
  if (!in) return Status::NotFound("no algohost serve is running: " + host_json.string() + " does not exist (start one with algohost serve)");
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("port") || !j.contains("address"))
    return Status::Corruption(host_json.string() + ": not a host file written by algohost serve");
  HostEndpoint h;
  h.file = host_json;
  h.address = j.value("address", "127.0.0.1");
  h.port = j.value("port", uint16_t{0});
  h.pid = j.value("pid", int64_t{0});
  if (h.pid > 0 && ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH)
    return Status::FailedPrecondition("the host in " + host_json.string() + " (pid " + std::to_string(h.pid) +
                                      ") is no longer running");
  const std::string token_file = j.value("token_file", "");
  if (!token_file.empty()) {
    std::ifstream t(token_file);
    if (!t) return Status::IoError(token_file + ": cannot read the host's token");
    std::getline(t, h.token);
    while (!h.token.empty() && (h.token.back() == '\n' || h.token.back() == '\r' || h.token.back() == ' ')) h.token.pop_back();
  }
  return h;
}

Result<HttpReply> http_call(const HostEndpoint& host, const std::string& method, const std::string& target,
                            const json& body, std::chrono::milliseconds timeout) {
  const std::string where = host.address + ":" + std::to_string(host.port);
  try {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    tcp::resolver resolver(ioc);
    stream.connect(resolver.resolve(host.address, std::to_string(host.port)));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, where);
    req.set(http::field::user_agent, "algohost-ctl");
    if (!host.token.empty()) req.set(http::field::authorization, "Bearer " + host.token);
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    HttpReply out;
    out.status = static_cast<int>(res.result_int());
    out.body = json::parse(res.body(), nullptr, false);
    if (out.body.is_discarded()) out.body = res.body();
    return out;
  } catch (const std::exception& e) {
    return Status::IoError("cannot reach the host at " + where + ": " + e.what());
  }
}

Status reply_status(const HttpReply& r) {
  if (r.status < 400) return Status::Ok();
  std::string message = "HTTP " + std::to_string(r.status);
  StatusCode code = r.status == 404 ? StatusCode::kNotFound
                    : r.status == 409 ? StatusCode::kFailedPrecondition
                    : r.status < 500 ? StatusCode::kInvalidArgument
                                     : StatusCode::kInternal;
  if (r.body.is_object() && r.body.contains("error") && r.body["error"].is_object()) {
    const json& e = r.body["error"];
    message = e.value("message", message);
    if (e.contains("code") && e["code"].is_string()) code = status_code_from_name(e["code"].get<std::string>());
  }
  if (r.status == 401 || r.status == 403) code = StatusCode::kFailedPrecondition;
  return Status(code, message);
}

}  // namespace algohost::cli
