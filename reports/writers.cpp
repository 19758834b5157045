#include "reports/writers.h"

#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocol/atomic_file.h"
#include "protocol/usage_error.h"
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
  void (*write)(const RunReport&, std::ostream&);
};

void write_badge_svg(const RunReport& report, std::ostream& out) { out << render_badge_svg(badge_for(report)); }
void write_badge_json(const RunReport& report, std::ostream& out) { out << render_badge_json(badge_for(report)); }

std::vector<FileReport> file_reports(const ReportOutputs& o) {
  return {{"--json", &o.json, write_json_report},         {"--junit", &o.junit, write_junit},
          {"--markdown", &o.markdown, write_markdown},    {"--html", &o.html, write_html},
          {"--badge", &o.badge_svg, write_badge_svg},     {"--badge-json", &o.badge_json, write_badge_json}};
}

}  // namespace

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
      write_file_atomically(**r.path, [&](std::ostream& out) { r.write(report, out); });
    } catch (const std::runtime_error& e) {
      if (first_failure.empty()) first_failure = e.what();  // checked before the run; it changed since
    }
  }
  if (outputs.github_annotations) out << render_github_annotations(report) << std::flush;
  if (!first_failure.empty()) throw UsageError(first_failure);
}

}  // namespace isocheck
