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
    cells.push_back({{"module", c.key.module},
                     {"python", c.key.python},
                     {"config", c.key.config},
                     {"check", c.key.check},
                     {"outcome", std::string(to_string(c.outcome))},
                     {"summary", c.summary},
                     {"details", c.details},
                     {"metrics", c.metrics},
                     {"duration_ms", std::round(c.duration_ms * 10) / 10},
                     {"repro", c.repro}});
  }
  j["cells"] = std::move(cells);
  ordered_json totals = ordered_json::object();
  for (Outcome o : kAllOutcomes) totals[std::string(to_string(o))] = report.count(o);
  j["totals"] = std::move(totals);
  if (report.incomplete > 0) j["incomplete"] = report.incomplete;
  return j;
}

}  // namespace isocheck
