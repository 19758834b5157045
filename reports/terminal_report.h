// Terminal matrix: one table per module (rows: checks; columns: python x config), then the
// failures, crashes, timeouts and errors with their summaries and repro commands, then totals.
// Colour only when asked (the driver asks when stdout is a terminal).
#pragma once

#include <string>

#include "model/model.h"

namespace isocheck {

std::string render_terminal(const RunReport& report, bool color);

// The survey's compact form: one row per module, columns python x config, each the worst
// outcome over all checks; then every cell that fails the gate on one line; then totals.
std::string render_survey(const RunReport& report, bool color);

// One line: "48 cells: 40 pass, 4 fail, 2 crash, 2 unsupported".
std::string totals_line(const RunReport& report);

}  // namespace isocheck
