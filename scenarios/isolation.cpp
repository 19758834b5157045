// `isolation`: two interpreters alive at once with the module imported in both. (a) nothing
// reachable from one module object is the very same object in the other (only immortal
// objects may be shared; PEP 683); (b) state set through A is not seen through B.
// HOWTO "Enter Per-Module State", "Managing Global State", "Heap Types".
#include <fmt/format.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

namespace {
constexpr int kCallsInA = 3;
}

HostVerdict run_isolation(ScenarioContext& ctx) {
  std::optional<host::ExerciseResult> fresh;
  if (!ctx.request.target.exercise_file.empty()) {
    ImportedSession f = open_and_import(ctx, "fresh interpreter");
    if (!f.import.ok()) return import_not_ok_verdict(f.import, ctx.request.config);
    ctx.progress.step("fresh interpreter: exercise");
    fresh = f.session->exercise(f.import.module);
    ctx.progress.step("fresh interpreter: destroy");
    f.session->end();
  }

  ImportedSession a = open_and_import(ctx, "interpreter A");
  if (!a.import.ok()) return import_not_ok_verdict(a.import, ctx.request.config);
  ImportedSession b = open_and_import(ctx, "interpreter B");
  if (!b.import.ok()) {
    HostVerdict v = verdict(Outcome::fail, fmt::format("imports in interpreter A but not in B "
                                                       "while A is alive: {}", b.import.describe()));
    v.details["python_traceback"] = b.import.traceback;
    return v;
  }

  ctx.progress.step("compare the module namespaces of A and B");
  const auto shared = shared_objects(a.session->walk(a.import.module),
                                     b.session->walk(b.import.module), /*owned_only=*/false);
  std::vector<std::string> findings;
  HostVerdict v;
  if (!shared.empty()) {
    findings.push_back(fmt::format("{} object(s) shared by two interpreters: {} (HOWTO: {})",
                                   shared.size(), describe_shared(shared), howto_for_shared(shared)));
    v.details["shared_objects"] = shared_details(shared);
  }
  v.metrics["shared_objects"] = shared.size();

  if (fresh) {
    for (int call = 1; call <= kCallsInA; ++call) {
      ctx.progress.step(fmt::format("exercise in A ({} of {})", call, kCallsInA));
      a.session->exercise(a.import.module);
    }
    ctx.progress.step("exercise in B");
    const host::ExerciseResult in_b = b.session->exercise(b.import.module);
    v.details["fresh_result"] = fresh->describe();
    v.details["result_in_b"] = in_b.describe();
    if (in_b != *fresh) {
      findings.push_back(fmt::format("state bleeds between interpreters: after {} calls in A, "
                                     "B's first call gave {} where a fresh interpreter gives {} "
                                     "(HOWTO: Enter Per-Module State)",
                                     kCallsInA, in_b.describe(), fresh->describe()));
    }
  }

  ctx.progress.step("destroy interpreter B");
  b.session->end();
  ctx.progress.step("destroy interpreter A");
  a.session->end();

  if (findings.empty()) {
    v.outcome = Outcome::pass;
    v.summary = fresh ? "nothing shared; B unaffected by calls in A"
                      : "nothing shared (no exercise given: state bleed not tested)";
  } else {
    v.outcome = Outcome::fail;
    v.summary = fmt::format("{}", fmt::join(findings, "; "));
  }
  return v;
}

}  // namespace isocheck::scenarios
