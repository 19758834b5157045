// `reinit` (main): import and exercise, Py_FinalizeEx, Py_InitializeFromConfig again, import
// and exercise again; the second round must work and give the same result.
// HOWTO "Surprising Edge Cases" (a module may be loaded after Py_Finalize/Py_Initialize).
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

namespace {

// "imported" without an exercise, else the first exercise result.
std::optional<std::string> one_round(ScenarioContext& ctx, const std::string& label, HostVerdict& failure) {
  ImportedSession s = open_and_import(ctx, label);
  if (!s.import.ok()) {
    failure = import_not_ok_verdict(s.import, ctx.request.config);
    return std::nullopt;
  }
  std::string result = "imported";
  if (s.session->has_exercise()) {
    ctx.progress.step(label + ": exercise");
    result = s.session->exercise(s.import.module).describe();
  }
  s.session->end();
  return result;
}

}  // namespace

HostVerdict run_reinit(ScenarioContext& ctx) {
  HostVerdict failure;
  const std::optional<std::string> first = one_round(ctx, "first round", failure);
  if (!first) return failure;

  ctx.progress.step("Py_FinalizeEx");
  const int status = ctx.main.finalize();
  if (status != 0) return verdict(Outcome::fail, fmt::format("Py_FinalizeEx returned {}", status));
  ctx.progress.step("Py_InitializeFromConfig again");
  host::MainInterpreter again(ctx.request.python_exe);
  ScenarioContext second_ctx{ctx.request, again, ctx.progress};
  const std::optional<std::string> second = one_round(second_ctx, "second round", failure);
  if (!second) {
    // A refusal now is the module's own opt-out (the main interpreter is never refused by
    // CPython): honest, so it stays `unsupported` (#17 item 6).
    failure.summary = "after Py_FinalizeEx and re-initialisation: " + failure.summary +
                      " (HOWTO: Surprising Edge Cases)";
    return failure;
  }
  ctx.progress.step("finalize the re-initialised interpreter");
  again.finalize();

  HostVerdict v;
  v.details["first_round"] = *first;
  v.details["second_round"] = *second;
  if (*second != *first) {
    v.outcome = Outcome::fail;
    v.summary = fmt::format("state survived Py_FinalizeEx: the first round gave {}, the round after "
                            "re-initialisation gave {} (HOWTO: Surprising Edge Cases)", *first, *second);
    return v;
  }
  v.outcome = Outcome::pass;
  v.summary = ctx.request.target.exercise_file.empty()
                  ? "imports again after Py_FinalizeEx and re-initialisation (no exercise given)"
                  : fmt::format("same result after Py_FinalizeEx and re-initialisation ({})", *second);
  return v;
}

}  // namespace isocheck::scenarios
