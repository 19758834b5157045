#include "core/scheduler.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "core/classify.h"

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
  // Flatten to individual host runs so that a many-variant cell keeps every worker busy.
  struct Job {
    size_t cell;
    size_t run;
  };
  std::vector<Job> jobs_list;
  size_t runs = 0;
  for (const PlannedCell& c : cells) runs += c.runs.size();
  jobs_list.reserve(runs);
  std::vector<std::vector<std::pair<std::string, HostVerdict>>> verdicts(cells.size());
  std::vector<double> durations(cells.size(), 0.0);
  std::vector<size_t> remaining(cells.size());
  for (size_t c = 0; c < cells.size(); ++c) {
    remaining[c] = cells[c].runs.size();
    for (size_t r = 0; r < cells[c].runs.size(); ++r) jobs_list.push_back({c, r});
  }

  size_t completed = 0;
  std::mutex mutex;
  auto complete = [&](size_t c) {  // called with `mutex` held
    HostVerdict verdict = cells[c].preset ? *cells[c].preset : merge_variants(verdicts[c]);
    std::vector<std::pair<std::string, HostVerdict>>().swap(verdicts[c]);  // the result carries it now
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

  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j = next++; j < jobs_list.size(); j = next++) {
      if (stop_requested && stop_requested()) return;
      const PlannedCell& cell = cells[jobs_list[j].cell];
      const PlannedRun& planned = cell.runs[jobs_list[j].run];
      const HostInvocation invocation = host_invocation(cell, planned);
      const HostRun run = executor.run(invocation);
      if (run.interrupted) return;  // its cell stays incomplete
      HostVerdict verdict = classify_run(run, invocation.timeout, symbolizer);
      std::lock_guard lock(mutex);
      auto& slots = verdicts[jobs_list[j].cell];  // made when the cell's first run ends, freed with it
      slots.resize(cell.runs.size());
      slots[jobs_list[j].run] = {std::string(planned.variant), std::move(verdict)};
      durations[jobs_list[j].cell] += run.duration_ms;
      if (--remaining[jobs_list[j].cell] == 0) complete(jobs_list[j].cell);
    }
  };
  const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(jobs_list.size())));
  std::vector<std::jthread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  pool.clear();  // joins
  return completed;
}

}  // namespace isocheck
