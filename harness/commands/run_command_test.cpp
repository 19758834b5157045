// locate_modules: how the hosts' `describe` answers become the modules of a run (packages
// expanded, missing modules reported). The hosts are faked: each Python answers a fixed description.
#include "commands/run_command.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "protocol/host_protocol.h"
#include "protocol/usage_error.h"
#include "model/python_target_test_support.h"

namespace isocheck {
namespace {

using nlohmann::ordered_json;

PythonTarget py(std::string version, std::string minor) {
  return testing::fake_python(std::move(version), std::move(minor));
}

// Answers `describe` with the modules given for the host's Python.
class FakeDescribe final : public HostExecutor {
 public:
  std::map<std::string, ordered_json> modules_by_host;  // host path -> "modules" object
  HostRun run(const HostInvocation& inv) override {
    HostRun r;
    r.started = true;
    ordered_json d;
    d["python"] = {{"version", "?"}, {"executable", "?"}, {"debug_build", false}};
    // Read only: describes for several Pythons run at once (run_command.cpp describe_each).
    const auto it = modules_by_host.find(inv.executable);
    d["modules"] = it == modules_by_host.end() ? ordered_json::object() : it->second;
    r.secret = "fake-run-secret";  // as a real host would: framed with its run's secret
    r.protocol = frame_record(r.secret, encode_description(d));
    return r;
  }
};

ordered_json package(const std::string& dir, std::vector<std::pair<std::string, std::string>> extensions) {
  ordered_json list = ordered_json::array();
  for (const auto& [name, file] : extensions) list.push_back({{"name", name}, {"origin", file}});
  return {{"kind", "package"}, {"origin", dir + "/__init__.py"}, {"extensions", list}};
}

TEST(LocateModules, APackageBecomesItsExtensionModulesSortedUnderEveryPython) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12"), py("3.13.0", "3.13")};
  FakeDescribe hosts;
  hosts.modules_by_host["/build/bin/isocheck-host-3.12"] = {
      {"mypkg", package("/p/mypkg", {{"mypkg._a", "/p/mypkg/_a.cpython-312.so"}})},
      {"other", {{"kind", "extension"}, {"origin", "/p/other.so"}}}};
  // Only the 3.13 build has mypkg.sub._b: under 3.12 it is missing (error cells, not exit 2).
  hosts.modules_by_host["/build/bin/isocheck-host-3.13"] = {
      {"mypkg", package("/p/mypkg", {{"mypkg._a", "/p/mypkg/_a.cpython-313.so"},
                                     {"mypkg.sub._b", "/p/mypkg/sub/_b.cpython-313.so"}})},
      {"other", {{"kind", "extension"}, {"origin", "/p/other.so"}}}};
  RunOptions options;
  options.modules = {"other", "mypkg", "mypkg._a"};
  const ModuleAvailability where = locate_modules(options, pythons, hosts);
  EXPECT_EQ(options.modules, (std::vector<std::string>{"other", "mypkg._a", "mypkg.sub._b"}));
  EXPECT_EQ(where.at({"mypkg._a", "3.12.1"}).origin, "/p/mypkg/_a.cpython-312.so");
  EXPECT_EQ(where.at({"mypkg._a", "3.13.0"}).origin, "/p/mypkg/_a.cpython-313.so");
  EXPECT_EQ(where.at({"mypkg.sub._b", "3.13.0"}).kind, "extension");
  EXPECT_EQ(where.at({"mypkg.sub._b", "3.12.1"}).kind, "missing");
  EXPECT_EQ(where.at({"other", "3.12.1"}).kind, "extension");
}

TEST(LocateModules, APackageWithoutExtensionModulesIsAUsageErrorNamingIt) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  FakeDescribe hosts;
  hosts.modules_by_host["/build/bin/isocheck-host-3.12"] = {{"purepkg", package("/p/purepkg", {})}};
  RunOptions options;
  options.modules = {"purepkg"};
  try {
    locate_modules(options, pythons, hosts);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "package purepkg (/p/purepkg/__init__.py) contains no extension module");
  }
}

TEST(LocateModules, ASurveyPassesOverAPackageWithoutExtensionModulesSayingSo) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  FakeDescribe hosts;
  hosts.modules_by_host["/build/bin/isocheck-host-3.12"] = {
      {"purepkg", package("/p/purepkg", {})},
      {"mypkg", package("/p/mypkg", {{"mypkg._a", "/p/mypkg/_a.cpython-312.so"}})}};
  RunOptions options;
  options.modules = {"purepkg", "mypkg"};
  std::ostringstream notes;
  locate_modules(options, pythons, hosts, &notes, EmptyPackage::skip);
  EXPECT_EQ(options.modules, (std::vector<std::string>{"mypkg._a"}));
  EXPECT_EQ(notes.str(),
            "isocheck: not checked: package purepkg (/p/purepkg/__init__.py) contains no extension module\n");
  // Nothing left at all is still a usage error.
  options.modules = {"purepkg"};
  EXPECT_THROW(locate_modules(options, pythons, hosts, &notes, EmptyPackage::skip), UsageError);
}

TEST(LocateModules, AModuleNoPythonFindsIsAUsageError) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  FakeDescribe hosts;
  hosts.modules_by_host["/build/bin/isocheck-host-3.12"] = {{"gone", {{"kind", "missing"}, {"origin", ""}}}};
  RunOptions options;
  options.modules = {"gone"};
  EXPECT_THROW(locate_modules(options, pythons, hosts), UsageError);
}

}  // namespace
}  // namespace isocheck
