// `isolation`: two interpreters alive at once with the module imported in both. (a) nothing
// reachable from one module object is the very same object in the other (only immortal
// objects may be shared; PEP 683); (b) state set through A is not seen through B.
// HOWTO "Enter Per-Module State", "Managing Global State", "Heap Types".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

namespace {
constexpr int kCallsInA = 3;
}

HostVerdict run_isolation(ScenarioContext& ctx) {
  // What a fresh interpreter's first kCallsInA + 1 calls give: B's first call must give the
  // first, and A's call after B imported must give the last.
  std::vector<host::ExerciseResult> fresh;
  if (!ctx.request.target.exercise_file.empty()) {
    ImportedSession f = open_and_import(ctx, "fresh interpreter");
    if (!f.import.ok()) return import_not_ok_verdict(f.import, ctx.request.config);
    ctx.progress.step("fresh interpreter: exercise");
    fresh = f.session->exercise_many(f.import.module, kCallsInA + 1);
    ctx.progress.step("fresh interpreter: destroy");
    f.session->end();
  }

  ImportedSession a = open_and_import(ctx, "interpreter A");
  if (!a.import.ok()) return import_not_ok_verdict(a.import, ctx.request.config);
  ImportedSession b = open_and_import(ctx, "interpreter B");
  if (b.import.status == host::ImportResult::Status::refused) {
    return refused_later_verdict(b.import, "interpreter B while A is alive");
  }
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

  if (!fresh.empty()) {
    for (int call = 1; call <= kCallsInA; ++call) {
      ctx.progress.step(fmt::format("exercise in A ({} of {})", call, kCallsInA));
      a.session->exercise(a.import.module);
    }
    ctx.progress.step("exercise in B");
    const host::ExerciseResult in_b = b.session->exercise(b.import.module);
    v.details["fresh_result"] = fresh.front().describe();
    v.details["result_in_b"] = in_b.describe();
    if (in_b != fresh.front()) {
      findings.push_back(fmt::format("state bleeds between interpreters: after {} calls in A, "
                                     "B's first call gave {} where a fresh interpreter gives {} "
                                     "(HOWTO: Enter Per-Module State)",
                                     kCallsInA, in_b.describe(), fresh.front().describe()));
    }
    // Both directions (#17 item 2): B's import may have changed what A's module does (a C
    // global that every exec overwrites, such as the exception class its code raises).
    ctx.progress.step("exercise in A again, after B");
    const host::ExerciseResult a_after_b = a.session->exercise(a.import.module);
    v.details["result_in_a_after_b"] = a_after_b.describe();
    if (a_after_b != fresh.back()) {
      findings.push_back(fmt::format("B's import changed A: A's call {} gave {} where a fresh interpreter's "
                                     "call {} gives {} (HOWTO: Managing Global State)",
                                     kCallsInA + 1, a_after_b.describe(), kCallsInA + 1, fresh.back().describe()));
    }
  }

  ctx.progress.step("destroy interpreter B");
  b.session->end();
  ctx.progress.step("destroy interpreter A");
  a.session->end();

  if (findings.empty()) {
    v.outcome = Outcome::pass;
    v.summary = !fresh.empty() ? "nothing shared; B unaffected by calls in A, A unaffected by B's import"
                      : "nothing shared (no exercise given: state bleed not tested)";
  } else {
    v.outcome = Outcome::fail;
    v.summary = fmt::format("{}", fmt::join(findings, "; "));
  }
  return v;
}

}  // namespace isocheck::scenarios
