#include "host/server/http_server.h"

namespace algohost::server {

Response Response::json(const nlohmann::json& j, int status) {
  Response r;
  r.status = status;
  // Invalid UTF-8 in a string (a plugin's message, say) is replaced, never thrown.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Response Response::text(std::string body, std::string content_type) {
  Response r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::error(const Status& status) {
  const int http = status.ok() ? 500 : http_status_for(status.code());
  const char* code = status.ok() ? "internal" : status_code_name(status.code());
  const std::string message = status.ok() ? std::string("an error was reported without a cause") : status.message();
  return json({{"error", {{"code", code}, {"message", message}}}}, http);
}

}  // namespace algohost::server
