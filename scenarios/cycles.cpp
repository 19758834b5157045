// `cycles`: N create -> import -> exercise -> destroy cycles in one process. Runs even where the
// import is refused: a refusal that crashes on the second attempt is a real defect (3.12 runs a
// single-phase PyInit_* inside the refusing interpreter; spec/primer.md).
#include <fmt/format.h>

#include <algorithm>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

// --cycles N gives N / 5 cycles, at least 2 (2 by default): every cycle of the survey and the
// fixtures that behaved differently did so by its second cycle (#13: measured with 10 and with
// 3 cycles), and each cycle costs an interpreter. Raise --cycles for more.
namespace {
constexpr int kMinCycles = 2;
int cycles_of(const CellRequest& request) { return std::max(kMinCycles, request.cycles / 5); }
}  // namespace

HostVerdict run_cycles(ScenarioContext& ctx) {
  const int n = cycles_of(ctx.request);
  std::string first_outcome;  // cycle 1's outcome class and exercise result: what is compared
  std::string first_text;     // and what the summary quotes
  host::ImportResult first_import;
  for (int cycle = 1; cycle <= n; ++cycle) {
    const std::string label = fmt::format("cycle {} of {}", cycle, n);
    ImportedSession s = open_and_import(ctx, label);
    std::string outcome = s.import.outcome_class();
    std::string text = s.import.describe();
    if (s.import.ok() && s.session->has_exercise()) {
      ctx.progress.step(label + ": exercise");
      const std::string result = " -> " + s.session->exercise(s.import.module).describe();
      outcome += result;
      text += result;
    }
    ctx.progress.step(label + ": destroy interpreter");
    s.session->end();

    if (cycle == 1) {
      first_outcome = outcome;
      first_text = text;
      first_import = s.import;
    } else if (outcome != first_outcome) {
      // A module that loads once and then refuses, as the HOWTO's opt-out does, is honest
      // about what it supports (#17 item 6).
      const bool refused_later = s.import.status == host::ImportResult::Status::refused;
      HostVerdict v = verdict(refused_later ? Outcome::unsupported : Outcome::fail,
                              fmt::format("cycle {} gave \"{}\" where cycle 1 gave \"{}\" "
                                          "(HOWTO: {})", cycle, text, first_text,
                                          refused_later ? "Opt-Out: Limiting to One Module Object per Process"
                                                        : "Surprising Edge Cases"));
      v.details["cycle"] = cycle;
      v.details["first_cycle"] = first_text;
      v.details["this_cycle"] = text;
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
