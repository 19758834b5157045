// The one place that writes the reports a command asked for, shared by `run` (and the coming
// `survey` and `merge`): check every destination before any cell runs, then write each file
// atomically from the finished RunReport (protocol/atomic_file.h) and print GitHub annotations.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>

#include "model/model.h"

namespace isocheck {

struct ReportOutputs {
  std::optional<std::filesystem::path> json;        // --json
  std::optional<std::filesystem::path> junit;       // --junit
  std::optional<std::filesystem::path> markdown;    // --markdown
  std::optional<std::filesystem::path> html;        // --html
  std::optional<std::filesystem::path> badge_svg;   // --badge
  std::optional<std::filesystem::path> badge_json;  // --badge-json
  bool github_annotations = false;                  // GITHUB_ACTIONS=true
};

// Throws UsageError naming the option when a destination's directory is missing or not
// writable, or the destination is a directory.
void check_report_destinations(const ReportOutputs& outputs);

// Writes every requested file (each whole or not at all) and, when asked, prints the GitHub
// annotations to `out`. Tries every file; throws UsageError with the first failure.
void write_reports(const RunReport& report, const ReportOutputs& outputs, std::ostream& out);

}  // namespace isocheck
