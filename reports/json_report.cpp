#include "reports/json_report.h"

namespace isocheck {

using nlohmann::ordered_json;

ordered_json report_to_json(const RunReport& report) {
  ordered_json j;
  j["schema"] = kReportSchema;
  j["tool"] = {{"name", "isocheck"}, {"version", report.tool_version}};
  j["created"] = report.created;
  ordered_json pythons = ordered_json::array();
  for (const PythonTarget& p : report.pythons) {
    pythons.push_back({{"version", p.version}, {"executable", p.executable}, {"debug_build", p.debug_build}});
  }
  j["pythons"] = std::move(pythons);
  j["modules"] = report.modules;
  ordered_json cells = ordered_json::array();
  for (const CellResult& c : report.cells) {
    ordered_json cell = {{"module", c.key.module},
                         {"python", c.key.python},
                         {"config", c.key.config},
                         {"check", c.key.check},
                         {"outcome", std::string(to_string(c.outcome))},
                         {"summary", c.summary},
                         {"details", c.details},
                         {"metrics", c.metrics},
                         {"duration_ms", std::round(c.duration_ms * 10) / 10},
                         {"repro", c.repro}};
    // Additive to isocheck-report/1: present only when the run had a --baseline; null for a
    // cell the baseline did not know.
    if (report.baseline_given) {
      cell["baseline"] = c.baseline ? ordered_json(std::string(to_string(*c.baseline))) : ordered_json(nullptr);
    }
    cells.push_back(std::move(cell));
  }
  j["cells"] = std::move(cells);
  ordered_json totals = ordered_json::object();
  for (Outcome o : kAllOutcomes) totals[std::string(to_string(o))] = report.count(o);
  j["totals"] = std::move(totals);
  if (report.incomplete > 0) j["incomplete"] = report.incomplete;
  return j;
}

std::string report_to_json_text(const RunReport& report) {
  // Invalid UTF-8 in a module's output tail must not make the report unwritable.
  return report_to_json(report).dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace isocheck
