#include "supervisor/scheduler.h"

#include <deque>
#include <mutex>
#include <thread>

#include "supervisor/classify.h"
#include "supervisor/culprit.h"
#include "model/rerun.h"

namespace isocheck {

namespace {

CellResult make_result(const PlannedCell& cell, const HostVerdict& verdict, double duration_ms) {
  CellResult r;
  r.key = cell.key;
  r.outcome = verdict.outcome;
  r.summary = verdict.summary;
  r.details = verdict.details;
  r.metrics = verdict.metrics;
  r.duration_ms = duration_ms;
  r.repro = repro_of(cell);
  return r;
}

}  // namespace

size_t run_cells(const std::vector<PlannedCell>& cells, HostExecutor& executor, int jobs, const CellDone& on_done,
                 const Symbolizer& symbolizer, const std::function<bool()>& stop_requested) {
  // Flattened to individual host runs so that a many-variant cell keeps every worker busy. A
  // cell that deserves reruns (model/rerun.h) puts its runs back at the front of the queue, so
  // they go on beside the rest of the plan and its result is not held back to the end.
  struct Job {
    size_t cell;
    size_t run;
  };
  std::deque<Job> queue;
  std::vector<std::vector<std::pair<std::string, HostVerdict>>> verdicts(cells.size());
  std::vector<std::vector<HostVerdict>> earlier_runs(cells.size());  // cells being rerun
  std::vector<double> durations(cells.size(), 0.0);
  std::vector<size_t> remaining(cells.size());
  for (size_t c = 0; c < cells.size(); ++c) {
    remaining[c] = cells[c].runs.size();
    for (size_t r = 0; r < cells[c].runs.size(); ++r) queue.push_back({c, r});
  }

  size_t completed = 0;
  std::mutex mutex;
  // Called with `mutex` held when all runs of one attempt at cell `c` are in: reports the cell,
  // or queues another attempt.
  auto complete = [&](size_t c) {
    HostVerdict verdict = cells[c].preset ? *cells[c].preset : merge_variants(verdicts[c]);
    std::vector<std::pair<std::string, HostVerdict>>().swap(verdicts[c]);  // the result carries it now
    std::vector<HostVerdict>& earlier = earlier_runs[c];
    const bool rerunning = !earlier.empty();
    if (!cells[c].preset && earlier.size() + 1 < kRunsOfUnstableCell &&
        (rerunning || deserves_rerun(cells[c].key.check, verdict.outcome))) {
      earlier.push_back(std::move(verdict));
      remaining[c] = cells[c].runs.size();
      for (size_t r = cells[c].runs.size(); r-- > 0;) queue.push_front({c, r});
      return;
    }
    if (rerunning) {
      earlier.push_back(std::move(verdict));
      verdict = combine_runs(earlier);
      std::vector<HostVerdict>().swap(earlier);
    }
    append_hint(verdict);
    ++completed;
    if (on_done) on_done(make_result(cells[c], verdict, durations[c]), completed, cells.size());
  };
  {
    std::lock_guard lock(mutex);
    for (size_t c = 0; c < cells.size(); ++c) {
      if (cells[c].runs.empty()) complete(c);
    }
  }

  const size_t planned_runs = queue.size();
  auto worker = [&] {
    while (true) {
      Job job{};
      {
        std::lock_guard lock(mutex);
        if (queue.empty()) return;
        job = queue.front();
        queue.pop_front();
      }
      if (stop_requested && stop_requested()) return;
      const PlannedCell& cell = cells[job.cell];
      const PlannedRun& planned = cell.runs[job.run];
      const HostInvocation invocation = host_invocation(cell, planned);
      const HostRun run = executor.run(invocation);
      if (run.interrupted) return;  // its cell stays incomplete
      HostVerdict verdict = classify_run(run, invocation.timeout, symbolizer);
      attribute_crash(verdict, module_arg_of(cell));
      std::lock_guard lock(mutex);
      auto& slots = verdicts[job.cell];  // made when the cell's first run ends, freed with it
      slots.resize(cell.runs.size());
      slots[job.run] = {std::string(planned.variant), std::move(verdict)};
      durations[job.cell] += run.duration_ms;
      if (--remaining[job.cell] == 0) complete(job.cell);
    }
  };
  // A worker that finds the queue empty ends; the one whose cell is rerun pops the reruns it
  // queued itself, so no queued run is ever left behind.
  const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(planned_runs)));
  std::vector<std::jthread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  pool.clear();  // joins
  return completed;
}

}  // namespace isocheck
