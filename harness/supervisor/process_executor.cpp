#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/wait.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <type_traits>
// Boost 1.81's Process v2 headers use boost::optional without including it.
#include <boost/optional.hpp>
#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "protocol/executor.h"
#include "supervisor/find_program.h"
#include "supervisor/fork_server_pool.h"
#include "protocol/host_limits.h"
#include "protocol/host_protocol.h"
#include "supervisor/interrupt.h"

extern char** environ;

namespace isocheck {

namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

// Launcher initializer: the child becomes leader of a new process group, so that the whole
// tree it may spawn can be killed with one kill(-pgid).
struct NewProcessGroup {
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    ::setpgid(0, 0);
    return {};
  }
};

// Launcher initializer: hands `fd` to the child as `target`. (Boost 1.81's posix::bind_fd
// falls off the end of its on_setup without returning, which is undefined behaviour.)
struct InheritFd {
  int target;
  int fd;
  template <typename Launcher>
  bp::error_code on_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*) {
    launcher.fd_whitelist.push_back(target);
    return {};
  }
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    if (::dup2(fd, target) == -1) return bp::error_code(errno, bp::system_category());
    return {};
  }
};

// Launcher initializer, after the InheritFds: every fd above the ones a host is given is closed
// at exec. Boost 1.81's close_all compares each whitelisted fd with itself instead of the next
// one (posix/detail/close_handles.ipp), so the driver's pipe ends between them leaked into
// hosts -- among them both ends of the result pipe, which a module could read or write.
// Marked close-on-exec (Linux 5.11) rather than closed: Boost's own exec-error pipe must live.
struct CloseInheritedFds {
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    ::close_range(kHostSecretFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    return {};
  }
};

// Launcher initializer: core dumps only when asked for (protocol/host_limits.h).
struct CoreLimit {
  bool allow;
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    set_core_limit(allow);
    return {};
  }
};

// Launcher initializer: the limits a host runs under (protocol/host_limits.h), and the signal mask
// reset, since the driver blocks SIGINT/SIGTERM in all its threads (supervisor/interrupt.h) and a mask
// survives exec.
struct HostLimits {
  unsigned long long memory_bytes;  // 0: leave RLIMIT_AS alone
  long cpu_seconds;
  bool allow_core;
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    set_host_limits(memory_bytes, cpu_seconds, allow_core);
    return {};
  }
};

// Launcher initializer: a host dies with the driver thread that started it (each waits for its
// host), so `kill -9` of isocheck, or of a test binary running it, leaves no host running on
// unattended. The parent may already be gone by the time the child gets here: then exit at once.
struct DieWithDriver {
  pid_t driver = ::getpid();
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != driver) ::_exit(127);
    return {};
  }
};

// Launcher initializer: the child's environment (Boost 1.81's process_environment does not
// compile with std::filesystem); `entries` must outlive the launch.
struct Environment {
  std::vector<const char*> entries;  // null-terminated
  template <typename Launcher>
  bp::error_code on_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*) {
    launcher.env = entries.data();
    return {};
  }
};

// RLIMIT_CPU for a wall-clock timeout: the wall timer normally fires first; CPU time only
// runs ahead of it with several busy threads (concurrent, or a module's own), so allow two
// cores' worth. It stops a host the timer cannot (the driver itself stopped or starved).
long cpu_limit_for(std::chrono::milliseconds timeout) {
  return static_cast<long>(timeout.count() / 1000) * 2 + 10;
}

// One /proc/PID/stat line: pid (comm) state ppid pgrp ...
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;  // it exited meanwhile
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    ProcStat p;
    p.pid = std::stoi(name);
    p.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    rest >> p.state >> p.ppid >> p.pgrp;
    if (rest) out.push_back(std::move(p));
  }
  return out;
}

bool has_tag(pid_t pid, const std::string& assignment) {
  std::ifstream in(fmt::format("/proc/{}/environ", pid), std::ios::binary);
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry == assignment) return true;
  }
  return false;
}

void reap_if_child(const ProcStat& p) {
  if (p.ppid == ::getpid()) ::waitpid(p.pid, nullptr, 0);
}

// After the host `pgid` exited: every live process still in its group or carrying its tag
// (it left the group with setsid). They are described, SIGKILLed and, when re-parented to
// the driver, reaped. Zombies are only reaped: they run no code.
std::vector<std::string> kill_leftovers(pid_t pgid, const std::string& tag_assignment) {
  std::vector<std::string> found;
  std::vector<ProcStat> doomed;
  for (const ProcStat& p : all_processes()) {
    const bool in_group = p.pgrp == pgid;
    if (!in_group && !has_tag(p.pid, tag_assignment)) continue;
    doomed.push_back(p);
    if (p.state == 'Z') continue;
    found.push_back(fmt::format("pid {} ({}){}", p.pid, p.comm, in_group ? "" : ", left the process group"));
  }
  ::kill(-pgid, SIGKILL);
  for (const ProcStat& p : doomed) {
    if (p.pgrp != pgid) ::kill(p.pid, SIGKILL);
    reap_if_child(p);
  }
  return found;
}

// A fresh working directory for one host run; files a module writes land there.
std::filesystem::path make_scratch(const std::filesystem::path& parent) {
  std::string pattern = (parent / ".isocheck-run-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

// The secret travels in a pipe (never argv or the environment, which the module can read);
// it is written whole before the host starts, so the host never blocks on it.
int secret_pipe(const std::string& secret) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  const bool written = ::write(fds[1], secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  ::close(fds[1]);
  if (!written) {
    ::close(fds[0]);
    return -1;
  }
  // Keep it above the fds the child gets by dup2 (see the pipes below).
  if (fds[0] <= kHostSecretFd) {
    const int high = ::fcntl(fds[0], F_DUPFD_CLOEXEC, kHostSecretFd + 1);
    ::close(fds[0]);
    return high;
  }
  return fds[0];
}

std::atomic<unsigned> g_run_counter{0};

// NAME=VALUE of a run's tag. Fixed width, so that a fork server's child can write it over the
// placeholder its server was started with (protocol/fork_request.h).
std::string run_tag_assignment(unsigned long pid, unsigned long counter) {
  return fmt::format("{}={:010}-{:010}", kHostTagVariable, pid, counter);
}

// The driver's environment with `tag_assignment` in place of any tag it carries itself.
std::vector<std::string> host_environment(const std::string& tag_assignment) {
  std::vector<std::string> environment{tag_assignment};
  const std::string tag_prefix = fmt::format("{}=", kHostTagVariable);
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with(tag_prefix)) environment.emplace_back(*e);
  }
  return environment;
}

std::vector<const char*> environment_block(const std::vector<std::string>& environment) {
  std::vector<const char*> entries;
  for (const std::string& e : environment) entries.push_back(e.c_str());
  entries.push_back(nullptr);
  return entries;
}

// Starts a fork server: its own process group (a cell's kill(-pgid) never reaches it), no
// limits of its own (each child sets its cell's), stdio on /dev/null (a child gets the run's
// pipes), the control socket as kForkServerControlFd. It dies when the driver closes that
// socket, by exiting too (host/fork_server.cpp), so it needs no PR_SET_PDEATHSIG.
pid_t start_fork_server(const std::string& executable, const std::vector<std::string>& args, int control) {
  const std::vector<std::string> environment = host_environment(run_tag_assignment(0, 0));
  std::vector<const char*> entries = environment_block(environment);
  asio::io_context ctx;
  try {
    bp::process server(ctx.get_executor(), executable, args, bp::process_stdio{nullptr, nullptr, nullptr},
                       InheritFd{kForkServerControlFd, control}, CloseInheritedFds{}, NewProcessGroup{},
                       CoreLimit{false}, Environment{entries});
    const pid_t pid = server.id();
    server.detach();  // reaped by ~ForkServer
    return pid;
  } catch (const std::exception&) {
    return -1;
  }
}

// Hands out a fork server for `invocation` and gives it back when the run is over.
class LeasedServer {
 public:
  LeasedServer(ForkServerPool& pool, const HostInvocation& invocation)
      : pool_(pool), invocation_(invocation) {
    if (!invocation.server_args.empty()) server_ = pool.acquire(invocation.executable, invocation.server_args);
  }
  ~LeasedServer() {
    if (server_) pool_.release(invocation_.executable, invocation_.server_args, std::move(server_));
  }
  ForkServer* get() const { return server_.get(); }
  // The server broke: not handed out again, and no new one for this host.
  void give_up() {
    server_.reset();
    pool_.give_up(invocation_.executable, invocation_.server_args);
  }

 private:
  ForkServerPool& pool_;
  const HostInvocation& invocation_;
  std::unique_ptr<ForkServer> server_;
};

// With core_pattern "core" (or "core.%p"...) the kernel writes into the process's working
// directory: the host runs in a fresh directory inside core_dir, and a core found there after
// the crash is moved next to it under a unique name.
std::string collect_core(const std::filesystem::path& scratch, const std::filesystem::path& core_dir, pid_t pid) {
  std::error_code ec;
  std::string kept;
  for (const auto& entry : std::filesystem::directory_iterator(scratch, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "core" || name.starts_with("core.")) {
      const auto target = core_dir / ("isocheck-core." + std::to_string(pid));
      std::filesystem::rename(entry.path(), target, ec);
      if (!ec) kept = target.string();
    }
  }
  return kept;
}

// Reads a pipe to EOF, keeping at most `limit` bytes (the most recent ones), and copying
// everything to `forward_fd` when it is not -1 (live output for `isocheck repro`).
class Drain : public std::enable_shared_from_this<Drain> {
 public:
  Drain(asio::readable_pipe& pipe, std::string& sink, size_t limit, int forward_fd = -1)
      : pipe_(pipe), sink_(sink), limit_(limit), forward_fd_(forward_fd) {}
  void start() {
    auto self = shared_from_this();
    pipe_.async_read_some(asio::buffer(chunk_), [self](bp::error_code ec, size_t n) {
      if (n > 0) self->append(n);
      if (!ec) self->start();
    });
  }

 private:
  void append(size_t n) {
    for (size_t done = 0; forward_fd_ >= 0 && done < n;) {
      const ssize_t w = ::write(forward_fd_, chunk_.data() + done, n - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    sink_.append(chunk_.data(), n);
    if (sink_.size() > 2 * limit_) sink_.erase(0, sink_.size() - limit_);
  }
  asio::readable_pipe& pipe_;
  std::string& sink_;
  size_t limit_;
  int forward_fd_;
  std::array<char, 16384> chunk_{};
};

void trim_front(std::string& s, size_t limit) {
  if (s.size() > limit) s.erase(0, s.size() - limit);
}

}  // namespace

ProcessExecutor::ProcessExecutor(size_t tail_bytes)
    : tail_bytes_(tail_bytes), gdb_(find_on_path("gdb")), servers_(std::make_unique<ForkServerPool>(start_fork_server)) {}

ProcessExecutor::~ProcessExecutor() = default;

int ProcessExecutor::reap_strays() {
  servers_->clear();
  return reap_stray_children();
}

std::string ProcessExecutor::gdb_stacks_of(int pid) {
  if (gdb_.empty()) return "";
  HostInvocation inv;
  inv.executable = gdb_;
  inv.args = {"-p", std::to_string(pid), "-batch", "-nx", "-ex", "thread apply all bt"};
  inv.timeout = std::chrono::seconds(20);
  ProcessExecutor no_recursion(256 * 1024);
  no_recursion.gdb_.clear();  // a hung gdb is killed, not debugged
  const HostRun gdb = no_recursion.run(inv);
  return gdb.exit_code == 0 && !gdb.signaled && !gdb.timed_out ? gdb.stdout_tail : "";
}

HostRun ProcessExecutor::run(const HostInvocation& invocation) {
  HostRun run;
  const auto started_at = std::chrono::steady_clock::now();
  asio::io_context ctx;
  asio::readable_pipe out_r(ctx), err_r(ctx), res_r(ctx), dump_r(ctx);
  asio::writable_pipe out_w(ctx), err_w(ctx), res_w(ctx), dump_w(ctx);
  bp::error_code ec;
  asio::connect_pipe(out_r, out_w, ec);
  if (!ec) asio::connect_pipe(err_r, err_w, ec);
  if (!ec) asio::connect_pipe(res_r, res_w, ec);
  if (!ec) asio::connect_pipe(dump_r, dump_w, ec);
  if (ec) {
    run.start_error = "cannot create pipes: " + ec.message();
    return run;
  }
  // The child's fds 3 and 4 are made by dup2 in order; a source fd that is itself 3 or 4 would
  // be overwritten by the first dup2, so keep every source above them.
  for (asio::writable_pipe* p : {&res_w, &dump_w}) {
    if (p->native_handle() <= kHostForensicsFd) {
      const int high = ::fcntl(p->native_handle(), F_DUPFD_CLOEXEC, kHostForensicsFd + 1);
      ::close(p->release());
      p->assign(high);
    }
  }

  std::error_code fs_ec;
  const bool keep_core = !invocation.core_dir.empty();
  const std::filesystem::path scratch =
      make_scratch(keep_core ? std::filesystem::path(invocation.core_dir) : std::filesystem::temp_directory_path());
  if (scratch.empty()) {
    run.start_error = "cannot create a scratch working directory: " + std::string(std::strerror(errno));
    return run;
  }
  run.secret = make_run_secret();
  const int secret_fd = secret_pipe(run.secret);
  if (secret_fd < 0) {
    run.start_error = "cannot hand the host its secret: " + std::string(std::strerror(errno));
    std::filesystem::remove_all(scratch, fs_ec);
    return run;
  }
  run.memory_limit_bytes = invocation.memory_limit_bytes;
  run.cpu_limit_seconds = cpu_limit_for(invocation.timeout);
  const std::string tag_assignment = run_tag_assignment(::getpid(), g_run_counter.fetch_add(1));
  // A fork server's child when there is a server for this host, else a spawned process.
  LeasedServer server(*servers_, invocation);
  pid_t pgid = -1;
  if (server.get() != nullptr) {
    const ForkRequest request{scratch.string(), tag_assignment, invocation.memory_limit_bytes,
                              run.cpu_limit_seconds, keep_core, invocation.args};
    const std::optional<pid_t> child =
        server.get()->fork_child(request, {out_w.native_handle(), err_w.native_handle(), res_w.native_handle(),
                                           dump_w.native_handle(), secret_fd});
    if (child) {
      pgid = *child;
    } else {
      server.give_up();
    }
  }
  std::optional<bp::process> proc;
  if (pgid < 0) {
    const std::vector<std::string> environment = host_environment(tag_assignment);
    std::vector<const char*> environment_entries = environment_block(environment);
    try {
      proc.emplace(ctx.get_executor(), invocation.executable, invocation.args,
                   bp::process_stdio{nullptr, out_w, err_w}, InheritFd{kHostResultFd, res_w.native_handle()},
                   InheritFd{kHostForensicsFd, dump_w.native_handle()}, InheritFd{kHostSecretFd, secret_fd},
                   CloseInheritedFds{}, NewProcessGroup{},
                   HostLimits{invocation.memory_limit_bytes, run.cpu_limit_seconds, keep_core}, DieWithDriver{},
                   Environment{environment_entries}, bp::process_start_dir{scratch});
    } catch (const std::exception& e) {
      ::close(secret_fd);
      std::filesystem::remove_all(scratch, fs_ec);
      run.start_error = e.what();
      return run;
    }
    pgid = proc->id();
  }
  ::close(secret_fd);
  run.started = true;
  out_w.close();
  err_w.close();
  res_w.close();
  dump_w.close();
  // An interrupt that came before the group was known: this host must not run on.
  if (!register_host_group(pgid)) ::kill(-pgid, SIGKILL);

  // The protocol stream is kept whole up to a generous cap; a host that floods it is broken.
  constexpr size_t kProtocolLimit = 8 * 1024 * 1024;
  const bool live = invocation.live_output;
  std::make_shared<Drain>(out_r, run.stdout_tail, tail_bytes_, live ? STDOUT_FILENO : -1)->start();
  std::make_shared<Drain>(err_r, run.stderr_tail, tail_bytes_, live ? STDERR_FILENO : -1)->start();
  std::make_shared<Drain>(res_r, run.protocol, kProtocolLimit)->start();
  std::make_shared<Drain>(dump_r, run.forensics, kProtocolLimit)->start();

  // Time for the host's crash handler to dump a hung process before it is killed.
  constexpr auto kDumpGrace = std::chrono::milliseconds(1000);
  asio::steady_timer deadline(ctx);
  asio::steady_timer kill_timer(ctx);
  deadline.expires_after(invocation.timeout);
  deadline.async_wait([&](bp::error_code wait_ec) {
    if (wait_ec) return;  // cancelled: the host ended in time
    run.timed_out = true;
    run.gdb_stacks = gdb_stacks_of(pgid);  // the host is stopped while gdb is attached
    ::kill(pgid, SIGUSR1);
    kill_timer.expires_after(kDumpGrace);
    kill_timer.async_wait([&](bp::error_code kill_ec) {
      if (!kill_ec) ::kill(-pgid, SIGKILL);
    });
  });
  int status = 0;
  const auto host_ended = [&] {
    deadline.cancel();
    kill_timer.cancel();
    // Anything the host left behind (forked children, daemons) goes with it; this also
    // guarantees EOF on the pipes they might have inherited.
    run.stray_processes = kill_leftovers(pgid, tag_assignment);
  };
  // A fork server's child is not the driver's to wait for: its server sends the status.
  std::optional<asio::posix::stream_descriptor> server_reply;
  bool server_died = false;
  if (proc) {
    proc->async_wait([&](bp::error_code, int) {
      status = proc->native_exit_code();
      host_ended();
    });
  } else {
    server_reply.emplace(ctx, server.get()->control_fd());
    server_reply->async_wait(asio::posix::stream_descriptor::wait_read, [&](bp::error_code) {
      const std::optional<int> reply = server.get()->wait_status();
      if (reply) {
        status = *reply;
      } else {  // the server died, and its child with it (PR_SET_PDEATHSIG)
        status = SIGKILL;  // a wait status: killed by SIGKILL
        server_died = true;
        run.lost = "its fork server died (was it killed?)";
        ::kill(-pgid, SIGKILL);
      }
      host_ended();
    });
  }
  ctx.run();
  if (server_reply) server_reply->release();  // the socket stays the server's
  if (server_died) server.give_up();
  unregister_host_group(pgid);

  if (WIFSIGNALED(status)) {
    run.signaled = true;
    run.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  }
  // Killed by the interrupt watcher, not dead of its own doing.
  run.interrupted = interrupt_signal() != 0 && run.signaled && run.signal == SIGKILL && !run.timed_out;
  if (keep_core) run.core_file = collect_core(scratch, invocation.core_dir, pgid);
  std::filesystem::remove_all(scratch, fs_ec);
  trim_front(run.stdout_tail, tail_bytes_);
  trim_front(run.stderr_tail, tail_bytes_);
  run.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_at).count();
  return run;
}

int reap_stray_children() {
  int reaped = 0;
  for (const ProcStat& p : all_processes()) {
    if (p.ppid != ::getpid() || is_host_group(p.pid)) continue;
    if (p.state != 'Z') ::kill(p.pid, SIGKILL);
    ::waitpid(p.pid, nullptr, 0);
    ++reaped;
  }
  return reaped;
}

}  // namespace isocheck
