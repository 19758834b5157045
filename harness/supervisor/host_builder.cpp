#include "supervisor/host_builder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <ostream>
#include <thread>
#include <vector>

#include "protocol/atomic_file.h"
#include "supervisor/find_program.h"
#include "supervisor/interrupt.h"
#include "supervisor/pythons.h"
#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

// FNV-1a, 64 bits: a cache key, not a defence against anyone (the cache is the user's own).
struct Fnv1a64 {
  std::uint64_t state = 14695981039346656037ull;
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      state ^= static_cast<unsigned char>(c);
      state *= 1099511628211ull;
    }
    state ^= 0xff;  // a separator no byte sequence can produce, so ("ab","c") != ("a","bc")
    state *= 1099511628211ull;
  }
  std::string hex() const { return fmt::format("{:016x}", state); }
};

// An exclusive flock(2) on a file, held for the object's life. Waiting polls, so that
// SIGINT/SIGTERM (taken by the interrupt watcher, supervisor/interrupt.h) ends the wait.
class HostCacheLock {
 public:
  HostCacheLock(const fs::path& file, const std::function<void()>& on_wait) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw UsageError(fmt::format("cannot lock the host cache {}: {}", file.string(), std::strerror(errno)));
    }
    bool waited = false;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        const int err = errno;
        ::close(fd_);
        throw UsageError(fmt::format("cannot lock the host cache {}: {}", file.string(), std::strerror(err)));
      }
      if (!waited && on_wait) on_wait();
      waited = true;
      if (const int signal = interrupt_signal(); signal != 0) {
        ::close(fd_);
        throw RunInterrupted(signal, "interrupted while waiting for another isocheck's host build");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~HostCacheLock() { ::close(fd_); }  // closing the only descriptor releases the lock
  HostCacheLock(const HostCacheLock&) = delete;
  HostCacheLock& operator=(const HostCacheLock&) = delete;

 private:
  int fd_ = -1;
};

// The "isocheck: no host for EXE (CPython V): WHY" line IsocheckPythons.cmake prints for a
// Python it cannot embed; its WHY, or "" when there is none.
std::string no_host_reason(const std::string& cmake_output) {
  const std::string marker = "isocheck: no host for ";
  const size_t at = cmake_output.find(marker);
  if (at == std::string::npos) return "";
  const size_t end = cmake_output.find('\n', at);
  const std::string line = cmake_output.substr(at, end == std::string::npos ? std::string::npos : end - at);
  const size_t why = line.find("): ");
  return why == std::string::npos ? line : line.substr(why + 3);
}

}  // namespace

fs::path default_host_cache() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return fs::path(xdg) / "isocheck" / "hosts";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : "/tmp") / ".cache" / "isocheck" / "hosts";
}

std::string source_fingerprint(const fs::path& dir) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    // pip byte-compiles the .py files it installs (cmake/marshal_probe.py): not source.
    if (it->is_directory() && it->path().filename() == "__pycache__") {
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      files.push_back(it->path().lexically_relative(dir));
    }
  }
  std::sort(files.begin(), files.end());
  Fnv1a64 hash;
  for (const fs::path& file : files) {
    std::ifstream in(dir / file, std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    hash.add(file.generic_string());
    hash.add(content);
  }
  return hash.hex();
}

std::string host_cache_key(std::string_view source_id, std::string_view executable, std::string_view version) {
  Fnv1a64 hash;
  hash.add(source_id);
  hash.add(executable);
  hash.add(version);
  return fmt::format("{}-{}", version, hash.hex());
}

void build_once(const fs::path& dir, const std::function<void(const fs::path&)>& build,
                const std::function<void()>& on_wait) {
  const fs::path ready = dir / kHostReadyMarker;
  std::error_code ec;
  if (fs::exists(ready, ec)) return;
  fs::create_directories(dir.parent_path(), ec);
  if (ec) throw UsageError(fmt::format("cannot create the host cache {}: {}", dir.parent_path().string(), ec.message()));
  const HostCacheLock lock(dir.string() + ".lock", on_wait);
  if (fs::exists(ready, ec)) return;  // built while this process waited
  fs::remove_all(dir, ec);            // what a failed or killed build left
  fs::create_directories(dir, ec);
  if (ec) throw UsageError(fmt::format("cannot create the host cache {}: {}", dir.string(), ec.message()));
  build(dir);
  try {
    write_file_atomically(ready, "ready\n");
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

HostBuilder::HostBuilder(fs::path source, fs::path cache, HostExecutor& executor, std::ostream& progress)
    : source_(std::move(source)), cache_(std::move(cache)), executor_(executor), progress_(progress) {}

PythonTarget HostBuilder::host_for(const std::string& executable, const std::string& version) {
  const bool debug = !version.empty() && version.back() == 'd';
  const std::string minor = version.substr(0, version.rfind('.')) + (debug ? "d" : "");
  // A venv's python is a symlink to its base interpreter: every venv of one base shares a host.
  std::error_code ec;
  fs::path python = fs::canonical(executable, ec);
  if (ec) python = fs::absolute(executable);
  const fs::path dir = cache_ / host_cache_key(source_fingerprint(source_), python.string(), version);
  build_once(
      dir,
      [&](const fs::path& entry) {
        cmake_ = find_on_path("cmake");
        if (cmake_.empty()) {
          throw UsageError(fmt::format("cannot build a host for CPython {} ({}): cmake is not on PATH (a host build "
                                       "needs cmake, a C++20 compiler and isocheck's libraries: README \"Install "
                                       "with pip\")",
                                       version, python.string()));
        }
        progress_ << fmt::format("isocheck: building a host for CPython {} ({}) in {}; once, it takes minutes\n",
                                 version, python.string(), entry.string())
                  << std::flush;
        const auto start = std::chrono::steady_clock::now();
        build(entry, python.string(), minor, version);
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        progress_ << fmt::format("isocheck: host for CPython {} built in {} s\n", version, seconds.count())
                  << std::flush;
      },
      [&] {
        progress_ << fmt::format("isocheck: waiting for another isocheck to build the host for CPython {} ({})\n",
                                 version, dir.string())
                  << std::flush;
      });
  for (PythonTarget& target : load_host_manifest(dir / "build" / "bin" / "isocheck-hosts.json")) {
    if (target.minor == minor) return target;
  }
  throw UsageError(fmt::format("the host cache entry {} has no host for CPython {}: remove it and run again",
                               dir.string(), version));
}

void HostBuilder::run_cmake(const fs::path& dir, const std::vector<std::string>& args, const std::string& what,
                            const std::string& version, const std::string& python, std::string* output) {
  HostInvocation invocation;
  invocation.executable = cmake_;
  invocation.args = args;
  invocation.timeout = std::chrono::hours(2);
  const HostRun run = executor_.run(invocation);
  const fs::path log = dir / "build.log";
  {
    std::ofstream out(log, std::ios::app);
    out << "$ " << cmake_;
    for (const std::string& arg : args) out << ' ' << arg;
    out << "\n" << run.stdout_tail << run.stderr_tail << "\n";
  }
  if (output != nullptr) *output = run.stdout_tail + run.stderr_tail;
  if (run.interrupted) {
    throw RunInterrupted(interrupt_signal(), fmt::format("interrupted while building the host for CPython {}", version));
  }
  if (!run.started || run.signaled || run.timed_out || run.exit_code != 0) {
    const std::string status = !run.started   ? "could not start: " + run.start_error
                               : run.timed_out ? std::string("timed out")
                               : run.signaled  ? fmt::format("killed by signal {}", run.signal)
                                               : fmt::format("exit {}", run.exit_code);
    throw UsageError(fmt::format("cannot build a host for CPython {} ({}): {} failed ({}); the log: {}", version,
                                 python, what, status, log.string()));
  }
}

void HostBuilder::build(const fs::path& dir, const std::string& python, const std::string& minor,
                        const std::string& version) {
  const fs::path build_dir = dir / "build";
  std::vector<std::string> configure = {"-S", source_.string(), "-B", build_dir.string(),
                                        "-DCMAKE_BUILD_TYPE=Release", "-DISOCHECK_BUILD_TESTS=OFF",
                                        "-DISOCHECK_DISCOVER_PYTHONS=OFF", "-DISOCHECK_PYTHONS=" + python};
  if (!find_on_path("ninja").empty()) configure.insert(configure.begin(), {"-G", "Ninja"});
  std::string output;
  run_cmake(dir, configure, "cmake (configure)", version, python, &output);
  const std::vector<PythonTarget> hosts = load_host_manifest(build_dir / "bin" / "isocheck-hosts.json");
  if (std::none_of(hosts.begin(), hosts.end(), [&](const PythonTarget& p) { return p.minor == minor; })) {
    const std::string why = no_host_reason(output);
    throw UsageError(fmt::format("cannot build a host for CPython {} ({}): it cannot be embedded: {}", version,
                                 python, why.empty() ? "CMake found no shared libpython or no headers" : why));
  }
  run_cmake(dir, {"--build", build_dir.string(), "--target", "isocheck-host-" + minor}, "cmake --build", version,
            python, nullptr);
}

}  // namespace isocheck
