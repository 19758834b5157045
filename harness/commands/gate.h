// The CI gate (spec/cli.md): exit 1 when any cell is fail/crash/timeout/error, or
// `unsupported` in a config named by --require; 0 otherwise. A cell whose outcome equals its
// --baseline outcome (CellResult::baseline) never fails: only changes from the baseline do.
#pragma once

#include <string>
#include <vector>

#include "protocol/config.h"
#include "model/model.h"

namespace isocheck {

// The rule without the baseline: would `outcome` in `config` fail the gate?
bool outcome_fails_gate(Outcome outcome, const std::string& config, const std::vector<Config>& required);
bool cell_fails_gate(const CellEntry& cell, const std::vector<Config>& required);
int gate_exit_code(const RunReport& report, const std::vector<Config>& required);

}  // namespace isocheck
