// Running a host process: the one seam between the driver and the operating system, so that
// the scheduler and the outcome mapping can be tested with a fake.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace isocheck {

// The fd number on which every host writes its protocol messages (core/host_protocol.h).
inline constexpr int kHostResultFd = 3;
// The fd on which a host's crash handler writes its dump (host/crash_handler.h, core/forensics.h).
inline constexpr int kHostForensicsFd = 4;

struct HostInvocation {
  std::string executable;
  std::vector<std::string> args;
  std::chrono::milliseconds timeout{60000};
  // The host's stdout/stderr are also copied to isocheck's own as they come (`isocheck repro`).
  bool live_output = false;
  // --keep-core: when non-empty, the host may dump core, and a core file it leaves is moved
  // into this directory. Otherwise core dumps are off (RLIMIT_CORE 0).
  std::string core_dir;
};

// Everything observable about one finished host process.
struct HostRun {
  bool started = false;
  std::string start_error;  // why it could not be started
  bool timed_out = false;   // killed by the driver when the timeout expired
  bool signaled = false;    // terminated by a signal (including the driver's SIGKILL on timeout)
  int signal = 0;
  int exit_code = 0;        // when !signaled
  std::string protocol;     // everything written on kHostResultFd
  std::string forensics;    // everything written on kHostForensicsFd
  std::string stdout_tail;  // the last bytes the module under test wrote
  std::string stderr_tail;
  double duration_ms = 0;
  std::string core_file;    // path of the kept core file, if any
  std::string gdb_stacks;   // on timeout, when gdb is installed: every thread's native stack
};

class HostExecutor {
 public:
  virtual ~HostExecutor() = default;
  // Runs one host to completion (or until the timeout), never throws for a misbehaving child.
  virtual HostRun run(const HostInvocation& invocation) = 0;
};

// Real processes through Boost.Process v2: the host is the leader of its own process group;
// on timeout it first gets SIGUSR1 (its crash handler dumps where it hangs) and a moment later
// the whole group is SIGKILLed; after it exits the group is SIGKILLed too, so nothing it forked
// outlives the cell or holds its pipes open. Output beyond `tail_bytes` per stream is dropped from the
// front (drained, never blocking the child).
// When gdb is on PATH, a host that timed out is first attached to with gdb in batch mode
// for the native stacks of all its threads (the crash handler only sees the thread the signal
// lands on).
class ProcessExecutor final : public HostExecutor {
 public:
  explicit ProcessExecutor(size_t tail_bytes = 16 * 1024);
  HostRun run(const HostInvocation& invocation) override;

 private:
  std::string gdb_stacks_of(int pid);
  size_t tail_bytes_;
  std::string gdb_;  // empty when gdb is not installed
};

}  // namespace isocheck
