// Hosts built on demand (issue #15). An installed isocheck (`pip install`, cmake --install)
// carries the host of the Python it was built with and the sources of a host
// (share/isocheck/source, cmake/IsocheckInstall.cmake). A run that names another CPython
// (`--python /path/python3.12`) gets its host built once, with CMake, into a per-user cache:
//
//   ${XDG_CACHE_HOME:-~/.cache}/isocheck/hosts/<version>-<hash>/   the entry: build/, build.log,
//                                                                 ready (written last)
//   ${XDG_CACHE_HOME:-~/.cache}/isocheck/hosts/<version>-<hash>.lock   flock(2)ed while building
//
// The hash covers the sources and the interpreter, so a changed isocheck or another
// interpreter of the same version never reuses a host that does not fit it.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "protocol/executor.h"
#include "model/model.h"

namespace isocheck {

// ${XDG_CACHE_HOME:-~/.cache}/isocheck/hosts
std::filesystem::path default_host_cache();

// 16 hex digits over every regular file under `dir`: relative paths and contents, in path order;
// __pycache__ directories (pip compiles the .py files it installs) are not source.
std::string source_fingerprint(const std::filesystem::path& dir);

// The cache entry's name: "<version>-<16 hex digits>" of the source's fingerprint, the
// interpreter (a canonical path) and its version ("3.13.0", "3.14.8d").
std::string host_cache_key(std::string_view source_id, std::string_view executable, std::string_view version);

// The lock/ready protocol of one cache entry `dir`. Returns at once when `dir`/ready exists.
// Otherwise takes an exclusive flock(2) on "`dir`.lock" (calling `on_wait` once first when
// another process holds it), looks for `ready` again (that process may have built the entry),
// and else empties `dir`, calls `build(dir)`, and writes `ready` last, atomically. An entry
// without `ready` is never used: a build that throws, or a process killed mid-build, leaves
// one that the next call starts afresh. Throws UsageError when the cache cannot be written,
// RunInterrupted when SIGINT/SIGTERM comes while waiting for the lock.
void build_once(const std::filesystem::path& dir, const std::function<void(const std::filesystem::path&)>& build,
                const std::function<void()>& on_wait);

// The name of the marker build_once writes last.
inline constexpr const char* kHostReadyMarker = "ready";

class HostBuilder {
 public:
  // `source`: a tree with isocheck's CMakeLists.txt; `cache`: where entries go; CMake runs
  // through `executor` (a plain child process); one line on `progress` per build.
  HostBuilder(std::filesystem::path source, std::filesystem::path cache, HostExecutor& executor,
              std::ostream& progress);

  // The host for the interpreter `executable` of CPython `version` ("3.13.0", "3.14.8d":
  // what the interpreter says of itself), from the cache or built now (minutes: one line on
  // progress says so). Throws UsageError with one line when it cannot: cmake is not on PATH,
  // the Python cannot be embedded (no shared libpython or no headers), or the build failed
  // (the line names the log).
  PythonTarget host_for(const std::string& executable, const std::string& version);

 private:
  void build(const std::filesystem::path& dir, const std::string& python, const std::string& minor,
             const std::string& version);
  void run_cmake(const std::filesystem::path& dir, const std::vector<std::string>& args, const std::string& what,
                 const std::string& version, const std::string& python, std::string* output);

  std::filesystem::path source_;
  std::filesystem::path cache_;
  HostExecutor& executor_;
  std::ostream& progress_;
  std::string cmake_;
};

}  // namespace isocheck
