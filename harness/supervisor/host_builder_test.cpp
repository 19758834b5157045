#include "supervisor/host_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "protocol/usage_error.h"
#include "protocol/temp_dir_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;
using ::testing::HasSubstr;

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HostCacheKey, NamesTheVersionAndChangesWithSourceInterpreterAndVersion) {
  const std::string key = host_cache_key("src1", "/usr/bin/python3.13", "3.13.0");
  EXPECT_THAT(key, ::testing::MatchesRegex("3\\.13\\.0-[0-9a-f]{16}"));
  EXPECT_EQ(key, host_cache_key("src1", "/usr/bin/python3.13", "3.13.0"));
  EXPECT_NE(key, host_cache_key("src2", "/usr/bin/python3.13", "3.13.0"));
  EXPECT_NE(key, host_cache_key("src1", "/opt/python3.13", "3.13.0"));
  EXPECT_NE(key, host_cache_key("src1", "/usr/bin/python3.13", "3.13.1"));
  // Fields are kept apart: moving a byte from one to the next is another key.
  EXPECT_NE(host_cache_key("ab", "c", "3.13.0"), host_cache_key("a", "bc", "3.13.0"));
}

TEST(SourceFingerprint, ChangesWithAFilesContentOrNameAndIgnoresBytecode) {
  TempDir dir;
  write_file(dir.path() / "CMakeLists.txt", "project(x)\n");
  write_file(dir.path() / "harness" / "a.cpp", "int a;\n");
  const std::string first = source_fingerprint(dir.path());
  EXPECT_EQ(first.size(), 16u);
  EXPECT_EQ(first, source_fingerprint(dir.path()));
  write_file(dir.path() / "cmake" / "__pycache__" / "marshal_probe.cpython-313.pyc", "bytecode");
  EXPECT_EQ(first, source_fingerprint(dir.path()));
  write_file(dir.path() / "harness" / "a.cpp", "int b;\n");
  const std::string edited = source_fingerprint(dir.path());
  EXPECT_NE(first, edited);
  fs::rename(dir.path() / "harness" / "a.cpp", dir.path() / "harness" / "b.cpp");
  EXPECT_NE(edited, source_fingerprint(dir.path()));
}

TEST(DefaultHostCache, FollowsXdgCacheHome) {
  const ScopedEnv xdg("XDG_CACHE_HOME", "/somewhere/cache");
  EXPECT_EQ(default_host_cache(), fs::path("/somewhere/cache/isocheck/hosts"));
}

TEST(BuildOnce, BuildsOnceThenReusesTheReadyEntry) {
  TempDir cache;
  const fs::path entry = cache.path() / "3.13.0-0123456789abcdef";
  int builds = 0;
  const auto build = [&](const fs::path& dir) {
    ++builds;
    EXPECT_FALSE(fs::exists(dir / kHostReadyMarker));  // written after the build, never before
    write_file(dir / "host", "built");
  };
  build_once(entry, build, {});
  build_once(entry, build, {});
  EXPECT_EQ(builds, 1);
  EXPECT_TRUE(fs::exists(entry / kHostReadyMarker));
  EXPECT_TRUE(fs::exists(entry / "host"));
}

TEST(BuildOnce, AFailedBuildLeavesNoReadyMarkerAndTheNextCallStartsAfresh) {
  TempDir cache;
  const fs::path entry = cache.path() / "3.13.0-0123456789abcdef";
  EXPECT_THROW(build_once(
                   entry,
                   [](const fs::path& dir) {
                     write_file(dir / "half-built", "x");
                     throw UsageError("cmake --build failed");
                   },
                   {}),
               UsageError);
  EXPECT_FALSE(fs::exists(entry / kHostReadyMarker));
  bool saw_leftover = true;
  build_once(entry, [&](const fs::path& dir) { saw_leftover = fs::exists(dir / "half-built"); }, {});
  EXPECT_FALSE(saw_leftover);
  EXPECT_TRUE(fs::exists(entry / kHostReadyMarker));
}

TEST(BuildOnce, ASecondCallerWaitsForTheFirstsBuildAndDoesNotBuildAgain) {
  TempDir cache;
  const fs::path entry = cache.path() / "3.13.0-0123456789abcdef";
  std::atomic<int> builds = 0;
  std::atomic<bool> building = false;
  std::atomic<int> waits = 0;
  const auto build = [&](const fs::path& dir) {
    ++builds;
    building = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    write_file(dir / "host", "built");
  };
  std::thread first([&] { build_once(entry, build, [&] { ++waits; }); });
  while (!building) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // flock(2) locks belong to open file descriptions, so a second thread's open() contends
  // exactly as a second process would.
  build_once(entry, build, [&] { ++waits; });
  first.join();
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(waits, 1);
  EXPECT_TRUE(fs::exists(entry / "host"));  // the waiter found the finished entry
}

TEST(BuildOnce, AnUnwritableCacheIsAUsageError) {
  EXPECT_THROW(build_once("/proc/isocheck-no-such-cache/3.13.0-x", [](const fs::path&) {}, {}), UsageError);
}

// Plays CMake: the configure writes the manifest a real one would, the build succeeds.
class FakeCMake final : public HostExecutor {
 public:
  bool embeddable = true;
  int calls = 0;
  HostRun run(const HostInvocation& invocation) override {
    ++calls;
    HostRun run;
    run.started = true;
    const auto b = std::find(invocation.args.begin(), invocation.args.end(), "-B");
    if (b != invocation.args.end()) {
      const fs::path build_dir = *(b + 1);
      const std::string hosts =
          embeddable ? R"({"version": "3.13.0", "minor": "3.13", "executable": "/py/bin/python3.13",)"
                       R"( "host": "isocheck-host-3.13", "debug_build": 0})"
                     : "";
      write_file(build_dir / "bin" / "isocheck-hosts.json",
                 R"({"schema": "isocheck-hosts/1", "hosts": [)" + hosts + "]}\n");
      if (!embeddable) {
        run.stdout_tail = "-- isocheck: no host for /py/bin/python3.13 (CPython 3.13.0): no shared libpython "
                          "(built without --enable-shared, or its libpython-dev package is missing)\n";
      }
    }
    return run;
  }
};

class HostBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.path() / "source" / "CMakeLists.txt", "project(isocheck)\n");
    const fs::path cmake = dir_.path() / "tools" / "cmake";
    write_file(cmake, "#!/bin/sh\nexit 1\n");  // never run: FakeCMake stands in for it
    fs::permissions(cmake, fs::perms::owner_all);
  }
  TempDir dir_;
  std::ostringstream progress_;
};

TEST_F(HostBuilderTest, BuildsAHostOnceAndSaysSoInOneLine) {
  const ScopedEnv path("PATH", (dir_.path() / "tools").string());
  FakeCMake cmake;
  HostBuilder builder(dir_.path() / "source", dir_.path() / "cache", cmake, progress_);
  const PythonTarget target = builder.host_for("/py/bin/python3.13", "3.13.0");
  EXPECT_EQ(target.minor, "3.13");
  EXPECT_EQ(fs::path(target.host).filename(), "isocheck-host-3.13");
  EXPECT_EQ(fs::path(target.host).parent_path().parent_path().parent_path().parent_path(), dir_.path() / "cache");
  EXPECT_EQ(cmake.calls, 2);  // configure, build
  EXPECT_THAT(progress_.str(), HasSubstr("isocheck: building a host for CPython 3.13.0"));
  builder.host_for("/py/bin/python3.13", "3.13.0");
  EXPECT_EQ(cmake.calls, 2);  // the cached entry
}

TEST_F(HostBuilderTest, APythonWithoutSharedLibpythonIsOneLineSayingWhy) {
  const ScopedEnv path("PATH", (dir_.path() / "tools").string());
  FakeCMake cmake;
  cmake.embeddable = false;
  HostBuilder builder(dir_.path() / "source", dir_.path() / "cache", cmake, progress_);
  try {
    builder.host_for("/py/bin/python3.13", "3.13.0");
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot be embedded: no shared libpython"));
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  EXPECT_EQ(cmake.calls, 1);  // no build after the configure said no
}

TEST_F(HostBuilderTest, NoCMakeOnPathIsOneLineNamingIt) {
  const ScopedEnv path("PATH", (dir_.path() / "empty").string());
  FakeCMake cmake;
  HostBuilder builder(dir_.path() / "source", dir_.path() / "cache", cmake, progress_);
  EXPECT_THAT([&] { builder.host_for("/py/bin/python3.13", "3.13.0"); },
              ::testing::ThrowsMessage<UsageError>(HasSubstr("cmake is not on PATH")));
  EXPECT_EQ(cmake.calls, 0);
}

}  // namespace
}  // namespace isocheck
