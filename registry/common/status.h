// algohost::Status and algohost::Result<T> — expected failures as values at module boundaries.
//
// A Status is a code plus a message that names the file, field or line at fault
// ("plugins/rsi/manifest.json: parameters.period.max: expected a number"). Result<T> holds either
// a T or a non-ok Status. Codes map to CLI exit codes in host/cli/exit_codes.h and to HTTP
// statuses in the server, each in one place. Modelled on LevelDB's Status and Abseil's StatusOr.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace algohost {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // bad input: manifest, CSV row, CLI argument, parameter value
  kNotFound,           // unknown strategy, version, file
  kAlreadyExists,      // conflicting registration (same version, other hash)
  kFailedPrecondition, // ABI mismatch, checksum mismatch, schema too new
  kPluginError,        // the plugin failed (create/process returned an error or threw)
  kUnsupported,        // the plugin or store does not offer this operation
  kIoError,            // filesystem or database I/O
  kCorruption,         // a file or database is damaged
  kInternal,           // a bug on our side
};

const char* status_code_name(StatusCode code);
// The code whose status_code_name() is `name`; kInternal for an unknown name.
StatusCode status_code_from_name(const std::string& name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status PluginError(std::string m) { return {StatusCode::kPluginError, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string to_string() const;

  // The same status with `context: ` put before the message.
  Status with_context(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result needs a value or a non-ok status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace algohost
