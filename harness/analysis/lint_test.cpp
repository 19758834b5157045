#include "analysis/lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/temp_dir_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using nlohmann::ordered_json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The unit-test binary lands in <build>/bin; the fixtures in <build>/targets and the hosts
// manifest (which names each CPython's lib-dynload) in <build>/bin.
fs::path build_dir() { return fs::read_symlink("/proc/self/exe").parent_path().parent_path(); }

// Every build of a fixture (one per discovered CPython).
std::vector<fs::path> fixture_builds(const std::string& name) {
  std::vector<fs::path> builds;
  const fs::path targets = build_dir() / "targets";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(targets, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(name + ".cpython-") && file.ends_with(".so")) builds.push_back(entry.path());
  }
  return builds;
}

// CPython's own extension modules called `name`, one per CPython in the hosts manifest.
std::vector<fs::path> stdlib_builds(const std::string& name) {
  std::vector<fs::path> builds;
  std::ifstream manifest(build_dir() / "bin" / "isocheck-hosts.json");
  if (!manifest) return builds;
  const auto hosts = nlohmann::json::parse(manifest, nullptr, /*allow_exceptions=*/false);
  if (!hosts.is_object() || !hosts.contains("hosts")) return builds;
  for (const auto& host : hosts["hosts"]) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(host.value("dynload", ""), ec)) {
      const std::string file = entry.path().filename().string();
      if (file.starts_with(name + ".cpython-") && file.ends_with(".so")) builds.push_back(entry.path());
    }
  }
  return builds;
}

std::optional<fs::path> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// `so` with its debug info removed (objcopy --strip-debug), in `dir`; fails the test if it
// cannot be made.
fs::path strip_debug(const fs::path& objcopy, const fs::path& so, const TempDir& dir) {
  const fs::path stripped = dir.path() / so.filename();
  const std::string command = "'" + objcopy.string() + "' --strip-debug '" + so.string() + "' '" +
                              stripped.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return stripped;
}

// The finding filed under a HOWTO section whose `what` starts with `what_prefix`; null if none.
const ordered_json* finding(const HostVerdict& verdict, const std::string& howto,
                            const std::string& what_prefix = "") {
  for (const auto& f : verdict.details["findings"]) {
    if (f["howto"].get<std::string>().find(howto) != std::string::npos &&
        f["what"].get<std::string>().starts_with(what_prefix)) {
      return &f;
    }
  }
  return nullptr;
}

const ordered_json* single_phase(const HostVerdict& v) { return finding(v, "Isolated Module Objects"); }
const ordered_json* static_types(const HostVerdict& v) { return finding(v, "Heap Types"); }
const ordered_json* writable_globals(const HostVerdict& v) {
  return finding(v, "Managing Global State", "writable global");
}

std::vector<std::string> symbols_of(const ordered_json* f) {
  return f == nullptr ? std::vector<std::string>{} : (*f)["symbols"].get<std::vector<std::string>>();
}

std::vector<std::string> skipped_symbols(const HostVerdict& verdict) {
  std::vector<std::string> names;
  for (const auto& s : verdict.details["skipped_definition_tables"]) names.push_back(s["symbol"]);
  return names;
}

// ---- the fixtures (targets/README.md: one documented defect each) ----

TEST(LintFixtures, GoodIsolatedPassesAndItsDefinitionTablesAreNotState) {
  const std::vector<fs::path> builds = fixture_builds("good_isolated");
  if (builds.empty()) GTEST_SKIP() << "good_isolated: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::pass) << v.summary;
    EXPECT_THAT(v.details["findings"], IsEmpty());
    EXPECT_EQ(v.details["debug_info"], true);
    // good_isolated.c defines exactly these tables, all writable (they hold pointers).
    EXPECT_THAT(skipped_symbols(v),
                UnorderedElementsAre("widget_methods", "widget_slots", "widget_spec",
                                     "module_methods", "module_slots", "module_def"));
  }
}

TEST(LintFixtures, SinglePhaseGlobalFailsForSinglePhaseInitAndNamesRegistry) {
  const std::vector<fs::path> builds = fixture_builds("bad_singlephase_global");
  if (builds.empty()) GTEST_SKIP() << "bad_singlephase_global: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    const ordered_json* init = single_phase(v);
    ASSERT_NE(init, nullptr) << v.summary;
    EXPECT_EQ((*init)["severity"], "fail");
    EXPECT_THAT(symbols_of(init), Contains("PyInit_bad_singlephase_global"));
    EXPECT_THAT(v.summary, HasSubstr("single-phase init"));
    EXPECT_THAT(v.summary, HasSubstr("HOWTO: Isolated Module Objects"));
    // `static PyObject *registry` is the only C global besides the definition tables.
    EXPECT_THAT(symbols_of(writable_globals(v)), UnorderedElementsAre("registry"));
    EXPECT_EQ(static_types(v), nullptr);
  }
}

TEST(LintFixtures, StaticTypeFailsNamingStaticThing) {
  const std::vector<fs::path> builds = fixture_builds("bad_static_type");
  if (builds.empty()) GTEST_SKIP() << "bad_static_type: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    const ordered_json* types = static_types(v);
    ASSERT_NE(types, nullptr) << v.summary;
    EXPECT_EQ((*types)["severity"], "fail");
    EXPECT_THAT(symbols_of(types), UnorderedElementsAre("StaticThing"));
    EXPECT_THAT(v.summary, HasSubstr("StaticThing"));
    // The static type is reported as a static type, not again as a writable global.
    EXPECT_EQ(writable_globals(v), nullptr) << v.summary;
    EXPECT_EQ(single_phase(v), nullptr);
  }
}

// #17 item 5: a name is no evidence. Cython names every global and static type `__pyx_*`;
// a leading "__" used to hide them all.
TEST(LintFixtures, ReservedNamesAreStillTheModulesStaticTypeAndState) {
  const std::vector<fs::path> builds = fixture_builds("bad_static_type_reserved_name");
  if (builds.empty()) GTEST_SKIP() << "bad_static_type_reserved_name: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    const ordered_json* types = static_types(v);
    ASSERT_NE(types, nullptr) << v.summary;
    EXPECT_EQ((*types)["severity"], "fail");
    EXPECT_THAT(symbols_of(types), UnorderedElementsAre("__pyx_type_StaticThing"));
    const ordered_json* globals = writable_globals(v);
    ASSERT_NE(globals, nullptr) << v.summary;
    EXPECT_THAT(symbols_of(globals), UnorderedElementsAre("__pyx_n_calls"));
  }
}

// #17 item 5: what C++ compilers put in writable sections without the program ever changing it
// after load. Decided by facts: DWARF describes no variable there (DW.ref.*, guard variables),
// the variable is const-qualified (constructed at load), or a std::array wraps a definition table.
TEST(LintFixtures, CxxToolchainObjectsConstantsAndWrappedTablesAreNotState) {
  const std::vector<fs::path> builds = fixture_builds("good_cxx_toolchain_objects");
  if (builds.empty()) GTEST_SKIP() << "good_cxx_toolchain_objects: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::pass) << v.summary;
    EXPECT_EQ(writable_globals(v), nullptr) << v.summary;
    ASSERT_EQ(v.details["debug_info"], true);
    std::set<std::string> undescribed;
    for (const auto& name : v.details["undescribed_objects"]) undescribed.insert(name.get<std::string>());
    EXPECT_THAT(undescribed, Contains("DW.ref.__gxx_personality_v0"));
    EXPECT_THAT(undescribed, Contains(HasSubstr("guard variable for")));
    std::map<std::string, std::string> skipped;  // symbol -> type
    for (const auto& entry : v.details["skipped_definition_tables"]) skipped[entry["symbol"]] = entry["type"];
    EXPECT_EQ(skipped["(anonymous namespace)::kGreeting"], "const string");
    EXPECT_EQ(skipped["(anonymous namespace)::checked_greeting(long)::suffix"], "const string");
    EXPECT_EQ(skipped["(anonymous namespace)::module_methods"], "array<PyMethodDef, 3>");
    EXPECT_EQ(skipped["(anonymous namespace)::module_slots"], "array<PyModuleDef_Slot, 3>");
  }
}

// Without debug info the toolchain's own objects are still known by their fixed names, but a
// const object built at load cannot be told from state: it is listed, with the caveat.
TEST(LintFixtures, CxxWithoutDebugInfoListsOnlyTheSourcesObjects) {
  const auto objcopy = find_on_path("objcopy");
  if (!objcopy) GTEST_SKIP() << "objcopy (binutils) not installed";
  const std::vector<fs::path> builds = fixture_builds("good_cxx_toolchain_objects");
  if (builds.empty()) GTEST_SKIP() << "good_cxx_toolchain_objects: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    TempDir dir;
    const fs::path stripped = strip_debug(*objcopy, so, dir);
    if (::testing::Test::HasFailure()) return;
    const HostVerdict v = lint_extension(stripped.string());
    const ordered_json* globals = writable_globals(v);
    ASSERT_NE(globals, nullptr) << v.summary;
    EXPECT_THAT(symbols_of(globals), Contains("(anonymous namespace)::kGreeting"));
    for (const std::string& symbol : symbols_of(globals)) {
      EXPECT_THAT(symbol, ::testing::Not(HasSubstr("DW.ref.")));
      EXPECT_THAT(symbol, ::testing::Not(HasSubstr("guard variable")));
    }
  }
}

// #17 item 5: a writable global that no instruction writes and whose address never escapes
// is a table that is only read. The written counter of bad_global_counter stays state (below),
// with or without debug info: the evidence is the code, not the symbol.
TEST(LintFixtures, ATableNoCodeWritesIsNotState) {
  const std::vector<fs::path> builds = fixture_builds("good_read_only_tables");
  if (builds.empty()) GTEST_SKIP() << "good_read_only_tables: fixture not built (ninja isocheck_fixtures)";
  const auto objcopy = find_on_path("objcopy");
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::pass) << v.summary;
    EXPECT_EQ(v.details["code_read"], true);
    EXPECT_THAT(skipped_symbols(v), Contains("step_table"));
    if (!objcopy) continue;
    TempDir dir;
    const fs::path stripped = strip_debug(*objcopy, so, dir);
    if (::testing::Test::HasFailure()) return;
    const HostVerdict without_debug_info = lint_extension(stripped.string());
    EXPECT_THAT(symbols_of(writable_globals(without_debug_info)), ::testing::Not(Contains("step_table")))
        << without_debug_info.summary;
  }
}

TEST(LintFixtures, GlobalCounterWarnsNamingCounter) {
  const std::vector<fs::path> builds = fixture_builds("bad_global_counter");
  if (builds.empty()) GTEST_SKIP() << "bad_global_counter: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    const ordered_json* globals = writable_globals(v);
    ASSERT_NE(globals, nullptr) << v.summary;
    EXPECT_EQ((*globals)["severity"], "warn");
    EXPECT_THAT(symbols_of(globals), UnorderedElementsAre("counter"));
    EXPECT_THAT(v.summary, HasSubstr("counter"));
    EXPECT_THAT(v.summary, HasSubstr("Managing Global State"));
  }
}

TEST(LintFixtures, CachedGlobalWarnsNamingCache) {
  const std::vector<fs::path> builds = fixture_builds("bad_cached_global");
  if (builds.empty()) GTEST_SKIP() << "bad_cached_global: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    EXPECT_THAT(symbols_of(writable_globals(v)), UnorderedElementsAre("cache"));
    EXPECT_THAT(v.summary, HasSubstr("cache"));
  }
}

TEST(LintFixtures, PyStateFindModuleFailsForSinglePhaseInitAndWarnsAboutPyState) {
  // bad_pystate_findmodule.c: "`lint` fails it for the single-phase entry point and warns
  // about PyState_AddModule/PyState_FindModule".
  const std::vector<fs::path> builds = fixture_builds("bad_pystate_findmodule");
  if (builds.empty()) GTEST_SKIP() << "bad_pystate_findmodule: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    EXPECT_THAT(symbols_of(single_phase(v)), Contains("PyInit_bad_pystate_findmodule"));
    const ordered_json* pystate = finding(v, "Module State Access from Functions");
    ASSERT_NE(pystate, nullptr) << v.summary;
    EXPECT_EQ((*pystate)["severity"], "warn");
    EXPECT_THAT(symbols_of(pystate), UnorderedElementsAre("PyState_FindModule", "PyState_AddModule"));
  }
}

TEST(LintFixtures, GilStateWarnsAboutPyGILStateImports) {
  // warn_gilstate.c: "the `lint` check reports `warn` for the PyGILState_Ensure/
  // PyGILState_Release imports"; nothing else is wrong with it.
  const std::vector<fs::path> builds = fixture_builds("warn_gilstate");
  if (builds.empty()) GTEST_SKIP() << "warn_gilstate: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    const ordered_json* gilstate = finding(v, "Managing Global State", "imports PyGILState");
    ASSERT_NE(gilstate, nullptr) << v.summary;
    EXPECT_THAT(symbols_of(gilstate), UnorderedElementsAre("PyGILState_Ensure", "PyGILState_Release"));
    EXPECT_EQ(v.details["findings"].size(), 1u) << v.summary;
  }
}

TEST(LintFixtures, WithoutDebugInfoListsDefinitionTablesAndSaysSo) {
  const auto objcopy = find_on_path("objcopy");
  if (!objcopy) GTEST_SKIP() << "objcopy (binutils) not installed";
  const std::vector<fs::path> builds = fixture_builds("good_isolated");
  if (builds.empty()) GTEST_SKIP() << "good_isolated: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    TempDir dir;
    const fs::path stripped = strip_debug(*objcopy, so, dir);
    if (::testing::Test::HasFailure()) return;
    const HostVerdict v = lint_extension(stripped.string());
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    EXPECT_EQ(v.details["debug_info"], false);
    const ordered_json* globals = writable_globals(v);
    ASSERT_NE(globals, nullptr) << v.summary;
    EXPECT_THAT((*globals)["what"].get<std::string>(),
                HasSubstr("no debug info: definition tables (PyModuleDef, PyMethodDef...) cannot be "
                          "told apart from state"));
    EXPECT_THAT(v.summary, HasSubstr("no debug info"));
    // With nothing to tell them apart, the tables are candidates like any other global.
    EXPECT_THAT(symbols_of(globals), Contains("module_def"));
    EXPECT_THAT(symbols_of(globals), Contains("module_methods"));
  }
}

TEST(LintFixtures, WithoutDebugInfoPyTypeReadyIsTheStaticTypeEvidence) {
  const auto objcopy = find_on_path("objcopy");
  if (!objcopy) GTEST_SKIP() << "objcopy (binutils) not installed";
  const std::vector<fs::path> builds = fixture_builds("bad_static_type");
  if (builds.empty()) GTEST_SKIP() << "bad_static_type: fixture not built (ninja isocheck_fixtures)";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    TempDir dir;
    const fs::path stripped = strip_debug(*objcopy, so, dir);
    if (::testing::Test::HasFailure()) return;
    const HostVerdict v = lint_extension(stripped.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    const ordered_json* types = static_types(v);
    ASSERT_NE(types, nullptr) << v.summary;
    EXPECT_THAT(symbols_of(types), UnorderedElementsAre("PyType_Ready"));
    EXPECT_THAT((*types)["what"].get<std::string>(), HasSubstr("evidence of static types"));
  }
}

// ---- files that are not extension modules ----

TEST(LintNames, TheEntryPointIsNamedAfterTheModulesLastName) {
  EXPECT_EQ(init_function_name("spam"), "PyInit_spam");
  EXPECT_EQ(init_function_name("numpy._core._multiarray_umath"), "PyInit__multiarray_umath");
  EXPECT_EQ(init_function_name("pkg.sub.mod"), "PyInit_mod");
  EXPECT_EQ(module_last_name("pkg.sub.mod"), "mod");
  EXPECT_EQ(module_last_name("mod"), "mod");
}

TEST(LintFiles, MissingFileIsAnError) {
  TempDir dir;
  const HostVerdict v = lint_extension((dir.path() / "nothing.so").string());
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("nothing.so"));
  EXPECT_THAT(v.summary, HasSubstr("No such file"));
}

TEST(LintFiles, NonElfFileIsAnError) {
  TempDir dir;
  const fs::path text = dir.path() / "fake.cpython-312-x86_64-linux-gnu.so";
  std::ofstream(text) << "this is not an ELF file\n";
  const HostVerdict v = lint_extension(text.string());
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("not an ELF file"));
}

TEST(LintFiles, EmptyFileIsAnError) {
  TempDir dir;
  const fs::path empty = dir.path() / "empty.so";
  std::ofstream{empty};
  const HostVerdict v = lint_extension(empty.string());
  EXPECT_EQ(v.outcome, Outcome::error);
}

TEST(LintFiles, DirectoryIsAnError) {
  TempDir dir;
  const HostVerdict v = lint_extension(dir.path().string());
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("not a regular file"));
}

// ---- CPython's own modules (expectations from their sources in CPython's Modules/) ----

TEST(LintStdlib, TestSinglePhaseFailsForSinglePhaseInit) {
  // Modules/_testsinglephase.c: PyInit__testsinglephase returns PyModule_Create(&_testsinglephase).
  const std::vector<fs::path> builds = stdlib_builds("_testsinglephase");
  if (builds.empty()) GTEST_SKIP() << "_testsinglephase: no CPython in the hosts manifest ships it";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    EXPECT_THAT(symbols_of(single_phase(v)), Contains("PyInit__testsinglephase"));
    EXPECT_THAT(v.summary, HasSubstr("PyInit__testsinglephase uses PyModule_Create2"));
  }
}

TEST(LintStdlib, XxsubtypeFailsNamingItsStaticTypes) {
  // Modules/xxsubtype.c: `static PyTypeObject spamlist_type` and `spamdict_type`.
  const std::vector<fs::path> builds = stdlib_builds("xxsubtype");
  if (builds.empty()) GTEST_SKIP() << "xxsubtype: no CPython in the hosts manifest ships it";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    EXPECT_EQ(v.outcome, Outcome::fail) << v.summary;
    if (v.details.value("debug_info", true) == false) {
      // A stripped build (Debian's lib-dynload: the DWARF is in its -dbgsym packages) only
      // shows the PyType_Ready import, and the finding names that instead of the types.
      EXPECT_THAT(symbols_of(static_types(v)), UnorderedElementsAre("PyType_Ready"));
      continue;
    }
    EXPECT_THAT(symbols_of(static_types(v)), UnorderedElementsAre("spamlist_type", "spamdict_type"));
  }
}

TEST(LintStdlib, XxlimitedFromPython35WarnsOnlyAboutItsObjectGlobals) {
  // Modules/xxlimited_35.c: multi-phase, heap types, but `static PyObject *ErrorObject` and
  // `static PyObject *Xxo_Type`; its PyType_Slot arrays are even written in exec, and are
  // still definition tables.
  const std::vector<fs::path> builds = stdlib_builds("xxlimited_35");
  if (builds.empty()) GTEST_SKIP() << "xxlimited_35: no CPython in the hosts manifest ships it";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    if (v.details.value("debug_info", false) == false) GTEST_SKIP() << "CPython built without -g";
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    EXPECT_THAT(symbols_of(writable_globals(v)), UnorderedElementsAre("ErrorObject", "Xxo_Type"));
    EXPECT_EQ(single_phase(v), nullptr);
    EXPECT_EQ(static_types(v), nullptr);
    EXPECT_THAT(skipped_symbols(v), Contains("Null_Type_slots"));
  }
}

TEST(LintStdlib, PyTypeReadyWithoutStaticTypesInTheDebugInfoIsOnlyAWarning) {
  // 3.12's Modules/mathmodule.c: math.trunc() calls PyType_Ready on its argument's type; the
  // module defines no type of its own.
  std::vector<fs::path> builds;
  for (const fs::path& so : stdlib_builds("math")) {
    if (so.filename().string().starts_with("math.cpython-312")) builds.push_back(so);
  }
  if (builds.empty()) GTEST_SKIP() << "math: no CPython 3.12 in the hosts manifest";
  for (const fs::path& so : builds) {
    SCOPED_TRACE(so.string());
    const HostVerdict v = lint_extension(so.string());
    if (v.details.value("debug_info", false) == false) GTEST_SKIP() << "CPython built without -g";
    EXPECT_EQ(v.outcome, Outcome::warn) << v.summary;
    const ordered_json* types = static_types(v);
    ASSERT_NE(types, nullptr) << v.summary;
    EXPECT_EQ((*types)["severity"], "warn");
    EXPECT_THAT(symbols_of(types), UnorderedElementsAre("PyType_Ready"));
  }
}

}  // namespace
}  // namespace isocheck
