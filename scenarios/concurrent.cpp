// `concurrent` (isolated): K interpreters, each on its own OS thread with its own GIL (PEP 684),
// import and exercise the module M times at the same moment; each sequence of results must
// equal what one lone interpreter produces. Exposes data races on C globals that sequential
// checks never see. HOWTO "Managing Global State".
//
// Thread pattern that works on 3.12 and 3.13 (spec/primer.md): each worker makes a thread state
// of the main interpreter, creates its subinterpreter from it, and ends it on the same thread
// (3.12.1 aborts when another thread ends it). Creation and destruction need the main
// interpreter's GIL and so are serialised by it; only import and exercise overlap, each under
// its interpreter's own GIL -- which is what the check is about.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <barrier>
#include <thread>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

namespace {

constexpr int kThreads = 2;  // >= 2; the machines this runs on often have 2 cores

struct WorkerOutcome {
  host::ImportResult import;
  std::vector<std::string> results;
  std::string harness_error;  // a HostError on this thread
};

std::vector<std::string> describe_all(const std::vector<host::ExerciseResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.describe());
  return out;
}

// Waits for the other workers without holding the main GIL, so they can get there too.
void wait_for_others(std::barrier<>& barrier) {
  PyThreadState* saved = PyEval_SaveThread();
  barrier.arrive_and_wait();
  PyEval_RestoreThread(saved);
}

// Runs on a worker thread that has no Python thread state yet. Two meeting points: all
// interpreters import at once, then all exercise at once (imports take unequal time, and a
// head start would let one thread finish its calls before the other begins).
void worker(ScenarioContext& ctx, int calls, std::barrier<>& import_together, std::barrier<>& exercise_together,
            WorkerOutcome& out) {
  PyThreadState* own = PyThreadState_New(PyInterpreterState_Main());
  PyEval_RestoreThread(own);
  int barriers_left = 2;
  try {
    host::InterpreterSession session(Config::isolated, ctx.main, ctx.request.target);
    --barriers_left;
    wait_for_others(import_together);
    out.import = session.import_target();
    --barriers_left;
    if (out.import.ok() && session.has_exercise()) {
      // Meet inside the interpreter's own GIL: nobody then waits for the main GIL to start.
      out.results = describe_all(session.exercise_many(out.import.module, calls,
                                                       [&] { exercise_together.arrive_and_wait(); }));
    } else {
      wait_for_others(exercise_together);
    }
    session.end();
  } catch (const host::HostError& e) {
    out.harness_error = e.what();
    // Never leave the others waiting.
    if (barriers_left == 2) import_together.arrive_and_drop();
    if (barriers_left >= 1) exercise_together.arrive_and_drop();
  }
  PyThreadState_Clear(own);
  PyThreadState_DeleteCurrent();
}

}  // namespace

HostVerdict run_concurrent(ScenarioContext& ctx) {
  const int calls = ctx.request.cycles;
  ImportedSession lone = open_and_import(ctx, "lone interpreter");
  if (!lone.import.ok()) return import_not_ok_verdict(lone.import, ctx.request.config);
  std::vector<std::string> expected;
  if (lone.session->has_exercise()) {
    ctx.progress.step(fmt::format("lone interpreter: exercise {} times", calls));
    expected = describe_all(lone.session->exercise_many(lone.import.module, calls));
  }
  ctx.progress.step("lone interpreter: destroy");
  lone.session->end();

  ctx.progress.step(fmt::format("{} interpreters on {} threads: import and exercise {} times at once",
                                kThreads, kThreads, calls));
  std::vector<WorkerOutcome> outcomes(kThreads);
  std::barrier import_together(kThreads);
  std::barrier exercise_together(kThreads);
  PyThreadState* main_state = PyEval_SaveThread();
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        worker(ctx, calls, import_together, exercise_together, outcomes[static_cast<size_t>(i)]);
      });
    }
  }
  PyEval_RestoreThread(main_state);

  HostVerdict v;
  v.metrics["threads"] = kThreads;
  v.metrics["calls_per_thread"] = calls;
  std::vector<std::string> findings;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const WorkerOutcome& o = outcomes[i];
    if (!o.harness_error.empty()) throw host::HostError(o.harness_error);
    // The lone interpreter loaded it: a refusal now is the module's own opt-out (#17 item 6).
    if (o.import.status == host::ImportResult::Status::refused) {
      return refused_later_verdict(o.import, fmt::format("thread {} after a lone interpreter loaded it", i + 1));
    }
    if (!o.import.ok()) {
      findings.push_back(fmt::format("thread {}: the import gave {} while other interpreters were "
                                     "importing it too", i + 1, o.import.describe()));
      continue;
    }
    for (size_t call = 0; call < expected.size() && call < o.results.size(); ++call) {
      if (o.results[call] != expected[call]) {
        findings.push_back(fmt::format("thread {}: call {} gave {} where a lone interpreter gives {}",
                                       i + 1, call + 1, o.results[call], expected[call]));
        v.details["thread_" + std::to_string(i + 1) + "_results"] = o.results;
        break;
      }
    }
  }
  if (!expected.empty()) v.details["lone_results"] = expected;
  if (findings.empty()) {
    v.outcome = Outcome::pass;
    v.summary = expected.empty()
                    ? fmt::format("{} interpreters imported it at once (no exercise given)", kThreads)
                    : fmt::format("{} interpreters x {} calls at once gave the lone interpreter's results",
                                  kThreads, calls);
    return v;
  }
  v.outcome = Outcome::fail;
  v.summary = fmt::format("{} (HOWTO: Managing Global State)", fmt::join(findings, "; "));
  return v;
}

}  // namespace isocheck::scenarios
