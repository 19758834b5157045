// `isocheck merge A.json B.json ...`: one report from the reports of several runs, typically
// the --shard I/N runs of one CI matrix (docs/ci.md).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/config.h"
#include "model/model.h"
#include "reports/writers.h"

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

struct MergeRequest {
  std::vector<std::string> inputs;  // report files
  ReportOutputs reports;            // --json, --junit, --markdown, --html, --badge, --badge-json
  std::vector<Config> required;     // --require, for the merged gate
  bool color = false;
};

// `isocheck merge`: reads every input (UsageError naming a bad file), merges, prints the
// matrix, writes the requested reports, and returns the gate status of the merged report.
int merge_command(const MergeRequest& request, std::ostream& out);

}  // namespace isocheck
