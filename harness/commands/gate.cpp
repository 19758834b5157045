#include "commands/gate.h"

#include <algorithm>

#include "protocol/usage_error.h"

namespace isocheck {

bool outcome_fails_gate(Outcome outcome, const std::string& config, const std::vector<Config>& required) {
  if (fails_gate(outcome)) return true;
  if (outcome != Outcome::unsupported) return false;
  return std::any_of(required.begin(), required.end(), [&](Config c) { return to_string(c) == config; });
}

bool cell_fails_gate(const CellEntry& cell, const std::vector<Config>& required) {
  // --baseline: a bad outcome the baseline already had is known, visible but not failing.
  if (cell.baseline && *cell.baseline == cell.outcome) return false;
  return outcome_fails_gate(cell.outcome, cell.key.config, required);
}

int gate_exit_code(const RunReport& report, const std::vector<Config>& required) {
  const auto& cells = report.cells.entries();
  const bool failed =
      std::any_of(cells.begin(), cells.end(), [&](const CellEntry& c) { return cell_fails_gate(c, required); });
  return failed || report.incomplete > 0 ? kExitGateFailed : kExitGatePassed;
}

}  // namespace isocheck
