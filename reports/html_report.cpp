#include "reports/html_report.h"

#include <fmt/format.h>

#include "reports/matrix.h"
#include "reports/report_text.h"
#include "reports/terminal_report.h"

namespace isocheck {

namespace {

// Evidence is bounded (output tails are), but a module can still put a 1 MB line into a summary.
constexpr size_t kHtmlMaxBlockBytes = 64 * 1024;

std::string text(std::string_view raw, size_t max_bytes = kHtmlMaxBlockBytes) {
  return markup_escape(shorten(visible_text(raw), max_bytes));
}

// White text on the dark colours, black on the light ones (contrast >= 4.5:1 either way).
std::string_view text_colour(Outcome o) {
  switch (o) {
    case Outcome::warn:
    case Outcome::skip:
    case Outcome::timeout: return "#1f2328";
    default: return "#ffffff";
  }
}

std::string style() {
  std::string css = R"(body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.8rem 0 .5rem;font-family:ui-monospace,monospace}
.meta{color:#59636e;margin:.2rem 0}
.legend{display:flex;flex-wrap:wrap;gap:.4rem;padding:0;list-style:none}
.legend li,.cell summary{padding:.15rem .5rem;border-radius:3px}
table.matrix{border-collapse:collapse}
.matrix th,.matrix td{border:1px solid #d1d9e0;padding:0;text-align:center;min-width:6.5rem}
.matrix th{background:#f6f8fa;padding:.25rem .5rem;font-weight:600}
.matrix th[scope=row]{text-align:left;font-family:ui-monospace,monospace}
.matrix td.none{color:#8c959f}
td.cell{position:relative}
.cell summary{cursor:pointer;list-style:none;font-weight:600}
.cell summary::-webkit-details-marker{display:none}
.cell .evidence{position:absolute;z-index:10;top:100%;left:0;width:min(90ch,80vw);max-height:70vh;overflow:auto;
background:#fff;color:#1f2328;border:1px solid #8c959f;box-shadow:0 6px 18px rgba(0,0,0,.25);padding:.6rem .8rem;text-align:left}
.evidence h3{font-size:.9rem;margin:.6rem 0 .2rem}
.evidence pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.4rem;margin:0;font-size:12px}
.evidence p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
)";
  for (Outcome o : kAllOutcomes) {
    css += fmt::format(".o-{0}{{background:{1};color:{2}}}\n", to_string(o), html_outcome_colour(o), text_colour(o));
  }
  return css;
}

std::string cell_html(const CellResult& c) {
  const std::string outcome(to_string(c.outcome));
  std::string out = fmt::format("<td class=\"cell o-{0}\" data-outcome=\"{0}\" title=\"{1}\"><details><summary>{0}</summary>",
                                outcome, text(cell_label(c.key), 200));
  out += "<div class=\"evidence\">";
  out += fmt::format("<h3>{}: {}</h3>", outcome, text(cell_label(c.key), 200));
  out += fmt::format("<p>{}</p>", text(c.summary));
  for (const auto& [title, body] : evidence_blocks(c)) {
    out += fmt::format("<h3>{}</h3><pre>{}</pre>", text(title), text(body));
  }
  out += "</div></details></td>";
  return out;
}

void write_module(std::ostream& out, const RunReport& report, const std::string& module) {
  const ModuleMatrix m = module_matrix(report, module);
  out << fmt::format("<section class=\"module\">\n<h2>{}</h2>\n", text(module, 500));
  if (m.cells.empty()) {
    out << "<p>No cells ran for this module.</p>\n</section>\n";
    return;
  }
  out << "<table class=\"matrix\">\n<thead>\n<tr><th rowspan=\"2\">check</th>";
  for (size_t i = 0; i < m.columns.size();) {
    size_t span = 1;
    while (i + span < m.columns.size() && m.columns[i + span].python == m.columns[i].python) ++span;
    out << fmt::format("<th colspan=\"{}\">{}</th>", span, text(m.columns[i].python, 200));
    i += span;
  }
  out << "</tr>\n<tr>";
  for (const MatrixColumn& col : m.columns) out << fmt::format("<th>{}</th>", text(col.config, 200));
  out << "</tr>\n</thead>\n<tbody>\n";
  for (const std::string& check : m.checks) {
    out << fmt::format("<tr><th scope=\"row\">{}</th>\n", text(check, 200));
    for (const MatrixColumn& col : m.columns) {
      const CellResult* c = m.at(check, col);
      out << (c ? cell_html(*c) : "<td class=\"none\" title=\"the check does not run in this config\">·</td>");
      out << "\n";
    }
    out << "</tr>\n";
  }
  out << "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string_view html_outcome_colour(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "#1a7f37";
    case Outcome::fail: return "#cf222e";
    case Outcome::warn: return "#eac54f";
    case Outcome::unsupported: return "#0969da";
    case Outcome::crash: return "#82071e";
    case Outcome::timeout: return "#fb8f44";
    case Outcome::skip: return "#d1d9e0";
    case Outcome::error: return "#8250df";
  }
  return "#ffffff";
}

void write_html(const RunReport& report, std::ostream& out) {
  out << R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>isocheck report</title>
<style>
)";
  out << style();
  out << "</style>\n</head>\n<body>\n<h1>isocheck: subinterpreter conformance</h1>\n";
  out << fmt::format("<p class=\"meta\">isocheck {} · {}</p>\n", text(report.tool_version, 100), text(report.created, 100));
  for (const PythonTarget& p : report.pythons) {
    out << fmt::format("<p class=\"meta\">Python {}{}: {}</p>\n", text(p.version, 100), p.debug_build ? " (debug build)" : "",
                       text(p.executable, 1000));
  }
  out << fmt::format("<p class=\"totals\">{}</p>\n<ul class=\"legend\">", text(totals_line(report)));
  for (Outcome o : kAllOutcomes) out << fmt::format("<li class=\"o-{0}\">{0}</li>", to_string(o));
  out << "<li>· the check does not run in that config</li></ul>\n"
         "<p class=\"meta\">Click a cell for its summary and evidence.</p>\n";
  for (const std::string& module : report.modules) write_module(out, report, module);
  out << "</body>\n</html>\n";
}

std::string render_html(const RunReport& report) { return render_to_string(write_html, report); }

}  // namespace isocheck
