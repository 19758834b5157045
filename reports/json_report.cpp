#include "reports/json_report.h"
#include "reports/report_text.h"

#include <fmt/format.h>

#include <cmath>
#include <ostream>

namespace isocheck {

using nlohmann::ordered_json;

namespace {

ordered_json cell_to_json(const CellResult& c, bool baseline_given) {
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
  if (baseline_given) {
    cell["baseline"] = c.baseline ? ordered_json(std::string(to_string(*c.baseline))) : ordered_json(nullptr);
  }
  return cell;
}

// Everything of the report but its cells, which are `cells`.
ordered_json report_frame(const RunReport& report, ordered_json cells) {
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
  j["cells"] = std::move(cells);
  ordered_json totals = ordered_json::object();
  for (Outcome o : kAllOutcomes) totals[std::string(to_string(o))] = report.count(o);
  j["totals"] = std::move(totals);
  if (report.incomplete > 0) j["incomplete"] = report.incomplete;
  return j;
}

// Invalid UTF-8 in a module's output tail must not make the report unwritable: U+FFFD instead.
std::string dump(const ordered_json& j) { return j.dump(2, ' ', false, ordered_json::error_handler_t::replace); }

}  // namespace

ordered_json report_to_json(const RunReport& report) {
  ordered_json cells = ordered_json::array();
  for (const CellResult& c : report.cells) cells.push_back(cell_to_json(c, report.baseline_given));
  return report_frame(report, std::move(cells));
}

void write_json_report(const RunReport& report, std::ostream& out) {
  // The frame is dumped with a placeholder for the cells, which are then dumped one at a time
  // at the indentation the whole document would give them: the same text as dumping
  // report_to_json() (JSON strings hold no raw newline, so re-indenting by line is exact).
  static constexpr std::string_view kPlaceholder = "isocheck: the cells go here";
  const std::string frame = dump(report_frame(report, std::string(kPlaceholder)));
  const std::string marker = fmt::format("\"cells\": \"{}\"", kPlaceholder);
  const size_t at = frame.find(marker);
  out << std::string_view(frame).substr(0, at) << "\"cells\": ";
  if (report.cells.empty()) {
    out << "[]";
  } else {
    out << "[\n";
    size_t written = 0;
    for (const CellResult& c : report.cells) {
      const std::string text = dump(cell_to_json(c, report.baseline_given));
      out << "    ";
      for (char ch : text) {
        out << ch;
        if (ch == '\n') out << "    ";
      }
      out << (++written == report.cells.size() ? "\n" : ",\n");
    }
    out << "  ]";
  }
  out << std::string_view(frame).substr(at + marker.size()) << "\n";
}

std::string report_to_json_text(const RunReport& report) { return render_to_string(write_json_report, report); }

}  // namespace isocheck
