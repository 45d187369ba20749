// The worker's side of the protocol (host/isolation/worker_protocol.h): reads the create request,
// applies the limits, loads the manifest file and creates the instance through PluginService (the
// same loaders, checks, parameter resolution and errors as in the host's process), then answers
// calls until told to exit or until the host's end of the socket closes.
#pragma once

namespace algohost::worker {

// Serves on socket `sock`. Returns the process's exit code (0: the host asked it to exit or went
// away; 2: a protocol error). The instance is destroyed only on an orderly exit request.
int serve(int sock);

}  // namespace algohost::worker
