// The driver's side of the fork servers (protocol/fork_request.h): one server process per host
// and Python, per worker that needs one at the same time, started on first use and kept for
// the whole run. A server serves one cell at a time, so a worker holding one owns it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/fork_request.h"

namespace isocheck {

// One running server: its pid and the driver's end of its control socket.
class ForkServer {
 public:
  ForkServer(pid_t pid, int control) : pid_(pid), control_(control) {}
  // Closes the control socket, on which the server exits (killing a child it still waits
  // for), then reaps it.
  ~ForkServer();
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // Asks for a child running `request`, with `fds` as its fds 1..5; returns its pid, or
  // nullopt when the server is gone or refused (then drop this server).
  std::optional<pid_t> fork_child(const ForkRequest& request, const std::vector<int>& fds);
  // After fork_child: blocks until the child is gone, and returns its waitpid status; nullopt
  // when the server died first (its child went with it: PR_SET_PDEATHSIG).
  std::optional<int> wait_status();
  // Readable when the status is there (or the server is gone): for an event loop.
  int control_fd() const { return control_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
  int control_;
};

class ForkServerPool {
 public:
  // Starts `executable args...` with `control` (its end of the socket pair) as
  // kForkServerControlFd; returns its pid, or -1.
  using Starter = std::function<pid_t(const std::string& executable, const std::vector<std::string>& args, int control)>;
  explicit ForkServerPool(Starter starter) : starter_(std::move(starter)) {}

  // An idle server for `executable args...`, started if none is idle; null when one cannot be
  // started (then, and for the rest of the run, the caller spawns its hosts itself).
  std::unique_ptr<ForkServer> acquire(const std::string& executable, const std::vector<std::string>& args);
  // Gives a server that is still good back for the next cell of the same key.
  void release(const std::string& executable, const std::vector<std::string>& args, std::unique_ptr<ForkServer> server);
  // A server that broke: it is not started again for this key.
  void give_up(const std::string& executable, const std::vector<std::string>& args);
  // Ends every idle server (each is closed and reaped).
  void clear();

 private:
  using Key = std::pair<std::string, std::vector<std::string>>;
  Starter starter_;
  mutable std::mutex mutex_;
  std::map<Key, std::vector<std::unique_ptr<ForkServer>>> idle_;
  std::set<Key> broken_;
};

}  // namespace isocheck
