#include "core/gate.h"

#include <algorithm>

#include "core/usage_error.h"

namespace isocheck {

bool cell_fails_gate(const CellResult& cell, const std::vector<Config>& required) {
  if (fails_gate(cell.outcome)) return true;
  if (cell.outcome != Outcome::unsupported) return false;
  return std::any_of(required.begin(), required.end(), [&](Config c) { return to_string(c) == cell.key.config; });
}

int gate_exit_code(const RunReport& report, const std::vector<Config>& required) {
  const bool failed = std::any_of(report.cells.begin(), report.cells.end(),
                                  [&](const CellResult& c) { return cell_fails_gate(c, required); });
  return failed || report.incomplete > 0 ? kExitGateFailed : kExitGatePassed;
}

}  // namespace isocheck
