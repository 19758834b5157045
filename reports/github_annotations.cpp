#include "reports/github_annotations.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "reports/report_text.h"

namespace isocheck {

namespace {

// Annotations are a pointer to the report, not the report: the full text is in JSON/HTML.
constexpr size_t kAnnotationMaxBytes = 2000;
constexpr size_t kMaxTitleBytes = 200;

std::string annotation(std::string_view command, const CellResult& c) {
  const std::string title = fmt::format("isocheck {}: {} {}", to_string(c.outcome), c.key.module, cell_label(c.key));
  std::string message = c.summary;
  if (!c.repro.empty() && (c.outcome == Outcome::crash || c.outcome == Outcome::timeout)) {
    message += "\nrepro: " + c.repro;
  }
  return fmt::format("::{} title={}::{}\n", command,
                     escape_annotation_property(shorten(visible_text(title, false), kMaxTitleBytes)),
                     escape_annotation_data(shorten(visible_text(message), kAnnotationMaxBytes)));
}

}  // namespace

std::string escape_annotation_data(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_annotation_property(std::string_view text) {
  std::string out;
  for (char c : escape_annotation_data(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

bool github_annotations_wanted(const char* github_actions_env) {
  return github_actions_env != nullptr && std::strcmp(github_actions_env, "true") == 0;
}

std::string render_github_annotations(const RunReport& report) {
  // Positions in the store: only the cells annotated are read back in full.
  const std::vector<CellEntry>& cells = report.cells.entries();
  std::vector<size_t> errors, warnings;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (fails_gate(cells[i].outcome)) errors.push_back(i);
    if (cells[i].outcome == Outcome::warn) warnings.push_back(i);
  }
  // Worst first, so the 10 that GitHub shows are the crashes and hangs; report order within.
  std::stable_sort(errors.begin(), errors.end(),
                   [&](size_t a, size_t b) { return severity(cells[a].outcome) > severity(cells[b].outcome); });
  std::string out;
  const size_t shown_errors = std::min<size_t>(errors.size(), kMaxAnnotationsPerKind);
  const size_t shown_warnings = std::min<size_t>(warnings.size(), kMaxAnnotationsPerKind);
  for (size_t i = 0; i < shown_errors; ++i) out += annotation("error", report.cells.at(errors[i]));
  for (size_t i = 0; i < shown_warnings; ++i) out += annotation("warning", report.cells.at(warnings[i]));
  const size_t left_out_errors = errors.size() - shown_errors, left_out_warnings = warnings.size() - shown_warnings;
  if (left_out_errors + left_out_warnings > 0) {
    out += fmt::format(
        "::notice title=isocheck::{} more error(s) and {} more warning(s) not annotated (GitHub shows 10 of each "
        "per step); the matrix above and the reports list every cell\n",
        left_out_errors, left_out_warnings);
  }
  return out;
}

}  // namespace isocheck
