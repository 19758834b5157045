#include "reports/terminal_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "reports/matrix.h"
#include "reports/report_text.h"

namespace isocheck {

namespace {

std::string_view colour_of(Outcome o) {
  switch (o) {
    case Outcome::pass: return "\x1b[32m";
    case Outcome::fail:
    case Outcome::error: return "\x1b[31m";
    case Outcome::crash: return "\x1b[1;31m";
    case Outcome::timeout:
    case Outcome::warn: return "\x1b[33m";
    case Outcome::unsupported: return "\x1b[36m";
    case Outcome::skip: return "\x1b[2m";
  }
  return "";
}

std::string paint(std::string_view text, Outcome o, bool color, size_t width) {
  std::string padded = fmt::format("{:<{}}", text, width);
  if (!color) return padded;
  return fmt::format("{}{}\x1b[0m", colour_of(o), padded);
}

// Summaries carry text from the module under test: never let it move the cursor or recolour.
std::string printable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (text[i] == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else if (u == 0xc2 && next >= 0x80 && next <= 0x9f) {
      out += fmt::format("\\u{:04x}", next);  // C1 controls (U+0080..U+009F; U+009B is CSI)
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

void render_module(std::string& out, const RunReport& report, const std::string& module, bool color) {
  const ModuleMatrix matrix = module_matrix(report, module);
  const std::vector<std::string>& checks = matrix.checks;

  constexpr size_t kCol = 12;
  size_t label = 10;
  for (const std::string& check : checks) label = std::max(label, check.size() + 2);

  // NAME=/long/path/lib.so reads better as "NAME (from lib.so)".
  const size_t eq = module.find('=');
  out += eq == std::string::npos
             ? fmt::format("{}\n", printable(module))
             : fmt::format("{} (from {})\n", printable(module.substr(0, eq)),
                           printable(module.substr(module.find_last_of('/') + 1)));
  std::string header1 = fmt::format("{:<{}}", "", label);
  std::string header2 = fmt::format("{:<{}}", "check", label);
  std::string previous;
  for (const MatrixColumn& column : matrix.columns) {
    header1 += fmt::format("{:<{}}", column.python == previous ? "" : column.python, kCol);
    header2 += fmt::format("{:<{}}", column.config, kCol);
    previous = column.python;
  }
  auto rstrip = [](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  out += rstrip(header1) + "\n" + rstrip(header2) + "\n";
  for (const std::string& check : checks) {
    std::string row = fmt::format("{:<{}}", check, label);
    for (const MatrixColumn& column : matrix.columns) {
      if (const CellResult* c = matrix.at(check, column)) {
        row += paint(to_string(c->outcome), c->outcome, color, kCol);
      } else {
        row += fmt::format("{:<{}}", "·", kCol);  // fmt pads UTF-8 by display width
      }
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }

  bool any = false;
  for (const CellResult* c : matrix.cells) {
    if (!is_finding(c->outcome)) continue;
    if (!any) out += "\n";
    any = true;
    out += fmt::format("  {} {} {} {}: {}\n", paint(to_string(c->outcome), c->outcome, color, 8),
                       c->key.python, c->key.config, c->key.check, printable(c->summary));
    if (c->outcome == Outcome::crash || c->outcome == Outcome::timeout) {
      out += fmt::format("           repro: {}\n", printable(c->repro));
    }
  }
  out += "\n";
}

}  // namespace

std::string totals_line(const RunReport& report) {
  std::string parts;
  for (Outcome o : kAllOutcomes) {
    const int n = report.count(o);
    if (n > 0) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, to_string(o));
  }
  std::string line = fmt::format("{} cells", report.cells.size());
  if (!parts.empty()) line += ": " + parts;
  if (report.incomplete > 0) line += fmt::format(" ({} not run)", report.incomplete);
  return line;
}

std::string render_terminal(const RunReport& report, bool color) {
  std::string out;
  for (const std::string& module : report.modules) render_module(out, report, module, color);
  out += totals_line(report) + "\n";
  return out;
}

}  // namespace isocheck
