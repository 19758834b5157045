#include "supervisor/interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace isocheck {

namespace {

std::atomic<int> g_signal{0};
std::mutex g_mutex;
std::set<pid_t>& groups() {
  static std::set<pid_t> live;
  return live;
}

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void interrupt_now(int signal) {
  std::lock_guard lock(g_mutex);
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);  // the first signal names the interruption
  for (pid_t pgid : groups()) ::kill(-pgid, SIGKILL);
}

void start_interrupt_watch() {
  const sigset_t set = interrupt_signals();
  // Blocked here, the mask is inherited by every thread created later (scheduler workers).
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int received = 0;
      if (::sigwait(&set, &received) == 0) interrupt_now(received);
    }
  }).detach();
}

int interrupt_signal() { return g_signal.load(); }

bool register_host_group(pid_t pgid) {
  std::lock_guard lock(g_mutex);
  if (g_signal.load() != 0) return false;
  groups().insert(pgid);
  return true;
}

void unregister_host_group(pid_t pgid) {
  std::lock_guard lock(g_mutex);
  groups().erase(pgid);
}

bool is_host_group(pid_t pgid) {
  std::lock_guard lock(g_mutex);
  return groups().count(pgid) != 0;
}

}  // namespace isocheck
