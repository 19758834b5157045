#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <type_traits>
// Boost 1.81's Process v2 headers use boost::optional without including it.
#include <boost/optional.hpp>
#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <cstdlib>
#include <functional>
#include <memory>

#include "core/executor.h"
#include "core/find_program.h"

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

// Launcher initializer: core dumps only when asked for (--keep-core), never by accident.
struct CoreLimit {
  bool allow;
  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    // Only the soft limit: lowering the hard one could not be undone by a later --keep-core
    // further down the process tree (without CAP_SYS_RESOURCE).
    rlimit limit{};
    ::getrlimit(RLIMIT_CORE, &limit);
    limit.rlim_cur = allow ? limit.rlim_max : 0;
    ::setrlimit(RLIMIT_CORE, &limit);
    return {};
  }
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
  std::filesystem::remove_all(scratch, ec);
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

ProcessExecutor::ProcessExecutor(size_t tail_bytes) : tail_bytes_(tail_bytes), gdb_(find_on_path("gdb")) {}

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

  std::filesystem::path scratch;
  if (!invocation.core_dir.empty()) {
    std::string pattern = (std::filesystem::path(invocation.core_dir) / ".isocheck-run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) scratch = pattern;
  }
  std::optional<bp::process> proc;
  try {
    proc.emplace(ctx.get_executor(), invocation.executable, invocation.args,
                 bp::process_stdio{nullptr, out_w, err_w}, InheritFd{kHostResultFd, res_w.native_handle()},
                 InheritFd{kHostForensicsFd, dump_w.native_handle()}, NewProcessGroup{},
                 CoreLimit{!scratch.empty()},
                 bp::process_start_dir{scratch.empty() ? std::filesystem::current_path() : scratch});
  } catch (const std::exception& e) {
    run.start_error = e.what();
    return run;
  }
  run.started = true;
  out_w.close();
  err_w.close();
  res_w.close();
  dump_w.close();
  const pid_t pgid = proc->id();

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
  proc->async_wait([&](bp::error_code, int) {
    deadline.cancel();
    kill_timer.cancel();
    // Anything the host left behind (forked children, daemons) goes with it; this also
    // guarantees EOF on the pipes they might have inherited.
    ::kill(-pgid, SIGKILL);
  });
  ctx.run();

  const int status = proc->native_exit_code();
  if (WIFSIGNALED(status)) {
    run.signaled = true;
    run.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  }
  if (!scratch.empty()) run.core_file = collect_core(scratch, invocation.core_dir, pgid);
  trim_front(run.stdout_tail, tail_bytes_);
  trim_front(run.stderr_tail, tail_bytes_);
  run.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_at).count();
  return run;
}

}  // namespace isocheck
