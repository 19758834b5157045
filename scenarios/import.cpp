// `import`: create the interpreter and import the module (spec/checks.md).
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict run_import(ScenarioContext& ctx) {
  ImportedSession s = open_and_import(ctx, "import");
  if (!s.import.ok()) return import_not_ok_verdict(s.import, ctx.request.config);
  ctx.progress.step("import: destroy interpreter");
  s.session->end();
  return verdict(Outcome::pass, fmt::format("imports in the {} config", to_string(ctx.request.config)));
}

}  // namespace isocheck::scenarios
