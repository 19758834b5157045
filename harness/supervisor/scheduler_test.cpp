#include "supervisor/scheduler.h"
#include "model/rerun.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace isocheck {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string arg_after(const std::vector<std::string>& args, const std::string& flag) {
  auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? "" : *(it + 1);
}

HostVerdict make_verdict(Outcome outcome, std::string summary) {
  HostVerdict v;
  v.outcome = outcome;
  v.summary = std::move(summary);
  return v;
}

HostRun finished_with(const HostVerdict& v) {
  HostRun run;
  run.started = true;
  run.protocol = encode_progress("working") + encode_verdict(v);
  return run;
}

// Answers each invocation with `respond`, counting how many runs are in flight at once.
class FakeExecutor final : public HostExecutor {
 public:
  explicit FakeExecutor(std::function<HostRun(const HostInvocation&)> respond,
                        std::chrono::milliseconds hold = 0ms)
      : respond_(std::move(respond)), hold_(hold) {}

  HostRun run(const HostInvocation& invocation) override {
    const int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    if (hold_ > 0ms) std::this_thread::sleep_for(hold_);
    HostRun result = respond_(invocation);
    // As a real host does: every message framed with its run's secret.
    result.secret = "fake-run-secret";
    result.protocol = frame_records(result.secret, result.protocol);
    {
      std::lock_guard lock(mutex_);
      invocations_.push_back(invocation);
    }
    --in_flight_;
    return result;
  }

  int max_in_flight() const { return max_in_flight_.load(); }
  std::vector<HostInvocation> invocations() const {
    std::lock_guard lock(mutex_);
    return invocations_;
  }

 private:
  std::function<HostRun(const HostInvocation&)> respond_;
  std::chrono::milliseconds hold_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  mutable std::mutex mutex_;
  std::vector<HostInvocation> invocations_;
};

// What a module named after its behaviour makes a host do.
HostRun behave_by_module_name(const HostInvocation& inv) {
  const std::string module = arg_after(inv.args, "--module");
  HostRun run;
  run.started = true;
  run.duration_ms = 10;
  if (module == "segv") {
    run.protocol = encode_progress("import");
    run.signaled = true;
    run.signal = SIGSEGV;
  } else if (module == "hang") {
    run.protocol = encode_progress("exercise");
    run.timed_out = true;
    run.signaled = true;
    run.signal = SIGKILL;
  } else if (module == "nostart") {
    run.started = false;
    run.start_error = "exec failed";
  } else if (module == "silent") {
    run.exit_code = 0;  // no verdict at all
  } else {
    run = finished_with(make_verdict(Outcome::pass, "fine"));
    run.duration_ms = 10;
  }
  return run;
}

// A plan whose Pythons, 3.12.1 and 3.13.0, run "/fake/host-X.Y" under `timeout`.
std::shared_ptr<const PlanContext> fake_context(std::chrono::milliseconds timeout = 2s) {
  PlanContext context;
  for (const auto& [version, minor] : {std::pair{"3.12.1", "3.12"}, std::pair{"3.13.0", "3.13"}}) {
    PythonTarget p;
    p.version = version;
    p.minor = minor;
    p.executable = std::string("/fake/python") + minor;
    p.host = std::string("/fake/host-") + minor;
    context.pythons.push_back(p);
  }
  context.options.timeout = timeout;
  return std::make_shared<const PlanContext>(std::move(context));
}

PlannedCell planned_cell(const std::string& module, const std::string& check, const std::string& config) {
  PlannedCell c;
  c.key = CellKey{module, "3.12.1", config, check};
  c.context = fake_context();
  c.runs.push_back({""});
  return c;
}

// run_cells, keeping every result (the driver spools them instead).
std::vector<CellResult> run_all(const std::vector<PlannedCell>& cells, HostExecutor& executor, int jobs,
                                const std::function<void(const CellResult&, size_t, size_t)>& on_done,
                                const Symbolizer& symbolizer = in_process_symbolizer(),
                                const std::function<bool()>& stop_requested = {}) {
  std::vector<CellResult> results;
  run_cells(
      cells, executor, jobs,
      [&](CellResult r, size_t done, size_t total) {
        if (on_done) on_done(r, done, total);
        results.push_back(std::move(r));
      },
      symbolizer, stop_requested);
  return results;
}

std::set<CellKey> keys_of(const std::vector<CellResult>& results) {
  std::set<CellKey> keys;
  for (const auto& r : results) keys.insert(r.key);
  return keys;
}

std::set<CellKey> keys_of(const std::vector<PlannedCell>& cells) {
  std::set<CellKey> keys;
  for (const auto& c : cells) keys.insert(c.key);
  return keys;
}

TEST(RunCells, EveryPlannedCellYieldsExactlyOneResultWhateverItsHostDid) {
  std::vector<PlannedCell> cells;
  for (const char* module : {"ok", "segv", "hang", "nostart", "silent"}) {
    for (const char* config : {"legacy", "isolated"}) cells.push_back(planned_cell(module, "cycles", config));
  }
  FakeExecutor executor(behave_by_module_name);
  const auto results = run_all(cells, executor, 3, nullptr);

  ASSERT_EQ(results.size(), cells.size());
  EXPECT_EQ(keys_of(results), keys_of(cells));
  const std::map<std::string, Outcome> expected = {{"ok", Outcome::pass},
                                                   {"segv", Outcome::crash},
                                                   {"hang", Outcome::timeout},
                                                   {"nostart", Outcome::error},
                                                   {"silent", Outcome::crash}};
  for (const CellResult& r : results) {
    EXPECT_EQ(r.outcome, expected.at(r.key.module)) << r.key.module << " " << r.key.config << ": " << r.summary;
  }
  // The crashing cells (segv, silent: 4 of them) are run kRunsOfUnstableCell times each (model/rerun.h).
  EXPECT_EQ(executor.invocations().size(), cells.size() + 4 * (kRunsOfUnstableCell - 1));
}

TEST(RunCells, ResultCarriesTheCellKeyReproAndTheClassifiedEvidence) {
  const std::vector<PlannedCell> cells = {planned_cell("segv", "import", "isolated")};
  FakeExecutor executor(behave_by_module_name);
  const auto results = run_all(cells, executor, 1, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].key, cells[0].key);
  EXPECT_EQ(results[0].repro, repro_of(cells[0]));
  EXPECT_THAT(results[0].repro, HasSubstr("run segv"));
  EXPECT_EQ(results[0].outcome, Outcome::crash);
  EXPECT_EQ(results[0].details.value("signal", ""), "SIGSEGV");
  // A crash is rerun: the cell took as long as its three runs, and says how many crashed.
  EXPECT_DOUBLE_EQ(results[0].duration_ms, 10 * kRunsOfUnstableCell);
  EXPECT_THAT(results[0].summary, HasSubstr("(crash in 3 of 3 runs)"));
}

TEST(RunCells, AnUnstableCellKeepsItsWorstRunAndOtherCellsAreNotHeldUp) {
  // The first run of the concurrent cell fails, the second crashes, the third passes.
  std::atomic<int> concurrent_runs{0};
  FakeExecutor executor([&](const HostInvocation& inv) {
    HostRun run;
    run.started = true;
    run.duration_ms = 1;
    if (arg_after(inv.args, "--check") != "concurrent") {
      run.protocol = encode_verdict(make_verdict(Outcome::pass, "ok"));
      return run;
    }
    switch (concurrent_runs++) {
      case 0: run.protocol = encode_verdict(make_verdict(Outcome::fail, "raced")); break;
      case 1: run.signaled = true; run.signal = SIGSEGV; break;
      default: run.protocol = encode_verdict(make_verdict(Outcome::pass, "ok")); break;
    }
    return run;
  });
  const std::vector<PlannedCell> cells = {planned_cell("m", "concurrent", "isolated"), planned_cell("m", "import", "main"),
                                          planned_cell("m", "isolation", "legacy")};
  const auto results = run_all(cells, executor, 2, nullptr);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(keys_of(results), keys_of(cells));
  EXPECT_EQ(concurrent_runs.load(), 3);
  EXPECT_EQ(executor.invocations().size(), 5u);  // the two other cells ran once each
  for (const CellResult& r : results) {
    if (r.key.check != "concurrent") {
      EXPECT_EQ(r.outcome, Outcome::pass);
      EXPECT_FALSE(r.details.contains("runs"));
      continue;
    }
    EXPECT_EQ(r.outcome, Outcome::crash);
    EXPECT_THAT(r.summary, HasSubstr("(crash in 1 of 3 runs)"));
    EXPECT_EQ(r.details["runs"].dump(), R"({"total":3,"pass":1,"fail":1,"crash":1})");
  }
}

TEST(RunCells, TimeoutOfTheInvocationIsUsedToClassify) {
  std::vector<PlannedCell> cells = {planned_cell("hang", "import", "main")};
  cells[0].context = fake_context(7s);
  FakeExecutor executor(behave_by_module_name);
  const auto results = run_all(cells, executor, 1, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::timeout);
  EXPECT_THAT(results[0].summary, HasSubstr("7 s"));
}

TEST(RunCells, PresetCellsCompleteWithoutRunningAnything) {
  std::vector<PlannedCell> cells;
  for (const char* config : {"main", "legacy", "isolated"}) {
    PlannedCell c;
    c.key = CellKey{"absent", "3.13.0", config, "import"};
    c.context = fake_context();
    c.preset = make_verdict(Outcome::error, "absent is not importable by Python 3.13.0");
    cells.push_back(c);
  }
  FakeExecutor executor(behave_by_module_name);
  std::atomic<int> callbacks{0};
  const auto results = run_all(cells, executor, 2, [&](const CellResult&, size_t, size_t) { ++callbacks; });
  EXPECT_TRUE(executor.invocations().empty());
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(keys_of(results), keys_of(cells));
  for (const CellResult& r : results) {
    EXPECT_EQ(r.outcome, Outcome::error);
    EXPECT_EQ(r.summary, "absent is not importable by Python 3.13.0");
    EXPECT_THAT(r.repro, HasSubstr("run absent --python 3.13 --check import"));
  }
  EXPECT_EQ(callbacks.load(), 3);
}

TEST(RunCells, PresetAndRunnableCellsMixWithoutLosingAny) {
  std::vector<PlannedCell> cells = {planned_cell("ok", "import", "main")};
  PlannedCell preset;
  preset.key = CellKey{"gone", "3.12.1", "main", "import"};
  preset.preset = make_verdict(Outcome::error, "missing");
  cells.push_back(preset);
  cells.push_back(planned_cell("ok", "import", "legacy"));
  FakeExecutor executor(behave_by_module_name);
  const auto results = run_all(cells, executor, 2, nullptr);
  EXPECT_EQ(keys_of(results), keys_of(cells));
  EXPECT_EQ(results.size(), 3u);
  EXPECT_EQ(executor.invocations().size(), 2u);
}

TEST(RunCells, VariantsOfOneCellAreRunSeparatelyAndMergedIntoOneResult) {
  PlannedCell cell;
  cell.key = CellKey{"m", "3.12.1", "isolated", "teardown"};
  cell.context = fake_context();
  for (const char* v : {"lifo", "fifo", "middle", "finalize"}) cell.runs.push_back({v});

  FakeExecutor executor([](const HostInvocation& inv) {
    HostRun run;
    run.started = true;
    run.duration_ms = 5;
    if (arg_after(inv.args, "--variant") == "fifo") {
      run.signaled = true;
      run.signal = SIGABRT;
    } else {
      run.protocol = encode_verdict(make_verdict(Outcome::pass, "ok"));
    }
    return run;
  });
  const auto results = run_all({cell}, executor, 4, nullptr);

  ASSERT_EQ(results.size(), 1u);
  // The crash makes the whole cell (all four variants) run kRunsOfUnstableCell times.
  EXPECT_EQ(executor.invocations().size(), 4u * kRunsOfUnstableCell);
  const CellResult& r = results[0];
  EXPECT_EQ(r.outcome, Outcome::crash);
  EXPECT_THAT(r.summary, HasSubstr("fifo"));
  EXPECT_THAT(r.summary, HasSubstr("SIGABRT"));
  ASSERT_TRUE(r.details.contains("variants"));
  EXPECT_EQ(r.details["variants"].size(), 4u);
  for (const char* v : {"lifo", "middle", "finalize"}) EXPECT_EQ(r.details["variants"][v]["outcome"], "pass") << v;
  EXPECT_EQ(r.details["variants"]["fifo"]["outcome"], "crash");
  // The cell took as long as its runs together.
  EXPECT_DOUBLE_EQ(r.duration_ms, 20 * kRunsOfUnstableCell);
}

TEST(RunCells, HostHintIsAddedToTheCellSummaryOnceEvenWhenSeveralVariantsCrash) {
  PlannedCell cell;
  cell.key = CellKey{"m", "3.12.1", "legacy", "teardown"};
  cell.context = fake_context();
  for (const char* v : {"lifo", "fifo", "middle"}) cell.runs.push_back({v});
  FakeExecutor executor([](const HostInvocation& inv) {
    HostRun run;
    run.started = true;
    if (arg_after(inv.args, "--variant") == "middle") {
      run.protocol = encode_verdict(make_verdict(Outcome::pass, "ok"));
    } else {
      run.protocol = encode_progress("destroy") + encode_hint("single-phase init on 3.12");
      run.signaled = true;
      run.signal = SIGSEGV;
    }
    return run;
  });
  const auto results = run_all({cell}, executor, 2, nullptr);
  ASSERT_EQ(results.size(), 1u);
  const std::string& summary = results[0].summary;
  EXPECT_EQ(results[0].outcome, Outcome::crash);
  const std::string hint = "(single-phase init on 3.12)";
  ASSERT_NE(summary.find(hint), std::string::npos) << summary;
  EXPECT_EQ(summary.find(hint), summary.rfind(hint)) << summary;
  // Both crashing variants said the same thing, so they share one group.
  EXPECT_THAT(summary, HasSubstr("lifo, fifo: "));
}

TEST(RunCells, HostHintIsAddedToASingleRunCrash) {
  FakeExecutor executor([](const HostInvocation&) {
    HostRun run;
    run.started = true;
    run.protocol = encode_hint("why");
    run.signaled = true;
    run.signal = SIGABRT;
    return run;
  });
  const auto results = run_all({planned_cell("m", "import", "isolated")}, executor, 1, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0].summary, HasSubstr("SIGABRT"));
  EXPECT_THAT(results[0].summary, ::testing::EndsWith(" (why)"));
}

std::vector<PlannedCell> many_cells(int n) {
  std::vector<PlannedCell> cells;
  for (int i = 0; i < n; ++i) cells.push_back(planned_cell("ok" + std::to_string(i), "import", "main"));
  return cells;
}

HostRun pass_run(const HostInvocation&) { return finished_with(make_verdict(Outcome::pass, "fine")); }

TEST(RunCells, OneJobRunsOneHostAtATime) {
  FakeExecutor executor(pass_run, 5ms);
  const auto results = run_all(many_cells(6), executor, 1, nullptr);
  EXPECT_EQ(results.size(), 6u);
  EXPECT_EQ(executor.max_in_flight(), 1);
}

TEST(RunCells, TwoJobsRunTwoHostsAtOnceButNeverMore) {
  FakeExecutor executor(pass_run, 30ms);
  const auto results = run_all(many_cells(8), executor, 2, nullptr);
  EXPECT_EQ(results.size(), 8u);
  EXPECT_EQ(executor.max_in_flight(), 2);
}

TEST(RunCells, NeverMoreHostsThanJobs) {
  FakeExecutor executor(pass_run, 10ms);
  const auto results = run_all(many_cells(20), executor, 3, nullptr);
  EXPECT_EQ(results.size(), 20u);
  EXPECT_LE(executor.max_in_flight(), 3);
  EXPECT_GE(executor.max_in_flight(), 2);
}

TEST(RunCells, VariantsOfOneCellAlsoRunInParallel) {
  PlannedCell cell;
  cell.key = CellKey{"m", "3.12.1", "legacy", "teardown"};
  cell.context = fake_context();
  for (const char* v : {"lifo", "fifo", "middle", "finalize"}) cell.runs.push_back({v});
  FakeExecutor executor(pass_run, 30ms);
  const auto results = run_all({cell}, executor, 4, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_GE(executor.max_in_flight(), 2);
  EXPECT_LE(executor.max_in_flight(), 4);
}

TEST(RunCells, NonPositiveJobsStillRunsEveryCell) {
  FakeExecutor executor(pass_run);
  EXPECT_EQ(run_all(many_cells(3), executor, 0, nullptr).size(), 3u);
  EXPECT_EQ(executor.max_in_flight(), 1);
}

TEST(RunCells, OnDoneIsCalledOncePerCellCountingOneToTotal) {
  std::vector<PlannedCell> cells = many_cells(7);
  PlannedCell preset;
  preset.key = CellKey{"gone", "3.12.1", "main", "import"};
  preset.preset = make_verdict(Outcome::error, "missing");
  cells.push_back(preset);
  cells.push_back(planned_cell("segv", "import", "main"));

  FakeExecutor executor(behave_by_module_name, 2ms);
  std::mutex mutex;
  std::vector<size_t> dones;
  std::vector<size_t> totals;
  std::vector<CellKey> reported;
  std::atomic<int> concurrent_callbacks{0};
  std::atomic<int> max_concurrent_callbacks{0};
  const auto results = run_all(cells, executor, 3, [&](const CellResult& r, size_t done, size_t total) {
    const int now = ++concurrent_callbacks;
    max_concurrent_callbacks = std::max(max_concurrent_callbacks.load(), now);
    std::this_thread::sleep_for(1ms);
    {
      std::lock_guard lock(mutex);
      dones.push_back(done);
      totals.push_back(total);
      reported.push_back(r.key);
    }
    --concurrent_callbacks;
  });

  std::vector<size_t> expected_dones(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) expected_dones[i] = i + 1;
  EXPECT_EQ(dones, expected_dones);
  EXPECT_EQ(totals, std::vector<size_t>(cells.size(), cells.size()));
  EXPECT_EQ(std::set<CellKey>(reported.begin(), reported.end()), keys_of(cells));
  EXPECT_EQ(reported.size(), cells.size());
  EXPECT_EQ(max_concurrent_callbacks.load(), 1) << "on_done must be serialised";
  EXPECT_EQ(results.size(), cells.size());
}

TEST(RunCells, NoCellsNoResultsNoCallbacks) {
  FakeExecutor executor(pass_run);
  int callbacks = 0;
  EXPECT_TRUE(run_all({}, executor, 4, [&](const CellResult&, size_t, size_t) { ++callbacks; }).empty());
  EXPECT_EQ(callbacks, 0);
  EXPECT_TRUE(executor.invocations().empty());
}

TEST(RunCells, NoHostStartsOnceAStopIsRequestedAndUnstartedCellsHaveNoResult) {
  std::atomic<int> runs{0};
  FakeExecutor executor([&](const HostInvocation&) {
    ++runs;
    return finished_with(make_verdict(Outcome::pass, "ok"));
  });
  std::vector<PlannedCell> cells;
  for (const char* m : {"a", "b", "c", "d"}) cells.push_back(planned_cell(m, "import", "isolated"));
  const auto results = run_all(cells, executor, 1, nullptr, in_process_symbolizer(), [&] { return runs >= 2; });
  EXPECT_EQ(runs.load(), 2);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].key.module, "a");
  EXPECT_EQ(results[1].key.module, "b");
}

TEST(RunCells, AHostKilledByTheInterruptLeavesItsCellOut) {
  FakeExecutor executor([](const HostInvocation& inv) {
    if (arg_after(inv.args, "--module") != "interrupted") return finished_with(make_verdict(Outcome::pass, "ok"));
    HostRun run;
    run.started = true;
    run.interrupted = true;
    run.signaled = true;
    run.signal = SIGKILL;
    return run;
  });
  const auto results = run_all({planned_cell("ok", "import", "main"), planned_cell("interrupted", "import", "main")},
                                 executor, 1, nullptr);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].key.module, "ok");
}

}  // namespace
}  // namespace isocheck
