#include "supervisor/pythons.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "protocol/usage_error.h"
#include "model/python_target_test_support.h"
#include "protocol/temp_dir_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::fake_python;
using testing::TempDir;
using testing::write_file;
using ::testing::HasSubstr;

fs::path make_executable(const fs::path& file) {
  write_file(file, "#!/bin/sh\nexit 0\n");
  fs::permissions(file, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return file;
}

// Plays the interpreters: what each executable "prints" and how it exits.
class FakeInterpreters final : public HostExecutor {
 public:
  struct Behaviour {
    std::string prints;
    int exit_code = 0;
  };
  std::map<std::string, Behaviour> by_executable;
  std::vector<HostInvocation> calls;

  HostRun run(const HostInvocation& invocation) override {
    calls.push_back(invocation);
    HostRun run;
    run.started = true;
    auto it = by_executable.find(invocation.executable);
    if (it == by_executable.end()) {
      run.exit_code = 127;
      return run;
    }
    run.stdout_tail = it->second.prints;
    run.exit_code = it->second.exit_code;
    return run;
  }
};

const std::vector<PythonTarget> kBuilt = {fake_python("3.12.1", "3.12"), fake_python("3.13.0", "3.13")};

std::string usage_error_of(const std::vector<PythonTarget>& hosts, const std::vector<std::string>& requests,
                           HostExecutor& executor) {
  try {
    select_pythons(hosts, requests, executor);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// ---- load_host_manifest ----

TEST(LoadHostManifest, MissingManifestIsAUsageErrorThatSaysToBuild) {
  TempDir dir;
  const fs::path manifest = dir.path() / "isocheck-hosts.json";
  try {
    load_host_manifest(manifest);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("build"));
    EXPECT_THAT(e.what(), HasSubstr(manifest.string()));
  }
}

TEST(LoadHostManifest, FileThatIsNotAManifestIsAUsageError) {
  TempDir dir;
  write_file(dir.path() / "bad.json", "{ this is not json");
  EXPECT_THROW(load_host_manifest(dir.path() / "bad.json"), UsageError);
  write_file(dir.path() / "nohosts.json", R"({"schema": "isocheck-hosts/1"})");
  EXPECT_THROW(load_host_manifest(dir.path() / "nohosts.json"), UsageError);
}

TEST(LoadHostManifest, HostsAreSortedByVersionAndResolvedNextToTheManifest) {
  TempDir dir;
  const fs::path manifest = dir.path() / "bin" / "isocheck-hosts.json";
  write_file(manifest, R"({
  "schema": "isocheck-hosts/1",
  "hosts": [
    {"version": "3.14.0", "minor": "3.14", "executable": "/py/3.14/bin/python3", "host": "isocheck-host-3.14", "debug_build": true},
    {"version": "3.12.10", "minor": "3.12", "executable": "/py/3.12/bin/python3", "host": "isocheck-host-3.12", "debug_build": false},
    {"version": "3.9.18", "minor": "3.9", "executable": "/py/3.9/bin/python3", "host": "isocheck-host-3.9", "debug_build": false},
    {"version": "3.13.0", "minor": "3.13", "executable": "/py/3.13/bin/python3", "host": "isocheck-host-3.13", "debug_build": 0}
  ]
})");
  const auto pythons = load_host_manifest(manifest);
  // Numeric order: 3.9 before 3.12 (as text it would come last).
  ASSERT_EQ(pythons.size(), 4u);
  EXPECT_EQ(pythons[0].version, "3.9.18");
  EXPECT_EQ(pythons[1].version, "3.12.10");
  EXPECT_EQ(pythons[2].version, "3.13.0");
  EXPECT_EQ(pythons[3].version, "3.14.0");
  EXPECT_EQ(pythons[1].minor, "3.12");
  EXPECT_EQ(pythons[1].executable, "/py/3.12/bin/python3");
  EXPECT_EQ(fs::path(pythons[1].host), dir.path() / "bin" / "isocheck-host-3.12");
  EXPECT_FALSE(pythons[1].debug_build);
  EXPECT_FALSE(pythons[2].debug_build);
  EXPECT_TRUE(pythons[3].debug_build);
}

TEST(LoadHostManifest, EmptyHostListGivesNoPythons) {
  TempDir dir;
  write_file(dir.path() / "m.json", R"({"schema": "isocheck-hosts/1", "hosts": []})");
  EXPECT_TRUE(load_host_manifest(dir.path() / "m.json").empty());
}

// ---- select_pythons ----

TEST(SelectPythons, NoRequestSelectsEveryBuiltHost) {
  FakeInterpreters executor;
  const auto selected = select_pythons(kBuilt, {}, executor);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0].version, "3.12.1");
  EXPECT_EQ(selected[1].version, "3.13.0");
  EXPECT_TRUE(executor.calls.empty());
}

TEST(SelectPythons, NothingBuiltAndNothingRequestedIsAUsageError) {
  FakeInterpreters executor;
  EXPECT_THAT(usage_error_of({}, {}, executor), HasSubstr("-DISOCHECK_PYTHONS"));
}

TEST(SelectPythons, MinorVersionSelectsItsHost) {
  FakeInterpreters executor;
  const auto selected = select_pythons(kBuilt, {"3.13"}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].version, "3.13.0");
  EXPECT_EQ(selected[0].host, kBuilt[1].host);
  EXPECT_EQ(selected[0].executable, kBuilt[1].executable);
  EXPECT_TRUE(executor.calls.empty());
}

TEST(SelectPythons, FullVersionSelectsItsHost) {
  FakeInterpreters executor;
  const auto selected = select_pythons(kBuilt, {"3.13.0"}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].version, "3.13.0");
}

TEST(SelectPythons, SameVersionAskedTwiceIsSelectedOnce) {
  FakeInterpreters executor;
  const auto selected = select_pythons(kBuilt, {"3.13", "3.13.0", "3.12"}, executor);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0].version, "3.13.0");
  EXPECT_EQ(selected[1].version, "3.12.1");
}

TEST(SelectPythons, UnknownVersionNamesTheBuiltVersionsAndHowToAddOne) {
  FakeInterpreters executor;
  const std::string message = usage_error_of(kBuilt, {"3.14"}, executor);
  EXPECT_THAT(message, HasSubstr("3.14"));
  EXPECT_THAT(message, HasSubstr("3.12.1"));
  EXPECT_THAT(message, HasSubstr("3.13.0"));
  EXPECT_THAT(message, HasSubstr("-DISOCHECK_PYTHONS"));
}

TEST(SelectPythons, DebugBuildIsSelectedByItsOwnKeyNeverInPlaceOfTheReleaseBuild) {
  FakeInterpreters executor;
  const std::vector<PythonTarget> hosts = {fake_python("3.14.8", "3.14"), fake_python("3.14.8d", "3.14d")};
  auto selected = select_pythons(hosts, {"3.14d"}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].version, "3.14.8d");
  selected = select_pythons(hosts, {"3.14"}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].version, "3.14.8");
  selected = select_pythons(hosts, {"3.14.8d"}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].minor, "3.14d");
  EXPECT_THAT(usage_error_of({fake_python("3.14.8", "3.14")}, {"3.14d"}, executor), HasSubstr("no isocheck host"));
}

TEST(SelectPythons, DebugExecutableIsServedByTheDebugHost) {
  TempDir dir;
  const fs::path exe = make_executable(dir.path() / "bin" / "python3.14d");
  FakeInterpreters executor;
  executor.by_executable[exe.string()] = {"3.14.8d\n", 0};
  const std::vector<PythonTarget> hosts = {fake_python("3.14.8", "3.14"), fake_python("3.14.8d", "3.14d")};
  const auto selected = select_pythons(hosts, {exe.string()}, executor);
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].host, hosts[1].host);
  EXPECT_EQ(selected[0].version, "3.14.8d");
  ASSERT_EQ(executor.calls.size(), 1u);
  EXPECT_THAT(executor.calls[0].args.back(), HasSubstr("gettotalrefcount"));
}

TEST(SelectPythons, OtherPatchOfABuiltMinorIsNotSilentlySubstituted) {
  FakeInterpreters executor;
  EXPECT_THAT(usage_error_of(kBuilt, {"3.13.5"}, executor), HasSubstr("3.13.5"));
}

TEST(SelectPythons, ExecutableIsServedByTheHostOfItsVersionAndKeptUnresolved) {
  TempDir dir;
  const fs::path real = make_executable(dir.path() / "base" / "bin" / "python3.13");
  const fs::path venv_python = dir.path() / "venv" / "bin" / "python";
  fs::create_directories(venv_python.parent_path());
  fs::create_symlink(real, venv_python);

  FakeInterpreters executor;
  executor.by_executable[venv_python.string()] = {"3.13.2\n", 0};
  const auto selected = select_pythons(kBuilt, {venv_python.string()}, executor);

  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].host, kBuilt[1].host);
  EXPECT_EQ(selected[0].minor, "3.13");
  EXPECT_EQ(selected[0].version, "3.13.2");
  EXPECT_EQ(selected[0].executable, venv_python.string());  // the venv's, not the base interpreter
  ASSERT_EQ(executor.calls.size(), 1u);
  EXPECT_EQ(executor.calls[0].executable, venv_python.string());
}

TEST(SelectPythons, RelativeExecutableIsMadeAbsolute) {
  TempDir dir;
  make_executable(dir.path() / "bin" / "python3");
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  const fs::path expected = fs::current_path() / "bin" / "python3";
  FakeInterpreters executor;
  executor.by_executable[expected.string()] = {"3.12.4\n", 0};
  std::vector<PythonTarget> selected;
  std::string error;
  try {
    selected = select_pythons(kBuilt, {"bin/python3"}, executor);
  } catch (const std::exception& e) {
    error = e.what();
  }
  fs::current_path(before);
  EXPECT_EQ(error, "");
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].executable, expected.string());
  EXPECT_EQ(selected[0].version, "3.12.4");
  EXPECT_EQ(selected[0].host, kBuilt[0].host);
}

TEST(SelectPythons, ExecutableExiting127HintsAtAPyenvShim) {
  TempDir dir;
  const fs::path shim = make_executable(dir.path() / "shims" / "python3.11");
  FakeInterpreters executor;
  executor.by_executable[shim.string()] = {"", 127};
  const std::string message = usage_error_of(kBuilt, {shim.string()}, executor);
  EXPECT_THAT(message, HasSubstr(shim.string()));
  EXPECT_THAT(message, HasSubstr("pyenv shim"));
}

TEST(SelectPythons, ExecutableThatPrintsNoVersionIsAUsageError) {
  TempDir dir;
  const fs::path fake = make_executable(dir.path() / "python");
  FakeInterpreters executor;
  executor.by_executable[fake.string()] = {"Hello, world\n", 0};
  const std::string message = usage_error_of(kBuilt, {fake.string()}, executor);
  EXPECT_THAT(message, HasSubstr(fake.string()));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("pyenv")));
}

TEST(SelectPythons, ExecutableOfAVersionBelow312SaysIsocheckNeeds312) {
  TempDir dir;
  const fs::path old = make_executable(dir.path() / "python3.11");
  FakeInterpreters executor;
  executor.by_executable[old.string()] = {"3.11.9\n", 0};
  const std::string message = usage_error_of(kBuilt, {old.string()}, executor);
  EXPECT_THAT(message, HasSubstr("3.11.9"));
  EXPECT_THAT(message, HasSubstr("3.12+"));
  EXPECT_THAT(message, HasSubstr("-DISOCHECK_PYTHONS=" + old.string()));
}

TEST(SelectPythons, ExecutableOfANewerUnbuiltVersionNamesTheBuiltOnes) {
  TempDir dir;
  const fs::path newer = make_executable(dir.path() / "python3.14");
  FakeInterpreters executor;
  executor.by_executable[newer.string()] = {"3.14.1\n", 0};
  const std::string message = usage_error_of(kBuilt, {newer.string()}, executor);
  EXPECT_THAT(message, HasSubstr("3.12.1, 3.13.0"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("3.12+")));
}

TEST(SelectPythons, PathThatDoesNotExistIsAUsageError) {
  FakeInterpreters executor;
  EXPECT_THAT(usage_error_of(kBuilt, {"/no/such/python3"}, executor), HasSubstr("/no/such/python3"));
  EXPECT_TRUE(executor.calls.empty());
}

TEST(SelectPythons, FileWithoutExecutePermissionIsAUsageError) {
  TempDir dir;
  const fs::path plain = dir.path() / "python3";
  write_file(plain, "not executable");
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  FakeInterpreters executor;
  executor.by_executable[plain.string()] = {"3.13.0\n", 0};
  EXPECT_THROW(select_pythons(kBuilt, {plain.string()}, executor), UsageError);
  EXPECT_TRUE(executor.calls.empty());
}

TEST(SelectPythons, TwoInterpretersOfOneVersionAreRefused) {
  TempDir dir;
  const fs::path a = make_executable(dir.path() / "a" / "python");
  const fs::path b = make_executable(dir.path() / "b" / "python");
  FakeInterpreters executor;
  executor.by_executable[a.string()] = {"3.13.2\n", 0};
  executor.by_executable[b.string()] = {"3.13.2\n", 0};
  const std::string message = usage_error_of(kBuilt, {a.string(), b.string()}, executor);
  EXPECT_THAT(message, HasSubstr(a.string()));
  EXPECT_THAT(message, HasSubstr(b.string()));
}

}  // namespace
}  // namespace isocheck
