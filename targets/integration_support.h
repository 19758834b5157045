// What the integration tests (targets_test.cpp, generators/generators_test.cpp) share: running
// the real driver, reading its JSON report, and asserting a module's whole matrix.
//
// Compiled into each test executable, which defines ISOCHECK_DRIVER (the isocheck binary).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace isocheck::integration {

using nlohmann::json;

struct DriverRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// PROGRAM run to completion (20 minutes at most) with its stdout and stderr tails.
DriverRun run_program(const std::string& program, const std::vector<std::string>& args);
DriverRun run_isocheck(const std::vector<std::string>& args);

json read_json(const std::filesystem::path& file);

// A directory of this test process's own under the system's temporary directory.
std::filesystem::path scratch_dir();

struct BuiltPython {
  std::string version;  // full: "3.13.0", a debug build's "3.14.8d"
  std::string minor;    // the host's key: "3.13", a debug build's "3.14d"
  std::string executable;
  std::string dynload;
  // The CPython release whose behaviour an expectation depends on: a debug build behaves as
  // its release ("3.14d" -> "3.14"); the extension tag its files carry ("3.14d" -> "314d").
  std::string release_minor() const { return minor.ends_with('d') ? minor.substr(0, minor.size() - 1) : minor; }
  std::string abi_tag() const {
    std::string tag = minor;
    tag.erase(std::remove(tag.begin(), tag.end(), '.'), tag.end());
    return tag;
  }
};

// The Pythons the build made hosts for (bin/isocheck-hosts.json).
std::vector<BuiltPython> built_pythons();

// "import[isolated]" -> cell, for one module and one Python version.
using Matrix = std::map<std::string, const json*>;
Matrix matrix_of(const json& report, const std::string& module, const std::string& python);

// A row of expectations: outcomes for main, legacy, isolated; "-" where the check does not run;
// "a|b" where either outcome is right (the test says why where it is used).
struct Row {
  std::string check;
  std::string main, legacy, isolated;
  std::string none = "-";  // the "-" column of checks that run no interpreter (lint)
};

// Every cell of MODULE under PYTHON is the expected one, and there is no other.
void expect_matrix(const json& report, const std::string& module, const std::string& python,
                   const std::vector<Row>& rows);

// The one cell, or a test failure and a null json. The keys are views, taken by value: the
// reference returned is into `report` only (GCC 16's -Wdangling-reference suspects a reference
// returned from a function given string temporaries by reference).
const json& cell(const json& report, std::string_view module, std::string_view python, std::string_view check,
                 std::string_view config);

bool contains(const json& text, const std::string& part);

}  // namespace isocheck::integration
