// `teardown`: interpreters with the module imported (and instances of its classes alive) are
// destroyed in a given order, or left alive for Py_FinalizeEx. Each order is a catalog variant
// run in its own host process. HOWTO "Lifetime of the Module State".
//
// Two interpreters are enough to destroy the first-made one first (FIFO) or last (LIFO), and to
// finalize with more than one alive; only middle-first needs a third (#13: the same verdicts on
// every fixture and every lib-dynload module as with three in every order, for a quarter less
// interpreter work).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <set>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

namespace {

constexpr int kMaxInterpreters = 3;
constexpr int kFinalizeInterpreters = 2;

struct Order {
  std::string_view variant;
  std::string_view label;
  int interpreters;
  std::array<int, kMaxInterpreters> sequence;  // the first `interpreters` entries
};
constexpr Order kOrders[] = {
    {"lifo", "LIFO", 2, {1, 0}},
    {"fifo", "FIFO", 2, {0, 1}},
    {"middle", "middle-first", 3, {1, 0, 2}},
};

}  // namespace

HostVerdict run_teardown(ScenarioContext& ctx) {
  const std::string& variant = ctx.request.variant;
  const bool finalize = variant == "finalize";
  const Order* order = nullptr;
  for (const Order& o : kOrders) {
    if (o.variant == variant) order = &o;
  }
  if (!finalize && order == nullptr) throw host::HostError("unknown teardown variant '" + variant + "'");
#if PY_VERSION_HEX < 0x030D0000
  if (finalize) {
    return verdict(Outcome::skip,
                   "Py_FinalizeEx with live subinterpreters aborts on CPython 3.12 by design "
                   "(fixed in 3.13, gh-113433)");
  }
#endif

  const int interpreters = finalize ? kFinalizeInterpreters : order->interpreters;
  std::vector<std::unique_ptr<host::InterpreterSession>> sessions;
  int instances = 0;
  std::set<std::string> crashing_constructors;
  for (int i = 0; i < interpreters; ++i) {
    ImportedSession s = open_and_import(ctx, fmt::format("interpreter {} of {}", i + 1, interpreters));
    if (!s.import.ok()) {
      if (i == 0) return import_not_ok_verdict(s.import, ctx.request.config);
      if (s.import.status == host::ImportResult::Status::refused) {
        return refused_later_verdict(s.import, fmt::format("interpreter {} while 1 is alive", i + 1));
      }
      return verdict(Outcome::fail, fmt::format("imports in interpreter 1 but not in {} while "
                                                "1 is alive: {}", i + 1, s.import.describe()));
    }
    ctx.progress.step(fmt::format("interpreter {} of {}: keep instances of the module's classes", i + 1, interpreters));
    const host::InterpreterSession::KeptInstances kept = s.session->keep_instances(s.import.module);
    instances += kept.kept;
    crashing_constructors.insert(kept.crashing_constructors.begin(), kept.crashing_constructors.end());
    sessions.push_back(std::move(s.session));
  }

  HostVerdict v;
  v.metrics["instances_kept"] = instances;
  // A constructor that crashes when called with no arguments is the module's bug in any
  // interpreter, not a teardown finding: said, not kept (#15).
  if (!crashing_constructors.empty()) v.details["crashing_constructors"] = crashing_constructors;
  const std::string not_kept =
      crashing_constructors.empty()
          ? ""
          : fmt::format("; not kept: {}() {} a forked copy of the process when called with no arguments",
                        fmt::join(crashing_constructors, "(), "),
                        crashing_constructors.size() == 1 ? "crashes" : "crash");
  if (finalize) {
    for (auto& s : sessions) s->abandon_to_finalize();
    ctx.progress.step(fmt::format("Py_FinalizeEx with {} live subinterpreters", interpreters));
    const int status = ctx.main.finalize();
    if (status != 0) {
      return verdict(Outcome::fail, fmt::format("Py_FinalizeEx returned {} with {} live "
                                                "subinterpreters", status, interpreters));
    }
    v.outcome = Outcome::pass;
    v.summary = fmt::format("Py_FinalizeEx ended {} live subinterpreters cleanly{}", interpreters, not_kept);
    return v;
  }
  for (int step = 0; step < interpreters; ++step) {
    const int index = order->sequence[static_cast<size_t>(step)];
    ctx.progress.step(fmt::format("teardown {}: destroy interpreter {} of {}", order->label,
                                  index + 1, interpreters));
    sessions[static_cast<size_t>(index)]->end();
  }
  v.outcome = Outcome::pass;
  v.summary = fmt::format("{} interpreters destroyed {} cleanly ({} instances kept alive{})",
                          interpreters, order->label, instances, not_kept);
  return v;
}

}  // namespace isocheck::scenarios
