// Stable verdicts for cells whose outcome may depend on timing (#13): such a cell is run again,
// a bounded number of times, before it is reported; the report keeps its worst outcome and says
// in how many of the runs that outcome happened ("crash in 2 of 3 runs"), so that a gate does
// not flip between two runs of the same code and a baseline can tell a flaky cell from a new one.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "protocol/host_protocol.h"

namespace isocheck {

// How many times in all a cell that deserves reruns is run.
inline constexpr size_t kRunsOfUnstableCell = 3;

// Whether a cell with this first outcome is run again: a crash in any check (a crash can
// depend on thread timing or on what the allocator reused, as 3.13.0's _zoneinfo `concurrent`
// crashed in about half of the runs), and a failure in a check whose outcome itself depends on
// timing (CheckInfo::timing_dependent: `concurrent`). A timeout is not rerun: it costs a whole
// --timeout each time, and the hang is reported with the step it hung in.
bool deserves_rerun(std::string_view check, Outcome first_outcome);

// One verdict for all the runs of one cell: the worst run's verdict, with details["runs"]
// ({"total": n, "pass": k1, "crash": k2, ...}) and " (crash in k of n runs)" after its summary.
// `runs` is in run order and not empty. With --keep-core, the core files of the runs not
// reported are deleted: a cell leaves the one core its report names (details.core_file).
HostVerdict combine_runs(const std::vector<HostVerdict>& runs);

// The outcomes a cell's runs had, from details["runs"] (just the cell's own outcome when it
// ran once), as a bit per Outcome (1 << int(outcome)).
unsigned observed_outcomes(Outcome outcome, const nlohmann::ordered_json& details);

}  // namespace isocheck
