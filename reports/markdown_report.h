// Markdown report (spec/report.md): per module, the matrix with one symbol per outcome and a
// legend, then the findings (fail, crash, timeout, error, warn) with their summaries. GitHub
// Flavored Markdown, sized for a pull-request comment or $GITHUB_STEP_SUMMARY (1 MiB per step):
// long summaries are cut, and at most kMaxMarkdownFindings findings are listed.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "model/model.h"
#include "reports/report_text.h"

namespace isocheck {

inline constexpr size_t kMaxMarkdownFindings = 200;

void write_markdown(const RunReport& report, std::ostream& out);  // one module in memory at a time
std::string render_markdown(const RunReport& report);

// The matrix symbol of an outcome, e.g. "💥" for crash.
std::string_view markdown_symbol(Outcome outcome);

// `text` as one line of inert Markdown: visible control characters, newlines shown as "⏎",
// HTML and Markdown syntax escaped (so `|` cannot end a table cell), cut to `max_bytes`.
std::string markdown_inline(std::string_view text, size_t max_bytes);

}  // namespace isocheck
