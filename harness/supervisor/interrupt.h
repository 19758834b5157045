// SIGINT / SIGTERM during a run (issue #7; spec/report.md: an interrupted run still writes
// complete, valid reports with "incomplete": N).
//
// No isocheck code runs in signal context: the driver blocks both signals in every thread
// (start_interrupt_watch, before any thread exists) and one watcher thread takes them with
// sigwait(2). It records the signal and SIGKILLs the process group of every host that is
// running; the executor unblocks the signals again in each child before exec.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace isocheck {

// Installs the watcher. Call once, first thing in main(), while the process has one thread.
void start_interrupt_watch();

// The signal that interrupted the run (SIGINT or SIGTERM), 0 while none has.
int interrupt_signal();

// Process groups of running hosts, killed when an interrupt arrives. register_host_group
// returns false when the interrupt has already come: the caller must kill the group itself.
bool register_host_group(pid_t pgid);
void unregister_host_group(pid_t pgid);
// Whether `pgid` is the group of a host that is running now.
bool is_host_group(pid_t pgid);

// Records `signal` and kills every registered group, as if the watcher had received it
// (the watcher's own action; also lets unit tests interrupt without signalling the process).
void interrupt_now(int signal);

// Thrown when an interrupt arrives before any cell ran (nothing to report yet).
struct RunInterrupted : std::runtime_error {
  explicit RunInterrupted(int sig, const std::string& what) : std::runtime_error(what), signal(sig) {}
  int signal;
};

}  // namespace isocheck
