#include "host/fork_server.h"

#include <Python.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "protocol/executor.h"
#include "protocol/fork_request.h"
#include "protocol/host_limits.h"

extern char** environ;

namespace isocheck::host {

namespace {

[[noreturn]] void child_fails(const char* what) {
  // stderr is the driver's pipe by now (or the server's stderr before the dup2s).
  std::fprintf(stderr, "isocheck fork server: %s: %s\n", what, std::strerror(errno));
  std::_Exit(127);
}

// What the driver's launcher does for a spawned host (process_executor.cpp), done in the child.
void apply_process_setup(const ForkRequest& request, pid_t server) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != server) std::_Exit(127);  // the server died between fork and prctl
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  set_host_limits(request.memory_limit_bytes, request.cpu_limit_seconds, request.allow_core);
}

// The request's fds become 1..5; every other fd above them goes (the control socket among them).
void install_fds(const std::vector<int>& fds) {
  // Move the sources above 5 first, so that no dup2 overwrites a source still to be used.
  std::vector<int> high;
  for (const int fd : fds) {
    const int moved = ::fcntl(fd, F_DUPFD, kHostSecretFd + 1);
    if (moved < 0) child_fails("cannot move a request fd");
    ::close(fd);
    high.push_back(moved);
  }
  for (size_t i = 0; i < high.size(); ++i) {
    if (::dup2(high[i], static_cast<int>(i) + 1) < 0) child_fails("cannot install a request fd");
  }
  ::close_range(kHostSecretFd + 1, ~0U, 0);
}

// The run's tag, over the placeholder the server was started with (same length), so that the
// kernel's copy of the environment (/proc/PID/environ, which process_executor.cpp reads to find
// escaped processes) carries it; then in os.environ, which is what subprocess hands on.
void set_run_tag(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos) return;
  const std::string name = assignment.substr(0, eq + 1);
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, name.c_str(), name.size()) == 0 && std::strlen(*e) == assignment.size()) {
      std::memcpy(*e, assignment.data(), assignment.size());
    }
  }
  const std::string variable = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  ::setenv(variable.c_str(), value.c_str(), 1);
  PyObject* os = PyImport_ImportModule("os");  // imported by site already: a dict lookup
  PyObject* os_environ = os ? PyObject_GetAttrString(os, "environ") : nullptr;
  PyObject* key = PyUnicode_FromString(variable.c_str());
  PyObject* val = PyUnicode_FromString(value.c_str());
  if (os_environ == nullptr || key == nullptr || val == nullptr || PyObject_SetItem(os_environ, key, val) < 0) {
    PyErr_Clear();
  }
  Py_XDECREF(val);
  Py_XDECREF(key);
  Py_XDECREF(os_environ);
  Py_XDECREF(os);
}

// Waits for the child; if the driver goes away meanwhile (its end of the control socket is
// closed, by its exit too), the child's group is killed and the server exits: nothing of a
// dead driver runs on. (The server itself has no PR_SET_PDEATHSIG: that would tie it to the
// driver thread that started it, and a worker thread may end while another uses the server.)
int wait_for_child(pid_t pid, int control_fd) {
  // glibc 2.36's <sys/pidfd.h> lacks extern "C": the system call itself.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  pollfd watched[2] = {{pidfd, POLLIN, 0}, {control_fd, POLLIN, 0}};
  while (pidfd >= 0) {
    if (::poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (watched[0].revents != 0) break;
    if (watched[1].revents != 0) {  // the driver never writes while a child runs: it is gone
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      std::_Exit(0);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// gc.freeze(): start-up's objects go to the permanent generation, so that a child's collections
// neither walk nor write their GC headers, which copied every page of main's heap into each
// child on 3.12 (gc_collect_main was the top of a forked child's profile). The gc documentation
// recommends it before fork() without exec(). The probe never lists objects through gc
// (only gc.get_referents and gc.collect). Survey, -j 2, user CPU of all its processes: 101.7-110.2 s
// without (2 runs) -> 93.9-94.2 s with (2 runs); wall 60.8-69.5 s (4 runs) -> 59.0-64.9 s (4 runs).
void freeze_startup_objects() {
  PyObject* gc = PyImport_ImportModule("gc");
  PyObject* done = gc ? PyObject_CallMethod(gc, "freeze", nullptr) : nullptr;
  if (done == nullptr) PyErr_Clear();
  Py_XDECREF(done);
  Py_XDECREF(gc);
}

void close_all(const std::vector<int>& fds) {
  for (const int fd : fds) ::close(fd);
}

}  // namespace

std::vector<std::string> serve_forks(int control_fd) {
  const pid_t server = ::getpid();
  freeze_startup_objects();
  for (;;) {
    std::optional<Record> record = receive_record(control_fd);
    if (!record) std::_Exit(0);  // the driver closed its end: done
    const std::optional<ForkRequest> request = decode_fork_request(record->text);
    if (!request || record->fds.size() != static_cast<size_t>(kForkRequestFds)) {
      close_all(record->fds);
      send_record(control_fd, "refused");
      continue;
    }
    // CPython's fork protocol (PyOS_BeforeFork / AfterFork_*): the import lock and the
    // runtime's locks are held across fork(), so the child's copies are consistent.
    PyOS_BeforeFork();
    const pid_t pid = ::fork();
    if (pid == 0) {
      PyOS_AfterFork_Child();
      apply_process_setup(*request, server);
      install_fds(record->fds);
      if (::chdir(request->working_dir.c_str()) != 0) child_fails("cannot enter the working directory");
      set_run_tag(request->tag_assignment);
      return request->args;
    }
    PyOS_AfterFork_Parent();
    close_all(record->fds);  // the child's ends: the driver sees EOF when the child is gone
    if (pid < 0) {
      send_record(control_fd, "refused");
      continue;
    }
    if (!send_record(control_fd, "pid " + std::to_string(pid))) std::_Exit(0);
    const int status = wait_for_child(pid, control_fd);
    if (!send_record(control_fd, "status " + std::to_string(status))) std::_Exit(0);
  }
}

}  // namespace isocheck::host
