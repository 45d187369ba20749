// The client side of the control API, for `algohost ctl`: finds the running host through
// ALGOHOST_HOME/host.json (written by `algohost serve`), reads its token file, and sends one
// HTTP/1.1 request (Boost.Beast, synchronous) with a time limit.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "registry/common/status.h"

namespace algohost::cli {

struct HostEndpoint {
  std::string address;
  uint16_t port = 0;
  int64_t pid = 0;
  std::string token;  // read from the token file host.json names
  std::filesystem::path file;  // the host.json read
};

// Reads `host_json` and the token it names. NotFound ("no algohost serve is running: FILE does
// not exist") when absent; FailedPrecondition when the pid it names is gone (a stale file).
Result<HostEndpoint> find_host(const std::filesystem::path& host_json);

struct HttpReply {
  int status = 0;
  nlohmann::json body;  // parsed when JSON, else a string
};

// `body` null: no body. IoError naming the address when the host cannot be reached.
Result<HttpReply> http_call(const HostEndpoint& host, const std::string& method, const std::string& target,
                            const nlohmann::json& body = nullptr,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(15'000));

// A reply's error as a Status (the code from the body's error.code, else from the HTTP status).
Status reply_status(const HttpReply& reply);

}  // namespace algohost::cli
