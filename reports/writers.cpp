#include "reports/writers.h"

#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/usage_error.h"
#include "reports/badge.h"
#include "reports/github_annotations.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"

namespace isocheck {

namespace {

struct FileReport {
  const char* option;
  const std::optional<std::filesystem::path>* path;
  std::string (*render)(const RunReport&);
};

std::string badge_svg_text(const RunReport& report) { return render_badge_svg(badge_for(report)); }
std::string badge_json_text(const RunReport& report) { return render_badge_json(badge_for(report)); }

std::vector<FileReport> file_reports(const ReportOutputs& o) {
  return {{"--json", &o.json, json_report_text},          {"--junit", &o.junit, render_junit},
          {"--markdown", &o.markdown, render_markdown},   {"--html", &o.html, render_html},
          {"--badge", &o.badge_svg, badge_svg_text},      {"--badge-json", &o.badge_json, badge_json_text}};
}

}  // namespace

std::string json_report_text(const RunReport& report) {
  // Invalid UTF-8 from the module under test becomes U+FFFD instead of throwing.
  return report_to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void check_report_destinations(const ReportOutputs& outputs) {
  for (const FileReport& r : file_reports(outputs)) {
    if (*r.path) check_writable_destination(**r.path, r.option);
  }
}

void write_reports(const RunReport& report, const ReportOutputs& outputs, std::ostream& out) {
  std::string first_failure;
  for (const FileReport& r : file_reports(outputs)) {
    if (!*r.path) continue;
    try {
      write_file_atomically(**r.path, r.render(report));
    } catch (const std::runtime_error& e) {
      if (first_failure.empty()) first_failure = e.what();  // checked before the run; it changed since
    }
  }
  if (outputs.github_annotations) out << render_github_annotations(report) << std::flush;
  if (!first_failure.empty()) throw UsageError(first_failure);
}

}  // namespace isocheck
