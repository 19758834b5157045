// Running a host process: the one seam between the driver and the operating system, so that
// the scheduler and the outcome mapping can be tested with a fake.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace isocheck {

class ForkServerPool;

// The fd number on which every host writes its protocol messages (protocol/host_protocol.h).
inline constexpr int kHostResultFd = 3;
// The fd on which a host's crash handler writes its dump (host/crash_handler.h, supervisor/forensics.h).
inline constexpr int kHostForensicsFd = 4;
// The fd from which a host reads its run's secret (protocol/host_protocol.h), then closes it.
inline constexpr int kHostSecretFd = 5;
// Set in every host's environment to a tag unique to that run, so that a process the host
// started and that left its process group (setsid) can still be told apart and killed.
inline constexpr const char* kHostTagVariable = "ISOCHECK_HOST_RUN";
// Address-space limit of a cell's host unless --memory-limit says otherwise: generous for
// CPython with a few threads (each glibc arena reserves 64 MiB), finite so that a module
// allocating tens of GiB gets MemoryError instead of taking the machine's memory.
inline constexpr unsigned long long kDefaultHostMemoryLimit = 4ull << 30;

struct HostInvocation {
  std::string executable;
  std::vector<std::string> args;
  std::chrono::milliseconds timeout{60000};
  // The host's stdout/stderr are also copied to isocheck's own as they come (`isocheck repro`).
  bool live_output = false;
  // --keep-core: when non-empty, the host may dump core, and a core file it leaves is moved
  // into this directory. Otherwise core dumps are off (RLIMIT_CORE 0).
  std::string core_dir;
  // RLIMIT_AS of the process, in bytes; 0: inherited. (RLIMIT_CPU is always set from `timeout`.)
  unsigned long long memory_limit_bytes = 0;
  // When not empty: the host may run as a child of a fork server started as
  // `executable server_args...` (protocol/fork_request.h) instead of being spawned; everything
  // above applies to it the same. Empty: always a fresh process (repro, describe, gdb).
  std::vector<std::string> server_args;
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
  std::string secret;       // the run's secret: only records carrying it are the host's
  bool interrupted = false; // killed because isocheck itself got SIGINT/SIGTERM
  // Not empty when the host died because what ran it went away (its fork server was killed):
  // an `error` of isocheck's, not the module's crash.
  std::string lost;
  // Processes the host started that were still alive when it exited (killed since), e.g.
  // "pid 4242 (sleeper), left the process group": evidence, and a finding.
  std::vector<std::string> stray_processes;
  unsigned long long memory_limit_bytes = 0;  // as invoked
  long cpu_limit_seconds = 0;                 // the RLIMIT_CPU the host ran under
};

class HostExecutor {
 public:
  virtual ~HostExecutor() = default;
  // Runs one host to completion (or until the timeout), never throws for a misbehaving child.
  // Called from several threads at once (the scheduler's workers, one describe per Python).
  virtual HostRun run(const HostInvocation& invocation) = 0;
  // End of a run: kills and reaps processes that escaped their hosts (see reap_stray_children);
  // returns how many. Executors without real processes have none.
  virtual int reap_strays() { return 0; }
};

// Kills and reaps every child of this process that is not a running host: processes that
// escaped their host's process group and were re-parented here (PR_SET_CHILD_SUBREAPER).
// Returns how many there were. Call when no host is starting (end of a run).
int reap_stray_children();

// Real processes through Boost.Process v2: the host is the leader of its own process group,
// runs in a scratch working directory of its own (removed afterwards, so files a module writes
// do not litter the user's tree), under RLIMIT_CPU (from the timeout), RLIMIT_AS (when asked)
// and RLIMIT_CORE 0 (unless core_dir), and gets its run's secret on kHostSecretFd;
// on timeout it first gets SIGUSR1 (its crash handler dumps where it hangs) and a moment later
// the whole group is SIGKILLed; after it exits the group is SIGKILLed too, so nothing it forked
// outlives the cell or holds its pipes open; processes of the run that left the group are
// found by their kHostTagVariable (they come back to the driver when it is a child subreaper,
// see reap_stray_children) and killed too, and all of them are named in stray_processes.
// SIGINT/SIGTERM of the driver (supervisor/interrupt.h) kill running hosts: `interrupted`. Output beyond `tail_bytes` per stream is dropped from the
// front (drained, never blocking the child).
// When gdb is on PATH, a host that timed out is first attached to with gdb in batch mode
// for the native stacks of all its threads (the crash handler only sees the thread the signal
// lands on).
// An invocation with server_args runs as the child of a fork server (supervisor/fork_server_pool.h)
// when one can be started, and is spawned otherwise.
class ProcessExecutor final : public HostExecutor {
 public:
  explicit ProcessExecutor(size_t tail_bytes = 16 * 1024);
  ~ProcessExecutor() override;
  HostRun run(const HostInvocation& invocation) override;
  // Ends the fork servers first: they are the driver's children too.
  int reap_strays() override;

 private:
  std::string gdb_stacks_of(int pid);
  size_t tail_bytes_;
  std::string gdb_;  // empty when gdb is not installed
  std::unique_ptr<ForkServerPool> servers_;
};


}  // namespace isocheck
