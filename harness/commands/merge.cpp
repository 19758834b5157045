#include "commands/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>

#include "protocol/atomic_file.h"
#include "commands/baseline.h"
#include "commands/gate.h"
#include "commands/run_command.h"
#include "protocol/usage_error.h"
#include "reports/json_report_reader.h"
#include "reports/terminal_report.h"

namespace isocheck {

RunReport merge_reports(const std::vector<NamedReport>& inputs) {
  if (inputs.empty()) throw UsageError("merge: name at least one report");
  RunReport merged;
  merged.tool_version = inputs.front().report.tool_version;
  struct Source {
    std::string file;  // where the merged cell came from
    Outcome outcome;
  };
  std::map<CellKey, Source> cell_source;
  for (const NamedReport& input : inputs) {
    const RunReport& r = input.report;
    for (const PythonTarget& p : r.pythons) {
      const bool known = std::any_of(merged.pythons.begin(), merged.pythons.end(),
                                     [&](const PythonTarget& q) { return q.version == p.version; });
      if (!known) merged.pythons.push_back(p);
    }
    for (const std::string& m : r.modules) {
      if (std::find(merged.modules.begin(), merged.modules.end(), m) == merged.modules.end()) merged.modules.push_back(m);
    }
    merged.incomplete += r.incomplete;
    merged.baseline_given = merged.baseline_given || r.baseline_given;
    for (const CellResult& c : r.cells) {
      const auto [it, inserted] = cell_source.emplace(c.key, Source{input.file, c.outcome});
      if (inserted) {
        merged.cells.push_back(c);
        continue;
      }
      if (it->second.outcome != c.outcome) {
        throw UsageError(fmt::format("merge: cell {}:{}:{}:{} is {} in {} but {} in {}", c.key.module, c.key.python,
                                     c.key.config, c.key.check, to_string(it->second.outcome), it->second.file,
                                     to_string(c.outcome), input.file));
      }
    }
  }
  std::stable_sort(merged.pythons.begin(), merged.pythons.end(),
                   [](const PythonTarget& a, const PythonTarget& b) { return version_less(a.version, b.version); });
  merged.finish();
  return merged;
}

int merge_command(const MergeRequest& request, std::ostream& out) {
  check_report_destinations(request.reports);
  std::vector<NamedReport> inputs;
  for (const std::string& file : request.inputs) inputs.push_back({file, read_report_file(file)});
  RunReport merged = merge_reports(inputs);
  merged.created = utc_timestamp();
  out << render_terminal(merged, request.color);
  if (merged.baseline_given) out << render_baseline_notes(merged, request.required, "isocheck baseline write FILE --from MERGED.json");
  out << std::flush;
  write_reports(merged, request.reports, out);
  return gate_exit_code(merged, request.required);
}

}  // namespace isocheck
