#include "supervisor/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

#include "model/catalog.h"
#include "model/python_target_test_support.h"

namespace isocheck {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

PythonTarget py(std::string version, std::string minor) {
  return testing::fake_python(std::move(version), std::move(minor));
}

std::vector<std::string> all_check_ids() {
  std::vector<std::string> ids;
  for (const CheckInfo& c : check_catalog()) ids.emplace_back(c.id);
  return ids;
}

RunOptions default_options(std::vector<std::string> modules) {
  RunOptions o;
  o.modules = std::move(modules);
  o.checks = all_check_ids();
  o.configs.assign(std::begin(kAllConfigs), std::end(kAllConfigs));
  return o;
}

ModuleAvailability everywhere(const std::vector<std::string>& modules, const std::vector<PythonTarget>& pythons) {
  ModuleAvailability a;
  for (const auto& m : modules) {
    for (const auto& p : pythons) a[{m, p.version}] = {"extension", "/lib/" + m + ".so"};
  }
  return a;
}

using KeyTuple = std::tuple<std::string, std::string, std::string, std::string>;  // module, python, check, config

std::set<KeyTuple> keys_of(const std::vector<PlannedCell>& cells) {
  std::set<KeyTuple> keys;
  for (const auto& c : cells) keys.insert({c.key.module, c.key.python, c.key.check, c.key.config});
  return keys;
}

// Value following `flag` in args, or "" when absent.
std::string arg_after(const std::vector<std::string>& args, const std::string& flag) {
  auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? "" : *(it + 1);
}

std::vector<std::string> all_args_after(const std::vector<std::string>& args, const std::string& flag) {
  std::vector<std::string> values;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) values.push_back(args[i + 1]);
  }
  return values;
}

TEST(PlanCells, OneCellPerModulePythonCheckAndCatalogConfig) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12"), py("3.13.0", "3.13")};
  const RunOptions options = default_options({"alpha", "beta"});
  const auto cells = plan_cells(options, pythons, everywhere(options.modules, pythons));

  std::set<KeyTuple> expected;
  for (const auto& m : options.modules) {
    for (const auto& p : pythons) {
      for (const CheckInfo& check : check_catalog()) {
        for (Config c : check.configs) expected.insert({m, p.version, std::string(check.id), std::string(to_string(c))});
        // Checks that run no interpreter have one cell in the "-" column.
        if (check.configs.empty()) expected.insert({m, p.version, std::string(check.id), std::string(kNoConfig)});
      }
    }
  }
  EXPECT_EQ(cells.size(), expected.size());  // no duplicates
  EXPECT_EQ(keys_of(cells), expected);
}

// The survey lists each Python's own lib-dynload: a module only one Python ships is planned
// there alone, not as `error` cells under the other (run mode keeps those, see below).
TEST(PlanCells, OnlyListedPlansAModuleUnderThePythonsThatListItAlone) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12"), py("3.13.0", "3.13")};
  RunOptions options = default_options({"both", "new_in_313"});
  options.checks = {"import"};
  options.only_listed = true;
  ModuleAvailability a = everywhere({"both"}, pythons);
  a[{"new_in_313", "3.13.0"}] = {"extension", "/lib/new_in_313.so"};
  const auto cells = plan_cells(options, pythons, a);
  std::set<std::pair<std::string, std::string>> module_python;
  for (const auto& c : cells) {
    module_python.insert({c.key.module, c.key.python});
    EXPECT_FALSE(c.preset) << c.key.module << " " << c.key.python;
  }
  const std::set<std::pair<std::string, std::string>> expected = {
      {"both", "3.12.1"}, {"both", "3.13.0"}, {"new_in_313", "3.13.0"}};
  EXPECT_EQ(module_python, expected);

  options.only_listed = false;
  const auto run_cells = plan_cells(options, pythons, a);
  const auto missing = std::find_if(run_cells.begin(), run_cells.end(), [](const PlannedCell& c) {
    return c.key.module == "new_in_313" && c.key.python == "3.12.1";
  });
  ASSERT_NE(missing, run_cells.end());
  ASSERT_TRUE(missing->preset);
  EXPECT_EQ(missing->preset->outcome, Outcome::error);
}

TEST(PlanCells, OnlyConfigsBothInTheCatalogAndAskedForArePlanned) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  RunOptions options = default_options({"m"});
  options.checks = {"import", "cycles"};
  options.configs = {Config::main, Config::isolated};
  const auto cells = plan_cells(options, pythons, everywhere(options.modules, pythons));
  // cycles does not run in main (catalog: legacy, isolated); legacy was not asked for.
  const std::set<KeyTuple> expected = {{"m", "3.12.1", "import", "main"},
                                       {"m", "3.12.1", "import", "isolated"},
                                       {"m", "3.12.1", "cycles", "isolated"}};
  EXPECT_EQ(keys_of(cells), expected);
}

TEST(PlanCells, CheckWhoseConfigsWereAllExcludedPlansNothing) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  RunOptions options = default_options({"m"});
  options.checks = {"cycles", "isolation", "teardown"};
  options.configs = {Config::main};
  EXPECT_TRUE(plan_cells(options, pythons, everywhere(options.modules, pythons)).empty());
}

TEST(PlanCells, CellRunsTheHostOfItsPythonWithTheCellArguments) {
  const std::vector<PythonTarget> pythons = {py("3.13.0", "3.13")};
  RunOptions options = default_options({"pkg.mod"});
  options.checks = {"cycles"};
  options.configs = {Config::legacy};
  options.paths = {"/src/a", "/src/b"};
  options.exercise = "/src/ex.py";
  options.cycles = 7;
  options.timeout = 12s;
  const auto cells = plan_cells(options, pythons, everywhere(options.modules, pythons));
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_EQ(cells[0].runs.size(), 1u);
  EXPECT_FALSE(cells[0].preset.has_value());
  EXPECT_EQ(cells[0].runs[0].variant, "");
  const HostInvocation inv = host_invocation(cells[0], cells[0].runs[0]);
  EXPECT_EQ(inv.executable, pythons[0].host);
  EXPECT_EQ(inv.timeout, 12s);
  ASSERT_FALSE(inv.args.empty());
  EXPECT_EQ(inv.args[0], "cell");
  EXPECT_EQ(arg_after(inv.args, "--python-exe"), pythons[0].executable);
  EXPECT_EQ(arg_after(inv.args, "--module"), "pkg.mod");
  EXPECT_EQ(arg_after(inv.args, "--check"), "cycles");
  EXPECT_EQ(arg_after(inv.args, "--config"), "legacy");
  EXPECT_EQ(arg_after(inv.args, "--cycles"), "7");
  EXPECT_EQ(arg_after(inv.args, "--result-fd"), std::to_string(kHostResultFd));
  EXPECT_EQ(all_args_after(inv.args, "--path"), options.paths);
  EXPECT_EQ(arg_after(inv.args, "--exercise"), "/src/ex.py");
  EXPECT_THAT(inv.args, Not(::testing::Contains("--variant")));
}

TEST(PlanCells, CheckWithVariantsGetsOneRunPerVariant) {
  const CheckInfo* teardown = find_check("teardown");
  ASSERT_NE(teardown, nullptr);
  ASSERT_GE(teardown->variants.size(), 2u) << "the catalog's teardown is expected to have variants";

  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  RunOptions options = default_options({"m"});
  options.checks = {"teardown"};
  options.configs = {Config::isolated};
  const auto cells = plan_cells(options, pythons, everywhere(options.modules, pythons));
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_EQ(cells[0].runs.size(), teardown->variants.size());
  for (size_t i = 0; i < teardown->variants.size(); ++i) {
    const PlannedRun& run = cells[0].runs[i];
    EXPECT_EQ(run.variant, teardown->variants[i]);
    const HostInvocation inv = host_invocation(cells[0], run);
    EXPECT_EQ(all_args_after(inv.args, "--variant"), std::vector<std::string>{std::string(run.variant)});
    EXPECT_EQ(arg_after(inv.args, "--check"), "teardown");
    EXPECT_EQ(arg_after(inv.args, "--config"), "isolated");
  }
}

struct Unavailable {
  const char* kind;  // nullptr: no entry at all
  const char* expected_words;
};

class PlanUnavailable : public ::testing::TestWithParam<Unavailable> {};

TEST_P(PlanUnavailable, ModuleThatCannotRunUnderAPythonGetsPresetErrorsAndNoRuns) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12"), py("3.13.0", "3.13")};
  const RunOptions options = default_options({"m"});
  ModuleAvailability availability = everywhere(options.modules, pythons);
  if (GetParam().kind == nullptr) {
    availability.erase({"m", "3.13.0"});
  } else {
    availability[{"m", "3.13.0"}] = {GetParam().kind, "/somewhere/m.py"};
  }
  const auto cells = plan_cells(options, pythons, availability);
  size_t blocked = 0, runnable = 0;
  for (const PlannedCell& c : cells) {
    if (c.key.python == "3.13.0") {
      ++blocked;
      ASSERT_TRUE(c.preset.has_value()) << c.key.check << " " << c.key.config;
      EXPECT_EQ(c.preset->outcome, Outcome::error);
      EXPECT_THAT(c.preset->summary, HasSubstr("m"));
      EXPECT_THAT(c.preset->summary, HasSubstr(GetParam().expected_words));
      EXPECT_TRUE(c.runs.empty());
      EXPECT_FALSE(repro_of(c).empty());
    } else {
      ++runnable;
      // Checks computed by the driver (lint) are presets by nature; all others run a host.
      const bool in_driver = find_check(c.key.check)->in_driver != nullptr;
      EXPECT_EQ(c.preset.has_value(), in_driver) << c.key.check;
      EXPECT_EQ(c.runs.empty(), in_driver) << c.key.check;
    }
  }
  // The blocked Python still has every cell (none lost), the other one is unaffected.
  EXPECT_EQ(blocked, runnable);
  EXPECT_GT(blocked, 0u);
}

INSTANTIATE_TEST_SUITE_P(Kinds, PlanUnavailable,
                         ::testing::Values(Unavailable{"missing", "not importable"},
                                           Unavailable{nullptr, "not importable"},
                                           Unavailable{"python", "pure-Python"},
                                           Unavailable{"builtin", "built into"}),
                         [](const ::testing::TestParamInfo<Unavailable>& info) {
                           return std::string(info.param.kind ? info.param.kind : "no_entry");
                         });

// ---- repro_command ----

TEST(ReproCommand, DefaultCellNamesModulePythonMinorCheckAndConfig) {
  const RunOptions options = default_options({"mypkg._speedups"});
  EXPECT_EQ(repro_command(options, py("3.12.1", "3.12"), "mypkg._speedups", "cycles", "isolated"),
            "isocheck run mypkg._speedups --python 3.12 --check cycles --config isolated");
}

TEST(ReproCommand, CarriesPathsExerciseAndNonDefaultCycles) {
  RunOptions options = default_options({"m"});
  options.paths = {"/a", "/b c"};
  options.exercise = "/ex/it's.py";
  options.cycles = 3;
  const std::string repro = repro_command(options, py("3.13.0", "3.13"), "m", "leaks", "main");
  EXPECT_EQ(repro,
            "isocheck run m --python 3.13 --check leaks --config main --path /a --path '/b c' "
            "--exercise '/ex/it'\\''s.py' --cycles 3");
}

TEST(ReproCommand, WheelRootsAreNamedByTheirDirectoryAndOtherPathsKept) {
  RunOptions options = default_options({"m"});
  options.paths = {"/mine", "3.13:/cache/m-cp313", "/cache/dep-py3"};
  options.wheels_dir = "/wheels";
  options.wheel_paths = {"3.13:/cache/m-cp313", "/cache/dep-py3"};
  EXPECT_EQ(repro_command(options, py("3.13.0", "3.13"), "m", "import", "main"),
            "isocheck run m --python 3.13 --check import --config main --path /mine --wheels /wheels");
}

TEST(ReproCommand, DefaultCyclesAreLeftOut) {
  RunOptions options = default_options({"m"});
  options.cycles = 10;
  EXPECT_THAT(repro_command(options, py("3.12.1", "3.12"), "m", "cycles", "legacy"), Not(HasSubstr("--cycles")));
}

TEST(ReproCommand, CarriesANonDefaultTimeout) {
  // A cell that timed out under --timeout 5 must be rerun with 5 s, not the 60 s default:
  // plan.h promises "the command line that reruns exactly this cell".
  RunOptions options = default_options({"m"});
  options.timeout = 5s;
  EXPECT_THAT(repro_command(options, py("3.12.1", "3.12"), "m", "cycles", "legacy"), HasSubstr("--timeout 5"));
}

TEST(ReproCommand, DefaultTimeoutIsLeftOut) {
  RunOptions options = default_options({"m"});
  options.timeout = 60s;
  EXPECT_THAT(repro_command(options, py("3.12.1", "3.12"), "m", "cycles", "legacy"), Not(HasSubstr("--timeout")));
}

TEST(ReproCommand, CellRunUnderAVenvInterpreterIsRerunUnderThatInterpreter) {
  // select_pythons serves `--python /venv/bin/python` with the 3.13 host but keeps the venv's
  // executable (the module is looked up on the venv's sys.path, spec/cli.md). `--python 3.13`
  // would rerun the cell under the base interpreter, where the module may not even exist.
  PythonTarget venv = py("3.13.2", "3.13");
  venv.executable = "/home/u/venv/bin/python";
  venv.requested_as = venv.executable;  // as select_pythons records an executable request
  const RunOptions options = default_options({"m"});
  EXPECT_THAT(repro_command(options, venv, "m", "import", "isolated"), HasSubstr("--python /home/u/venv/bin/python"));
}

TEST(ReproCommand, CheckWithoutInterpreterHasNoConfigOption) {
  const RunOptions options = default_options({"m"});
  EXPECT_EQ(repro_command(options, py("3.12.1", "3.12"), "m", "lint", std::string(kNoConfig)),
            "isocheck run m --python 3.12 --check lint");
}

TEST(PlanCells, ReproOfEachCellNamesThatCell) {
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12")};
  const RunOptions options = default_options({"m"});
  for (const PlannedCell& c : plan_cells(options, pythons, everywhere(options.modules, pythons))) {
    EXPECT_EQ(repro_of(c), repro_command(options, pythons[0], "m", c.key.check, c.key.config));
    EXPECT_THAT(repro_of(c), HasSubstr(c.key.config == kNoConfig ? "--check " + c.key.check
                                                             : "--check " + c.key.check + " --config " + c.key.config));
  }
}

// ---- shell_quote ----

TEST(ShellQuote, PlainWordsAreLeftAlone) {
  EXPECT_EQ(shell_quote("mypkg._speedups"), "mypkg._speedups");
  EXPECT_EQ(shell_quote("/usr/lib/x-1.2/m.so"), "/usr/lib/x-1.2/m.so");
  EXPECT_EQ(shell_quote("NAME=/a/b.so"), "NAME=/a/b.so");
}

TEST(ShellQuote, SpacesAndSingleQuotesAreQuoted) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

// What /bin/sh makes of `printf %s WORD`.
std::string through_shell(const std::string& quoted) {
  // popen(3) hands the command line to /bin/sh -c.
  FILE* pipe = ::popen(("printf %s " + quoted).c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

TEST(ShellQuote, EveryAwkwardWordSurvivesAPosixShellUnchanged) {
  const std::vector<std::string> words = {
      "a b", "it's", "''", "$HOME", "`id`", "$(id)", "a\"b", "back\\slash", "semi;colon", "a|b", "a&b",
      "*", "?", "[ab]", "~", "~user", "#hash", "tab\there", "new\nline", "{a,b}", "!bang", "<in>", "%s",
      "--opt=val ue", "caf\xc3\xa9"};
  for (const std::string& w : words) {
    EXPECT_EQ(through_shell(shell_quote(w)), w) << "quoted as " << shell_quote(w);
  }
}

}  // namespace
}  // namespace isocheck
