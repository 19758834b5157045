// `reimport`: import, keep the module object, drop it from sys.modules, import again; the two
// module objects must be distinct and independent, and the old one must keep working
// (HOWTO "Isolated Module Objects"; spec/checks.md).
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict run_reimport(ScenarioContext& ctx) {
  ImportedSession s = open_and_import(ctx, "first import");
  if (!s.import.ok()) return import_not_ok_verdict(s.import, ctx.request.config);
  host::InterpreterSession& interp = *s.session;
  const int first = s.import.module;

  std::optional<host::ExerciseResult> fresh;
  if (interp.has_exercise()) {
    ctx.progress.step("exercise the first module object");
    fresh = interp.exercise(first);
    // Raising on the very first call into a fresh module object is the exercise's problem (or
    // the API's), not an isolation finding: there is nothing sound to compare (spec/checks.md,
    // "a bad exercise file is an error").
    if (fresh->raised) {
      return verdict(Outcome::error,
                     fmt::format("the exercise raised {} on its first call into a freshly imported module; "
                                 "fix the exercise file (nothing to compare)", fresh->text));
    }
  }
  const auto first_objects = interp.walk(first);

  ctx.progress.step("drop the module from sys.modules and import it again");
  interp.forget_target();
  const host::ImportResult again = interp.import_target();
  // A module that refuses a second load (CPython's refusal, or the HOWTO's opt-out) says so
  // honestly: `unsupported`, with its message (#17 item 6).
  if (again.status == host::ImportResult::Status::refused) return import_not_ok_verdict(again, ctx.request.config);
  if (!again.ok()) {
    HostVerdict v = verdict(Outcome::fail, fmt::format("the second import failed: {} "
                                                       "(HOWTO: Isolated Module Objects)",
                                                       again.describe()));
    v.details["python_traceback"] = again.traceback;
    return v;
  }
  const int second = again.module;
  if (interp.same_object(first, second)) {
    // By design in some binding generators (Cython's default build keeps its one module object
    // and hands it back; pybind11 3 keeps one per interpreter, in the interpreter's state
    // dict): the module supports one module object per process or interpreter, the HOWTO's
    // opt-out, and there is nothing to compare. Not something its author can act on, so not a
    // failure (#17); the real hazard, that object reaching another interpreter, is `isolation`'s
    // and `cycles`' to find.
    HostVerdict v = verdict(Outcome::unsupported,
                            "the second import returned the same module object: the module keeps one module "
                            "object (per process or per interpreter), so there are not two to compare (HOWTO: "
                            "Opt-Out: Limiting to One Module Object per Process)");
    v.details["same_module_object"] = true;
    return v;
  }

  const auto shared = shared_objects(first_objects, interp.walk(second), /*owned_only=*/true);
  if (!shared.empty()) {
    HostVerdict v = verdict(Outcome::fail,
                            fmt::format("the two module objects share {} object(s): {} (HOWTO: {})",
                                        shared.size(), describe_shared(shared), howto_for_shared(shared)));
    v.details["shared_objects"] = shared_details(shared);
    return v;
  }

  if (fresh) {
    ctx.progress.step("exercise the second module object");
    const host::ExerciseResult renewed = interp.exercise(second);
    if (renewed != *fresh) {
      HostVerdict v = verdict(
          Outcome::fail,
          fmt::format("state carried over: the new module object's first exercise gave {}, "
                      "the first module object's gave {} (HOWTO: Enter Per-Module State)",
                      renewed.describe(), fresh->describe()));
      v.details["fresh_result"] = fresh->describe();
      v.details["reimported_result"] = renewed.describe();
      return v;
    }
    ctx.progress.step("exercise the old module object again");
    const host::ExerciseResult old = interp.exercise(first);
    if (old.raised) {
      return verdict(Outcome::fail,
                     fmt::format("the old module object broke after the re-import: its exercise "
                                 "raised {} (HOWTO: Isolated Module Objects)", old.text));
    }
    // Both objects have now had two calls; independent state gives the same second result.
    // A module that finds "its" state globally (PyState_FindModule) serves the old object
    // from the new one's state instead.
    ctx.progress.step("exercise the second module object again");
    const host::ExerciseResult renewed_second = interp.exercise(second);
    if (renewed_second != old) {
      HostVerdict v = verdict(
          Outcome::fail,
          fmt::format("calls through one module object change the other's state: the second call gave "
                      "{} on the old module object but {} on the new one (HOWTO: Module State Access "
                      "from Functions)", old.describe(), renewed_second.describe()));
      v.details["old_second_result"] = old.describe();
      v.details["new_second_result"] = renewed_second.describe();
      return v;
    }
  }
  ctx.progress.step("reimport: destroy interpreter");
  interp.end();
  return verdict(Outcome::pass, fresh ? "two independent module objects; both work"
                                      : "two independent module objects (no exercise given)");
}

}  // namespace isocheck::scenarios
