#include "core/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/usage_error.h"

namespace isocheck {

RunReport merge_reports(const std::vector<NamedReport>& inputs) {
  if (inputs.empty()) throw UsageError("merge: name at least one report");
  RunReport merged;
  merged.tool_version = inputs.front().report.tool_version;
  std::map<CellKey, std::string> cell_source;  // where each merged cell came from
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
      const auto [it, inserted] = cell_source.emplace(c.key, input.file);
      if (inserted) {
        merged.cells.push_back(c);
        continue;
      }
      const auto same = std::find_if(merged.cells.begin(), merged.cells.end(),
                                     [&](const CellResult& m) { return m.key == c.key; });
      if (same->outcome != c.outcome) {
        throw UsageError(fmt::format("merge: cell {}:{}:{}:{} is {} in {} but {} in {}", c.key.module, c.key.python,
                                     c.key.config, c.key.check, to_string(same->outcome), it->second,
                                     to_string(c.outcome), input.file));
      }
    }
  }
  std::stable_sort(merged.pythons.begin(), merged.pythons.end(),
                   [](const PythonTarget& a, const PythonTarget& b) { return version_less(a.version, b.version); });
  merged.finish();
  return merged;
}

}  // namespace isocheck
