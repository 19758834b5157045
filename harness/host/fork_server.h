// The host as a fork server (protocol/fork_request.h explains why and the wire format).
//
//   isocheck-host-3.12 serve --python-exe EXE      (requests on fd 3, kForkServerControlFd)
//
// The server initialises the main interpreter once (MainInterpreter: Py_InitializeFromConfig
// and site, nothing of any module under test), then forks one child per request. The child is
// the cell's host process: it gets the state a freshly spawned host has at the same point,
// and runs the request's arguments exactly as `isocheck-host-X.Y cell ...` would.
#pragma once

#include <string>
#include <vector>

namespace isocheck::host {

// Serves requests on `control_fd` until the driver closes it, then exits the process (the
// server itself never finalizes: nothing of it is observed). Returns only in a forked child,
// already set up as the request asked, with the arguments it is to run.
std::vector<std::string> serve_forks(int control_fd);

}  // namespace isocheck::host
