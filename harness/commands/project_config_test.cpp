#include "commands/project_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "protocol/usage_error.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;

ProjectConfig parse(std::string_view text) { return parse_project_config(text, "pyproject.toml", "/proj"); }

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    return what;
  }
  return "(accepted)";
}

TEST(ProjectConfig, ReadsEveryKeyAndMakesPathsRelativeToThePyprojectDirectory) {
  const ProjectConfig c = parse(R"(
[project]
name = "mypkg"

[tool.isocheck]
modules = ["mypkg", "other._speedups"]
paths = ["build/lib", "/abs/dir"]
exercise = "tests/exercise.py"
checks = ["import", "teardown"]
configs = ["legacy", "isolated"]
pythons = ["3.13", ".venv/bin/python"]
require = ["isolated"]
baseline = "ci/../isocheck-baseline.json"
timeout = 2.5
cycles = 4
jobs = 3
)");
  EXPECT_EQ(c.modules, (std::vector<std::string>{"mypkg", "other._speedups"}));
  EXPECT_EQ(*c.paths, (std::vector<std::string>{"/proj/build/lib", "/abs/dir"}));
  EXPECT_EQ(*c.exercise, "/proj/tests/exercise.py");
  EXPECT_EQ(*c.checks, (std::vector<std::string>{"import", "teardown"}));
  EXPECT_EQ(*c.configs, (std::vector<std::string>{"legacy", "isolated"}));
  EXPECT_EQ(*c.pythons, (std::vector<std::string>{"3.13", "/proj/.venv/bin/python"}));
  EXPECT_EQ(*c.require, (std::vector<std::string>{"isolated"}));
  EXPECT_EQ(*c.baseline, "/proj/isocheck-baseline.json");
  EXPECT_DOUBLE_EQ(*c.timeout, 2.5);
  EXPECT_EQ(*c.cycles, 4);
  EXPECT_EQ(*c.jobs, 3);
}

TEST(ProjectConfig, AbsentKeysStayUnsetSoDefaultsAndTheCommandLineDecide) {
  const ProjectConfig c = parse("[tool.isocheck]\ntimeout = 30\n");
  EXPECT_TRUE(c.modules.empty());
  EXPECT_FALSE(c.paths || c.exercise || c.checks || c.configs || c.pythons || c.require || c.baseline || c.cycles ||
               c.jobs);
  EXPECT_DOUBLE_EQ(*c.timeout, 30);
}

TEST(ProjectConfig, APyprojectWithoutTheTableIsAnEmptyConfig) {
  const ProjectConfig c = parse("[project]\nname = \"x\"\n[tool.black]\nline-length = 100\n");
  EXPECT_TRUE(c.modules.empty());
  EXPECT_FALSE(c.timeout.has_value());
}

TEST(ProjectConfig, UnknownKeyIsNamed) {
  EXPECT_EQ(error_of("[tool.isocheck]\ntimout = 3\n"),
            "pyproject.toml: [tool.isocheck] unknown key 'timout' (known: modules, paths, exercise, checks, configs, "
            "pythons, require, baseline, timeout, cycles, jobs)");
}

TEST(ProjectConfig, WrongTypesAndValuesNameTheKey) {
  EXPECT_EQ(error_of("[tool.isocheck]\nmodules = \"mypkg\"\n"),
            "pyproject.toml: [tool.isocheck] modules must be an array of strings, not a string");
  EXPECT_EQ(error_of("[tool.isocheck]\nmodules = []\n"),
            "pyproject.toml: [tool.isocheck] modules must name at least one module");
  EXPECT_EQ(error_of("[tool.isocheck]\npaths = [\"a\", 3]\n"),
            "pyproject.toml: [tool.isocheck] paths must be an array of strings, but holds an integer");
  EXPECT_EQ(error_of("[tool.isocheck]\nexercise = [\"a.py\"]\n"),
            "pyproject.toml: [tool.isocheck] exercise must be a string, not an array");
  EXPECT_EQ(error_of("[tool.isocheck]\nchecks = [\"imports\"]\n"),
            "pyproject.toml: [tool.isocheck] checks has unknown check 'imports' (isocheck list-checks)");
  EXPECT_EQ(error_of("[tool.isocheck]\nconfigs = [\"shared\"]\n"),
            "pyproject.toml: [tool.isocheck] configs has unknown config 'shared' (known: main, legacy, isolated)");
  EXPECT_EQ(error_of("[tool.isocheck]\nrequire = [\"-\"]\n"),
            "pyproject.toml: [tool.isocheck] require has unknown config '-' (known: main, legacy, isolated)");
  EXPECT_EQ(error_of("[tool.isocheck]\npythons = 3.13\n"),
            "pyproject.toml: [tool.isocheck] pythons must be an array of strings, not a float");
  EXPECT_EQ(error_of("[tool.isocheck]\nbaseline = true\n"),
            "pyproject.toml: [tool.isocheck] baseline must be a string, not a boolean");
  EXPECT_EQ(error_of("[tool.isocheck]\ntimeout = \"60\"\n"),
            "pyproject.toml: [tool.isocheck] timeout must be a number of seconds, not a string");
  EXPECT_EQ(error_of("[tool.isocheck]\ntimeout = 0\n"),
            "pyproject.toml: [tool.isocheck] timeout must be a positive number of seconds");
  EXPECT_EQ(error_of("[tool.isocheck]\ncycles = 1.5\n"),
            "pyproject.toml: [tool.isocheck] cycles must be an integer, not a float");
  EXPECT_EQ(error_of("[tool.isocheck]\njobs = 0\n"),
            "pyproject.toml: [tool.isocheck] jobs must be between 1 and 1024, not 0");
  EXPECT_EQ(error_of("[tool]\nisocheck = 1\n"), "pyproject.toml: [tool.isocheck] must be a table");
}

TEST(ProjectConfig, InvalidTomlNamesTheLine) {
  const std::string e = error_of("[tool.isocheck]\nmodules = [\"a\"\n");
  EXPECT_EQ(e.rfind("pyproject.toml:", 0), 0u) << e;
  EXPECT_NE(e.find("not valid TOML"), std::string::npos) << e;
}

TEST(ProjectConfig, LoadsPyprojectFromTheDirectoryOrNothing) {
  const fs::path dir = fs::temp_directory_path() / ("isocheck-pyproject-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_TRUE(load_project_config(dir).modules.empty()) << "no pyproject.toml: empty config";
  std::ofstream(dir / "pyproject.toml") << "[tool.isocheck]\nmodules = [\"m\"]\nexercise = \"ex.py\"\n";
  const ProjectConfig c = load_project_config(dir);
  EXPECT_EQ(c.modules, std::vector<std::string>{"m"});
  EXPECT_EQ(*c.exercise, (dir / "ex.py").string());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace isocheck
