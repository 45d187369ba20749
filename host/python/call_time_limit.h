// CallTimeLimit — an optional time limit on one call into Python plugin code (--python-call-timeout).
//
// While a CallTimeLimit with a limit above 0 lives, a one-shot timer of the calling thread runs;
// when it expires, SIGALRM reaches that thread and TimeoutError is raised inside the Python code
// (at its next bytecode, or when a blocking call such as time.sleep() is interrupted), so the call
// fails like any other failed call (logged, its signal skipped, counted towards the instance's
// failures in a row). A limit of 0 costs one branch.
//
// Construct with the GIL held, around the call only. Works on the interpreter's main thread (where
// Python runs signal handlers; the CLI's engine runs there); elsewhere the limit is not applied,
// with one warning. The first use takes SIGALRM for the process. A native call cannot be stopped
// this way: only the time spent in Python code (or in a blocking call it makes) is limited.
#pragma once

namespace algohost::python {

// The limit every CallTimeLimit applies (seconds; 0 = none): one for the process, as there is one
// interpreter. Set by PythonLoader from its options.
void set_call_time_limit(double seconds);
double call_time_limit();

class CallTimeLimit {
 public:
  CallTimeLimit() : CallTimeLimit(call_time_limit()) {}
  explicit CallTimeLimit(double seconds);
  ~CallTimeLimit();
  CallTimeLimit(const CallTimeLimit&) = delete;
  CallTimeLimit& operator=(const CallTimeLimit&) = delete;

 private:
  bool armed_ = false;
};

}  // namespace algohost::python
