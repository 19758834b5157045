#include "model/catalog.h"

#include "analysis/lint.h"

namespace isocheck {

namespace {

using enum Config;

const std::vector<CheckInfo>& table() {
  static const std::vector<CheckInfo> checks = {
      {"import", {main, legacy, isolated},
       "create the interpreter and import the module",
       "Opt-Out: Limiting to One Module Object per Process", {}},
      {"reimport", {main, legacy, isolated},
       "import, drop from sys.modules, import again: two independent, working module objects",
       "Isolated Module Objects", {}},
      {"cycles", {legacy, isolated},
       "create -> import -> exercise -> destroy N times in one process: same outcome every time",
       "Surprising Edge Cases", {}},
      {"leaks", {main, legacy, isolated},
       "blocks and references left behind per cycle (subinterpreters) or per exercise call (main)",
       "Lifetime of the Module State", {}},
      {"isolation", {legacy, isolated},
       "two live interpreters share no module objects, and state set in one is not seen in the other",
       "Enter Per-Module State", {}},
      {"heap-types", {main},
       "classes are heap types, GC types visit their type, exception classes are per module object",
       "Heap Types", {}},
      {"concurrent", {isolated},
       "2 interpreters on 2 threads with their own GILs import and exercise at the same time",
       "Managing Global State", {}, nullptr, /*timing_dependent=*/true},
      {"teardown", {legacy, isolated},
       "interpreters with the module destroyed LIFO, FIFO, middle-first (3), and by Py_FinalizeEx",
       "Lifetime of the Module State", {"lifo", "fifo", "middle", "finalize"}},
      {"reinit", {main},
       "import and exercise, Py_FinalizeEx, initialise again, import and exercise again",
       "Surprising Edge Cases", {}},
      {"lint", {},
       "read the shared object: single-phase init, static types, PyState_*, PyGILState_*, writable globals",
       "Isolated Module Objects; Heap Types; Managing Global State", {}, lint_extension},
  };
  return checks;
}

}  // namespace

std::span<const CheckInfo> check_catalog() { return table(); }

const CheckInfo* find_check(std::string_view id) {
  for (const CheckInfo& check : table()) {
    if (check.id == id) return &check;
  }
  return nullptr;
}

}  // namespace isocheck
