// Modules made by binding generators (README.md beside this file), under every built Python,
// each whole matrix asserted.
//
// The expectations come from what each generator promises in its documentation and does in
// its source (the pinned versions: requirements.txt, Debian's PyO3 0.17.3), cited per row.
// Where isocheck disagreed with that, the harness was fixed, not the row (#15).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "integration_support.h"

namespace fs = std::filesystem;
using namespace isocheck::integration;

namespace {

// manifest.json written by build_generators.py: per Python and module, "built",
// "unavailable" (no toolchain here: skip) or "failed" (a fixture bug: fail).
json manifest() { return read_json(ISOCHECK_GENERATORS_MANIFEST); }

// One isocheck run over every generated module built for every Python, shared by the tests.
class Generators : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pythons_ = built_pythons();
    ASSERT_FALSE(pythons_.empty()) << "no Python hosts were built";
    manifest_ = new json(manifest());
    std::set<std::string> everywhere;
    bool first = true;
    for (const json& py : (*manifest_)["pythons"]) {
      std::set<std::string> built;
      for (const auto& [name, m] : py["modules"].items()) {
        if (m["status"] == "built") built.insert(name);
      }
      if (first) everywhere = built;
      std::erase_if(everywhere, [&](const std::string& n) { return !built.count(n); });
      first = false;
    }
    modules_ = new std::set<std::string>(everywhere);
    if (modules_->empty()) return;
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), modules_->begin(), modules_->end());
    const fs::path report = scratch_dir() / "generators.json";
    for (const std::string& a : {std::string("--path"), (*manifest_)["modules_dir"].get<std::string>(),
                                 std::string("--exercise"), std::string(ISOCHECK_EXERCISE), std::string("--timeout"),
                                 std::string("60"), std::string("-j"), std::string("2"), std::string("--json"),
                                 report.string()}) {
      args.push_back(a);
    }
    run_ = new DriverRun(run_isocheck(args));
    report_ = new json(read_json(report));
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete modules_;
    delete run_;
    delete report_;
  }

  // Skips the test when MODULE's toolchain is not on this machine (with the reason the build
  // gave), fails it when the build broke.
  static void require_built(const std::string& module) {
    for (const json& py : (*manifest_)["pythons"]) {
      const json& m = py["modules"][module];
      ASSERT_FALSE(m.is_null()) << module << " is not in " << ISOCHECK_GENERATORS_MANIFEST;
      if (m["status"] == "unavailable") GTEST_SKIP() << module << " for " << py["version"] << ": " << m["reason"];
      ASSERT_EQ(m["status"], "built") << module << " for " << py["version"] << ": " << m["reason"];
    }
    ASSERT_TRUE(modules_->count(module));
    ASSERT_NE(report_, nullptr);
  }

  // The generator version the build used for MODULE under the Python of VERSION, where it
  // depends on the machine (PyO3: Debian's librust-pyo3-dev), "" otherwise.
  static std::string generator_version(const std::string& module, const std::string& version) {
    for (const json& py : (*manifest_)["pythons"]) {
      if (py["version"] == version) return py["modules"][module].value("generator_version", "");
    }
    return "";
  }

  // require_built's skip or fatal failure ends only that helper; this ends the test too.
#define REQUIRE_BUILT(module)                           \
  do {                                                  \
    require_built(module);                              \
    if (IsSkipped() || HasFatalFailure()) return;       \
  } while (0)

  static inline std::vector<BuiltPython> pythons_;
  static inline json* manifest_ = nullptr;
  static inline std::set<std::string>* modules_ = nullptr;
  static inline DriverRun* run_ = nullptr;
  static inline json* report_ = nullptr;
};

TEST_F(Generators, EveryModuleIsBuiltOrItsToolchainIsMissingAndEveryCellIsThere) {
  for (const json& py : (*manifest_)["pythons"]) {
    for (const auto& [name, m] : py["modules"].items()) {
      EXPECT_NE(m["status"], "failed") << name << " for " << py["version"] << ": " << m["reason"];
    }
  }
  if (modules_->empty()) GTEST_SKIP() << "no generated module was built";
  // 19 cells per module and Python, as for the C fixtures.
  EXPECT_EQ((*report_)["cells"].size(), modules_->size() * pythons_.size() * 19);
  EXPECT_FALSE(report_->contains("incomplete"));
}

// pybind11 3.1, PYBIND11_MODULE without options. Its promises (include/pybind11/pybind11.h):
//  - Py_mod_multiple_interpreters is Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED unless the
//    module says otherwise (detail::multi_interp_slot()), so CPython refuses it wherever
//    check_multi_interp_extensions is on (isolated) and lets legacy interpreters load it;
//  - its Py_mod_create (detail::cached_create_module) hands back the module object this
//    interpreter made before (a cache in the interpreter's state dict): a re-import in one
//    interpreter is the same module object, by design;
//  - its internals live per interpreter (PYBIND11_HAS_SUBINTERPRETER_SUPPORT on 3.12+,
//    internals_pp_manager), and its classes are heap types of each interpreter's own.
// What that gives: legacy interpreters see separate, working module objects; only `leaks`
// fails, and rightly: every re-import in one interpreter costs a block that is never freed.
// CPython's PyModule_FromDefAndSpec2 sets md_state = NULL on a module that Py_mod_create hands
// back, and PyModule_ExecDef allocates a new one (PyMem_Malloc(m_size), a block even for
// m_size 0): the old one is lost. Measured in the main interpreter too: 1.0 block per re-import
// over 1000 re-imports (pybind11, Cython's default build and optout_cached_module alike).
// Py_mod_create is documented to return a new module object; handing back an old one is
// what leaks, so the leak is the design's and `fail` stays. On 3.12.1 the measurement is not
// steady: a one-time allocation of 11 blocks lands in one measured repetition in some runs
// (leaked_blocks_per_import -10, 1, 1 or 1, -10, 1; seen for the per-interpreter-GIL build in
// every run, for the plain one in some), and leaks' every-repetition rule then says pass.
// Not root-caused (#15). Every interpreter that imported it also keeps about 27 blocks beyond
// the strings its import interned and the classes it made (leaks' per-interpreter figure, #17
// item 3; measured 26-27 on 3.12.1 and 3.13.0; not yet traced in pybind11's source, its
// per-interpreter internals are the first suspect). So leaks fails on both Pythons whatever the
// per-import reading: the per-import figure is the one block each re-import loses where the
// measurement is steady, and the per-interpreter figure is there in every run.
void expect_one_block_per_import_where_it_fails(const json& leaks) {
  if (leaks["outcome"] != "fail") return;
  const json& m = leaks["metrics"];
  EXPECT_GT(m["leaked_blocks_per_interpreter"].get<long>(), 0) << m;
  const long per_import = m["leaked_blocks_per_cycle"].get<long>();
  EXPECT_TRUE(per_import == 1 || per_import == 0) << m;
}

std::vector<Row> pybind11_rows(bool per_interpreter_gil, const std::string& minor) {
  const std::string isolated = per_interpreter_gil ? "pass" : "unsupported";
  (void)minor;
  const std::string leak = "fail";
  return {{"import", "pass", "pass", isolated},
          // The cached module object, by design: nothing to compare.
          {"reimport", "unsupported", "unsupported", "unsupported"},
          {"cycles", "-", "pass", isolated},
          // main measures exercise calls, which allocate nothing lasting; the subinterpreter
          // configs measure the re-import above.
          {"leaks", "pass", leak, per_interpreter_gil ? leak : "unsupported"},
          {"isolation", "-", "pass", isolated},
          {"heap-types", "pass", "-", "-"},
          {"concurrent", "-", "-", isolated},
          {"teardown", "-", "pass", isolated},
          {"reinit", "pass", "-", "-"},
          // PyGILState_* in gil_scoped_acquire, and C++ statics (the module's slot table).
          {"lint", "-", "-", "-", "warn"}};
}

TEST_F(Generators, Pybind11PlainModuleIsRefusedByOwnGilInterpretersAndHandsBackItsModuleObject) {
  REQUIRE_BUILT("gen_pybind11");
  for (const auto& py : pythons_) {
    expect_matrix(*report_, "gen_pybind11", py.version, pybind11_rows(false, py.minor));
    EXPECT_EQ(cell(*report_, "gen_pybind11", py.version, "import", "isolated")["summary"],
              "refused: module gen_pybind11 does not support loading in subinterpreters");
    EXPECT_TRUE(contains(cell(*report_, "gen_pybind11", py.version, "reimport", "main")["summary"],
                         "returned the same module object"));
    expect_one_block_per_import_where_it_fails(cell(*report_, "gen_pybind11", py.version, "leaks", "legacy"));
  }
}

TEST_F(Generators, Pybind11PerInterpreterGilModuleWorksInEveryConfig) {
  REQUIRE_BUILT("gen_pybind11_own_gil");
  for (const auto& py : pythons_) {
    // py::multiple_interpreters::per_interpreter_gil(): Py_MOD_PER_INTERPRETER_GIL_SUPPORTED,
    // and nothing else changes: the same rows with isolated loading it.
    expect_matrix(*report_, "gen_pybind11_own_gil", py.version, pybind11_rows(true, py.minor));
    for (const char* config : {"legacy", "isolated"}) {
      expect_one_block_per_import_where_it_fails(cell(*report_, "gen_pybind11_own_gil", py.version, "leaks", config));
    }
  }
}

TEST_F(Generators, NanobindModuleIsRefusedByOwnGilInterpretersAndBreaksTwoLiveLegacyOnes) {
  REQUIRE_BUILT("gen_nanobind");
  for (const auto& py : pythons_) {
    // nanobind 3.1 (src/nb_internals.cpp module_new, include/nanobind/nb_defs.h NB_MODULE):
    //  - always Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED, and no way to declare more: one
    //    shape only; isolated refuses it;
    //  - internals per interpreter (a capsule in the interpreter's dict), but every exec stores
    //    them in the C global nanobind::detail::internals: with two live legacy interpreters,
    //    the first one's calls look its types up in the second one's internals and fail
    //    (`isolation` fail, "incompatible function arguments"): a real hazard the module's
    //    NOT_SUPPORTED warns of and legacy interpreters do not enforce;
    //  - a second exec in one interpreter raises ImportError (NB_MODULE chains "Encountered an
    //    error while initializing the extension." onto the registration error): an opt-out of
    //    a second module object, so every check that re-imports in one interpreter says
    //    `unsupported`; one import per interpreter (cycles, teardown) works;
    //  - its classes are heap types (nb_type_new), found as the module's through its def's
    //    functions although the def is on the heap (#15).
    expect_matrix(*report_, "gen_nanobind", py.version,
                  {{"import", "pass", "pass", "unsupported"},
                   {"reimport", "unsupported", "unsupported", "unsupported"},
                   {"cycles", "-", "pass", "unsupported"},
                   {"leaks", "pass", "unsupported", "unsupported"},
                   {"isolation", "-", "fail", "unsupported"},
                   {"heap-types", "pass", "-", "-"},
                   {"concurrent", "-", "-", "unsupported"},
                   {"teardown", "-", "pass", "unsupported"},
                   {"reinit", "pass", "-", "-"},
                   {"lint", "-", "-", "-", "warn"}});
    EXPECT_TRUE(contains(cell(*report_, "gen_nanobind", py.version, "isolation", "legacy")["summary"],
                         "incompatible function arguments"));
    EXPECT_TRUE(contains(cell(*report_, "gen_nanobind", py.version, "reimport", "main")["summary"],
                         "Encountered an error while initializing the extension."));
  }
}

// Cython's reinit: the re-initialised interpreter reaches the finalised one's module object
// and types through C globals. A release build reads what is left of them (`fail`); a debug
// build's allocator has overwritten freed memory and its assertions may stop the process while
// the second interpreter is finalised: SIGABRT in some runs (3 of 3 in one lane run, 0 of 3 in
// the next, 3.14.8d). Either is the same defect.
std::string cython_reinit(const BuiltPython& py) { return py.minor.ends_with('d') ? "fail|crash" : "fail"; }

TEST_F(Generators, CythonDefaultBuildKeepsOneModuleObjectInOneInterpreterPerProcess) {
  REQUIRE_BUILT("gen_cython");
  for (const auto& py : pythons_) {
    // Cython 3.2 without module state (Utility/ModuleSetupCode.c, Compiler/ModuleNode.py):
    //  - no Py_mod_multiple_interpreters slot (it is written only with module state), so
    //    CPython's default, shared GIL only: isolated refuses it;
    //  - Py_mod_create hands back __pyx_m, the one module object (reimport: same object), and
    //    __Pyx_check_single_interpreter refuses every interpreter but the first that imported
    //    it with ImportError("Interpreter change detected ..."): the HOWTO's opt-out, so every
    //    check needing a second interpreter is `unsupported` with that message;
    //  - cdef classes are static types (no CYTHON_USE_TYPE_SPECS): heap-types fails, and that
    //    is why reinit fails: __pyx_m and the types outlive Py_FinalizeEx in C globals, and the
    //    re-initialised interpreter gets the dead module's leftovers ("'NoneType' object is not
    //    callable"). One interpreter per process is the promise; one per process lifetime is
    //    what it takes.
    expect_matrix(*report_, "gen_cython", py.version,
                  {{"import", "pass", "pass", "unsupported"},
                   {"reimport", "unsupported", "unsupported", "unsupported"},
                   {"cycles", "-", "unsupported", "unsupported"},
                   {"leaks", "pass", "unsupported", "unsupported"},
                   {"isolation", "-", "unsupported", "unsupported"},
                   {"heap-types", "fail", "-", "-"},
                   {"concurrent", "-", "-", "unsupported"},
                   {"teardown", "-", "unsupported", "unsupported"},
                   {"reinit", cython_reinit(py), "-", "-"},
                   // The static type __pyx_type_..._Counter, as heap-types finds at run time
                   // (lint judges by symbol facts, not names: #17 item 5).
                   {"lint", "-", "-", "-", "fail"}});
    EXPECT_TRUE(contains(cell(*report_, "gen_cython", py.version, "lint", "-")["summary"], "_Counter"));
    EXPECT_TRUE(contains(cell(*report_, "gen_cython", py.version, "isolation", "legacy")["summary"],
                         "Interpreter change detected"));
    EXPECT_TRUE(contains(cell(*report_, "gen_cython", py.version, "reimport", "legacy")["summary"],
                         "returned the same module object"));
  }
}

TEST_F(Generators, CythonModuleStateBuildWorksInEveryConfigUntilItsModuleObjectIsDropped) {
  REQUIRE_BUILT("gen_cython_own_gil");
  for (const auto& py : pythons_) {
    // Cython 3.2 with CYTHON_USE_MODULE_STATE=1 (marked EXPERIMENTAL in ModuleSetupCode.c),
    // CYTHON_USE_TYPE_SPECS=1 and subinterpreters_compatible=own_gil:
    //  - Py_MOD_PER_INTERPRETER_GIL_SUPPORTED, module state, heap types: every interpreter gets
    //    its own working module object (import, cycles, isolation, concurrent, teardown);
    //  - __pyx_m is PyState_FindModule(&def) (the interpreter's registered module object),
    //    and Py_mod_create hands it back: a re-import in one interpreter is the same object;
    //  - module-level code reaches its globals through that lookup too (__pyx_mstate_global),
    //    not through the module object it belongs to: once a module object is dropped and the
    //    module imported again, bump() reads a state that is gone and the process dies
    //    (SIGSEGV in __pyx_pw_..._bump, leaks' "import twice"); and after Py_FinalizeEx the
    //    re-initialised interpreter gets the dead one's leftovers (reinit fail, as for the
    //    default build). HOWTO "Module State Access from Functions": a real defect.
    expect_matrix(*report_, "gen_cython_own_gil", py.version,
                  {{"import", "pass", "pass", "pass"},
                   {"reimport", "unsupported", "unsupported", "unsupported"},
                   {"cycles", "-", "pass", "pass"},
                   {"leaks", "pass", "crash", "crash"},
                   {"isolation", "-", "pass", "pass"},
                   {"heap-types", "pass", "-", "-"},
                   {"concurrent", "-", "-", "pass"},
                   {"teardown", "-", "pass", "pass"},
                   {"reinit", cython_reinit(py), "-", "-"},
                   // No static type, no PyGILState_*; but Cython's module-state lookup table
                   // (__Pyx_ModuleStateLookup_*: a process-wide map from interpreter to module
                   // state, guarded by a mutex) is writable global data, and lint cannot tell a
                   // guarded registry from state by the file: a warning, which the run-time
                   // checks above answer.
                   {"lint", "-", "-", "-", "warn"}});
    EXPECT_TRUE(contains(cell(*report_, "gen_cython_own_gil", py.version, "lint", "-")["summary"],
                         "__Pyx_ModuleStateLookup"));
    EXPECT_EQ(cell(*report_, "gen_cython_own_gil", py.version, "leaks", "legacy")["details"]["signal"], "SIGSEGV");
  }
}

TEST_F(Generators, PyO3ModuleIsInitialisedOncePerProcessAndSaysSoEverywhereElse) {
  REQUIRE_BUILT("gen_pyo3");
  for (const auto& py : pythons_) {
    const std::string pyo3 = generator_version("gen_pyo3", py.version);
    // build_generators.py builds only the PyO3 versions it has a crate for; each has its test.
    ASSERT_TRUE(pyo3 == "0.17.3" || pyo3 == "0.28.2") << "no expectations for PyO3 " << pyo3;
    if (pyo3 != "0.17.3") continue;  // the next test's
    // PyO3 0.17.3 (src/impl_/pymodule.rs ModuleDef::make_module): single-phase init
    // (PyModule_Create, m_size 0) and ImportError("PyO3 modules may only be initialized once
    // per interpreter process") from every PyInit_* after the first. So: one module object per
    // process, the HOWTO's opt-out, `unsupported` everywhere a second one is asked for;
    // isolated refuses single-phase init. On 3.13 a subinterpreter's import runs PyInit_* in
    // the main interpreter first and then again in the subinterpreter, so legacy never gets
    // the module at all (#15). #[pyclass] types are heap types (PyType_FromSpec).
    const bool py313 = py.release_minor() != "3.12";  // 3.13 and later (optout_init_once's test)
    expect_matrix(*report_, "gen_pyo3", py.version,
                  {{"import", "pass", py313 ? "unsupported" : "pass", "unsupported"},
                   {"reimport", "unsupported", "unsupported", "unsupported"},
                   {"cycles", "-", "unsupported", "unsupported"},
                   {"leaks", "pass", "unsupported", "unsupported"},
                   {"isolation", "-", "unsupported", "unsupported"},
                   {"heap-types", "pass", "-", "-"},
                   {"concurrent", "-", "-", "unsupported"},
                   {"teardown", "-", "unsupported", "unsupported"},
                   {"reinit", "unsupported", "-", "-"},
                   // Single-phase init (PyModule_Create2): lint fails it, whoever generated it.
                   {"lint", "-", "-", "-", "fail"}});
    const std::string message = "PyO3 modules may only be initialized once per interpreter process";
    EXPECT_TRUE(contains(cell(*report_, "gen_pyo3", py.version, "cycles", "legacy")["summary"], message));
    EXPECT_TRUE(contains(cell(*report_, "gen_pyo3", py.version, "reimport", "main")["summary"], message));
  }
}

TEST_F(Generators, PyO3CurrentModuleLoadsInLegacyInterpretersAndSharesItsClassWithThem) {
  REQUIRE_BUILT("gen_pyo3");
  for (const auto& py : pythons_) {
    if (generator_version("gen_pyo3", py.version) != "0.28.2") continue;  // the previous test's
    // PyO3 0.28.2 (Debian testing's librust-pyo3-dev; src/impl_/pymodule.rs,
    // pyo3-macros-backend src/module.rs), measured on 3.13.15, 3.14.8 and their debug builds:
    //  - multi-phase init (PyModuleDef_Init, a Py_mod_exec slot) with Py_mod_gil and no
    //    Py_mod_multiple_interpreters slot, so CPython's default: legacy interpreters load it,
    //    own-GIL ones refuse it (isolated `unsupported`);
    //  - its interpreter-ID guard ("PyO3 modules do not yet support subinterpreters") is in
    //    ModuleDef::make_module, which only #[pymodule] submodules go through: the top-level
    //    module's exec never refuses a second interpreter;
    //  - a #[pyclass] type object is made once per process (LazyTypeObject, a Rust static) and
    //    handed to every module object in every interpreter: reimport and isolation find the
    //    one `Counter` type in both (HOWTO "Heap Types": a type belongs to one interpreter).
    //    A real defect of loading it in a subinterpreter, which PyO3 documents as unsupported
    //    (PyO3 issue 576) but does not refuse;
    //  - PyGILState_* (PyO3's GIL guard) and its statics: lint warns, no single-phase init now.
    expect_matrix(*report_, "gen_pyo3", py.version,
                  {{"import", "pass", "pass", "unsupported"},
                   {"reimport", "fail", "fail", "unsupported"},
                   {"cycles", "-", "pass", "unsupported"},
                   {"leaks", "pass", "pass", "unsupported"},
                   {"isolation", "-", "fail", "unsupported"},
                   {"heap-types", "pass", "-", "-"},
                   {"concurrent", "-", "-", "unsupported"},
                   {"teardown", "-", "pass", "unsupported"},
                   {"reinit", "pass", "-", "-"},
                   {"lint", "-", "-", "-", "warn"}});
    EXPECT_TRUE(contains(cell(*report_, "gen_pyo3", py.version, "isolation", "legacy")["summary"],
                         "gen_pyo3.Counter (type)"));
    EXPECT_EQ(cell(*report_, "gen_pyo3", py.version, "import", "isolated")["summary"],
              "refused: module gen_pyo3 does not support loading in subinterpreters");
  }
}

}  // namespace
