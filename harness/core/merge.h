// `isocheck merge A.json B.json ...`: one report from the reports of several runs, typically
// the --shard I/N runs of one CI matrix (docs/ci.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/model.h"

namespace isocheck {

struct NamedReport {
  std::string file;  // for messages
  RunReport report;
};

// Cells of all inputs (a cell in several inputs must have one outcome: otherwise UsageError
// naming both files), pythons by version (numeric order) and modules in first-seen order,
// `incomplete` summed, tool version of the first input, cells in report order.
// `created` is left for the caller. Throws UsageError when `inputs` is empty.
RunReport merge_reports(const std::vector<NamedReport>& inputs);

}  // namespace isocheck
