// `cycles`: N create -> import -> exercise -> destroy cycles in one process. Runs even where the
// import is refused: a refusal that crashes on the second attempt is a real defect (3.12 runs a
// single-phase PyInit_* inside the refusing interpreter; spec/primer.md).
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict run_cycles(ScenarioContext& ctx) {
  const int n = ctx.request.cycles;
  std::string first_outcome;
  host::ImportResult first_import;
  for (int cycle = 1; cycle <= n; ++cycle) {
    const std::string label = fmt::format("cycle {} of {}", cycle, n);
    ImportedSession s = open_and_import(ctx, label);
    std::string outcome = s.import.describe();
    if (s.import.ok() && s.session->has_exercise()) {
      ctx.progress.step(label + ": exercise");
      outcome += " -> " + s.session->exercise(s.import.module).describe();
    }
    ctx.progress.step(label + ": destroy interpreter");
    s.session->end();

    if (cycle == 1) {
      first_outcome = outcome;
      first_import = s.import;
    } else if (outcome != first_outcome) {
      HostVerdict v = verdict(Outcome::fail,
                              fmt::format("cycle {} gave \"{}\" where cycle 1 gave \"{}\" "
                                          "(HOWTO: Surprising Edge Cases)", cycle, outcome, first_outcome));
      v.details["cycle"] = cycle;
      v.details["first_cycle"] = first_outcome;
      v.details["this_cycle"] = outcome;
      v.metrics["cycles_completed"] = cycle - 1;
      return v;
    }
  }

  HostVerdict v;
  if (first_import.ok()) {
    v = verdict(Outcome::pass, fmt::format("{} cycles, the same result every time", n));
  } else {
    v = import_not_ok_verdict(first_import, ctx.request.config);
    v.summary += fmt::format(" (in all {} cycles)", n);
  }
  v.metrics["cycles_completed"] = n;
  return v;
}

}  // namespace isocheck::scenarios
