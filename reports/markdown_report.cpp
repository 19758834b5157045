#include "reports/markdown_report.h"

#include <fmt/format.h>

#include <ostream>

#include "reports/matrix.h"
#include "reports/report_text.h"
#include "reports/terminal_report.h"

namespace isocheck {

namespace {

constexpr size_t kMaxSummaryBytes = 400;
constexpr size_t kMaxNameBytes = 200;

std::string heading_name(const std::string& module) { return markdown_inline(module, kMaxNameBytes); }

void write_module(std::ostream& out, const RunReport& report, const std::string& module, size_t& findings_left,
                   int& findings_cut) {
  const ModuleMatrix m = module_matrix(report, module);
  out << fmt::format("### {}\n\n", heading_name(module));
  if (m.cells.empty()) {
    out << "No cells ran for this module.\n\n";
    return;
  }
  std::string header = "| check |";
  std::string rule = "|---|";
  for (const MatrixColumn& col : m.columns) {
    header += fmt::format(" {} {} |", markdown_inline(col.python, kMaxNameBytes), col.config);
    rule += ":---:|";
  }
  out << header + "\n" + rule + "\n";
  for (const std::string& check : m.checks) {
    out << fmt::format("| {} |", check);
    for (const MatrixColumn& col : m.columns) {
      const CellResult* c = m.at(check, col);
      out << fmt::format(" {} |", c ? markdown_symbol(c->outcome) : "·");
    }
    out << "\n";
  }
  out << "\n";
  bool any = false;
  for (const CellResult& c : m.cells) {
    if (!is_finding(c.outcome)) continue;
    if (findings_left == 0) {
      ++findings_cut;
      continue;
    }
    --findings_left;
    if (!any) out << "Findings:\n\n";
    any = true;
    out << fmt::format("- {} **{}** {}: {}\n", markdown_symbol(c.outcome), to_string(c.outcome),
                       markdown_inline(cell_label(c.key), kMaxNameBytes), markdown_inline(c.summary, kMaxSummaryBytes));
  }
  if (any) out << "\n";
}

}  // namespace

std::string_view markdown_symbol(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "✅";
    case Outcome::fail: return "❌";
    case Outcome::warn: return "⚠️";
    case Outcome::unsupported: return "🚫";
    case Outcome::crash: return "💥";
    case Outcome::timeout: return "⏱️";
    case Outcome::skip: return "⏭️";
    case Outcome::error: return "❗";
  }
  return "?";
}

std::string markdown_inline(std::string_view text, size_t max_bytes) {
  const std::string visible = shorten(visible_text(text), max_bytes);
  std::string out;
  out.reserve(visible.size());
  for (char c : visible) {
    switch (c) {
      case '\n': out += " ⏎ "; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      // ASCII punctuation that starts Markdown syntax, backslash-escaped (CommonMark 2.4):
      // emphasis, code, links and images ([ ] escaped, so "(...)" never becomes a link
      // target), strikethrough, math, mentions; `|` escaped ends no table cell in GFM.
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#':
      case '!': case '~': case '$': case '@':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

void write_markdown(const RunReport& report, std::ostream& out) {
  out << "## isocheck: subinterpreter conformance\n\n";
  out << markdown_inline(totals_line(report), kMaxSummaryBytes) + "\n\n";
  size_t findings_left = kMaxMarkdownFindings;
  int findings_cut = 0;
  for (const std::string& module : report.modules) write_module(out, report, module, findings_left, findings_cut);
  if (findings_cut > 0) {
    out << fmt::format("{} more finding(s) not listed here; the JSON or HTML report has every cell.\n\n", findings_cut);
  }
  out << "Legend:";
  for (Outcome o : kAllOutcomes) out << fmt::format(" {} {},", markdown_symbol(o), to_string(o));
  out << " · the check does not run in that config.\n";
}

std::string render_markdown(const RunReport& report) { return render_to_string(write_markdown, report); }

}  // namespace isocheck
