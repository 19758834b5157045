#include "core/catalog.h"

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
      {"isolation", {legacy, isolated},
       "two live interpreters share no module objects, and state set in one is not seen in the other",
       "Enter Per-Module State", {}},
      {"teardown", {legacy, isolated},
       "3 interpreters with the module destroyed LIFO, FIFO, middle-first, and by Py_FinalizeEx",
       "Lifetime of the Module State", {"lifo", "fifo", "middle", "finalize"}},
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
