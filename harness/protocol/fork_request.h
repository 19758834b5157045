// The fork server's wire format (issue #6), shared by the driver (supervisor/fork_server_pool.h) and
// the host (host/fork_server.h).
//
// Starting a host process costs more than most cells: exec, dynamic loading, and
// Py_InitializeFromConfig plus site (~15 ms on this machine, against ~8-10 ms per isolated
// interpreter). A fork server is a host that did all of that once and then forks one child
// per cell; the child is the cell's host process exactly as if it had been spawned: its own
// process group, limits, working directory, fds 1-5 and run tag, and the module under test is
// imported for the first time in the child (the server never imports it).
//
// Driver and server talk over a SOCK_SEQPACKET socket pair, one message per record:
//   driver -> server   a ForkRequest, with the child's fds 1..5 attached (SCM_RIGHTS)
//   server -> driver   "pid N" once the child exists, then "status S" (a waitpid status)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isocheck {

// The fd on which a fork server reads requests (its end of the socket pair).
inline constexpr int kForkServerControlFd = 3;
// How many fds a request carries: the child's stdout, stderr, result, forensics and secret
// fds, in that order, which it receives as fds 1, 2, 3, 4 and 5.
inline constexpr int kForkRequestFds = 5;

struct ForkRequest {
  std::string working_dir;
  // NAME=VALUE of the run's tag (executor.h kHostTagVariable), exactly as long as the
  // placeholder the server was started with: the child writes it over that placeholder in
  // place, so /proc/PID/environ, the kernel's copy that the driver reads, shows it.
  std::string tag_assignment;
  unsigned long long memory_limit_bytes = 0;  // RLIMIT_AS; 0: leave it
  long cpu_limit_seconds = 0;                 // RLIMIT_CPU soft limit (hard: 5 s later)
  bool allow_core = false;                    // RLIMIT_CORE soft limit up to the hard one, else 0
  std::vector<std::string> args;              // the host's arguments, as for a spawned host
};

std::string encode_fork_request(const ForkRequest& request);
// nullopt when `message` is not an encode_fork_request() message.
std::optional<ForkRequest> decode_fork_request(std::string_view message);

// One record on a SOCK_SEQPACKET socket, with `fds` attached. False (errno set) on failure.
bool send_record(int socket, std::string_view record, const std::vector<int>& fds = {});
// The next record and the fds attached to it (received close-on-exec). nullopt at EOF or on
// error; a record longer than `max_bytes` or with more than `max_fds` fds is an error (the
// fds that did come are closed).
struct Record {
  std::string text;
  std::vector<int> fds;
};
std::optional<Record> receive_record(int socket, size_t max_bytes = 64 * 1024, size_t max_fds = kForkRequestFds);

}  // namespace isocheck
