// The CI gate (spec/cli.md): exit 1 when any cell is fail/crash/timeout/error, or
// `unsupported` in a config named by --require; 0 otherwise.
#pragma once

#include <vector>

#include "core/config.h"
#include "core/model.h"

namespace isocheck {

bool cell_fails_gate(const CellResult& cell, const std::vector<Config>& required);
int gate_exit_code(const RunReport& report, const std::vector<Config>& required);

}  // namespace isocheck
