// `import`: create the interpreter and import the module (spec/checks.md).
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict run_import(ScenarioContext& ctx) {
  ImportedSession s = open_and_import(ctx, "import");
  if (!s.import.ok()) return import_not_ok_verdict(s.import, ctx.request.config);
  // What the module declares, for the matrix's details (#14 item 4: Py_mod_gil is reported,
  // not judged; a module without it runs with the GIL, which says nothing about isolation).
  const host::InterpreterSession::Declarations declared = s.session->declarations(s.import.module);
  ctx.progress.step("import: destroy interpreter");
  s.session->end();
  HostVerdict v = verdict(Outcome::pass, fmt::format("imports in the {} config", to_string(ctx.request.config)));
  if (!declared.init.empty()) {
    v.details["init"] = declared.init;
    v.details["Py_mod_multiple_interpreters"] = declared.multiple_interpreters.empty() ? "absent" : declared.multiple_interpreters;
#if PY_VERSION_HEX >= 0x030D0000
    v.details["Py_mod_gil"] = declared.gil.empty() ? "absent" : declared.gil;
#endif
  }
  return v;
}

}  // namespace isocheck::scenarios
