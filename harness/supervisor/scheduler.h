// Runs planned cells on up to `jobs` host processes at once. Every planned cell yields exactly
// one CellResult, whatever its hosts did (no cell is ever lost; spec/checks.md) -- unless the
// run is interrupted: once `stop_requested` returns true no further host starts, and a cell
// with a host that was interrupted or never ran has no result (the caller counts it as
// incomplete, spec/report.md).
#pragma once

#include <functional>
#include <vector>

#include "protocol/executor.h"
#include "supervisor/forensics.h"
#include "model/model.h"
#include "supervisor/plan.h"

namespace isocheck {

// Called (serialised) as each cell completes, with how many are done out of how many. The
// result is handed over, not kept: the caller decides where it lives (a spooled CellStore in a
// real run, so that memory does not grow with the cells; issue #6).
using CellDone = std::function<void(CellResult result, size_t done, size_t total)>;

// Returns how many cells completed (all of them unless the run was stopped).
size_t run_cells(const std::vector<PlannedCell>& cells, HostExecutor& executor, int jobs, const CellDone& on_done,
                 const Symbolizer& symbolizer = in_process_symbolizer(),
                 const std::function<bool()>& stop_requested = {});

}  // namespace isocheck
