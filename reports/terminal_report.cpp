#include "reports/terminal_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <tuple>

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

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Two header rows: the python over its first column, then the configs.
std::string column_headers(const std::vector<MatrixColumn>& columns, std::string_view first, size_t label,
                           size_t width) {
  std::string header1 = fmt::format("{:<{}}", "", label);
  std::string header2 = fmt::format("{:<{}}", first, label);
  std::string previous;
  for (const MatrixColumn& column : columns) {
    header1 += fmt::format("{:<{}}", column.python == previous ? "" : column.python, width);
    header2 += fmt::format("{:<{}}", column.config, width);
    previous = column.python;
  }
  return rstrip(header1) + "\n" + rstrip(header2) + "\n";
}

void render_module(std::string& out, const RunReport& report, const std::string& module, bool color) {
  const ModuleMatrix matrix = module_matrix(report, module);
  const std::vector<std::string>& checks = matrix.checks;

  constexpr size_t kCol = 12;
  size_t label = 10;
  for (const std::string& check : checks) label = std::max(label, check.size() + 2);

  // NAME=/long/path/lib.so reads better as "NAME (from lib.so)", and per-Python files
  // (NAME=3.12:/a/lib.so,3.13:/b/lib.so) as "NAME (from 3.12:lib.so,3.13:lib.so)".
  const size_t eq = module.find('=');
  static const std::regex directories("/[^,]*/");
  out += eq == std::string::npos
             ? fmt::format("{}\n", printable(module))
             : fmt::format("{} (from {})\n", printable(module.substr(0, eq)),
                           printable(std::regex_replace(module.substr(eq + 1), directories, "")));
  out += column_headers(matrix.columns, "check", label, kCol);
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
  for (const CellResult& c : matrix.cells) {
    if (!is_finding(c.outcome)) continue;
    if (!any) out += "\n";
    any = true;
    out += fmt::format("  {} {} {} {}: {}\n", paint(to_string(c.outcome), c.outcome, color, 8),
                       c.key.python, c.key.config, c.key.check, printable(c.summary));
    if (c.outcome == Outcome::crash || c.outcome == Outcome::timeout) {
      out += fmt::format("           repro: {}\n", printable(c.repro));
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

std::string render_survey(const RunReport& report, bool color) {
  const std::vector<CellEntry>& cells = report.cells.entries();
  std::set<std::pair<std::string, std::string>> present;
  for (const CellEntry& c : cells) present.insert({c.key.python, c.key.config});
  const std::vector<MatrixColumn> columns = matrix_columns(report.pythons, present);
  // Worst outcome per (module, python, config) over all checks.
  std::map<std::tuple<std::string, std::string, std::string>, Outcome> worst_of;
  for (const CellEntry& c : cells) {
    const auto key = std::make_tuple(c.key.module, c.key.python, c.key.config);
    const auto it = worst_of.find(key);
    worst_of[key] = it == worst_of.end() ? c.outcome : worst(it->second, c.outcome);
  }
  constexpr size_t kCol = 12;
  size_t label = 10;
  for (const std::string& m : report.modules) label = std::max(label, printable(m).size() + 2);

  std::string out = "worst outcome over all checks, per module, python and config\n\n";
  out += column_headers(columns, "module", label, kCol);
  for (const std::string& module : report.modules) {
    std::string row = fmt::format("{:<{}}", printable(module), label);
    for (const MatrixColumn& column : columns) {
      const auto it = worst_of.find({module, column.python, column.config});
      row += it == worst_of.end() ? fmt::format("{:<{}}", "·", kCol)
                                  : paint(to_string(it->second), it->second, color, kCol);
    }
    out += rstrip(row) + "\n";
  }

  // What fails the gate, one line each, most severe first (report order within an outcome).
  std::vector<size_t> findings;  // positions in the store: only these are read back in full
  for (size_t i = 0; i < cells.size(); ++i) {
    if (fails_gate(cells[i].outcome)) findings.push_back(i);
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [&](size_t a, size_t b) { return severity(cells[a].outcome) > severity(cells[b].outcome); });
  if (!findings.empty()) out += fmt::format("\n{} finding(s):\n", findings.size());
  // A crash in another extension module (supervisor/culprit.h) is listed once per dependency and
  // Python, with the cells it took down, rather than once per module that imports it (#17.7).
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_dependency;  // (dep, python) -> cells
  for (size_t i : findings) {
    const CellResult c = report.cells.at(i);
    if (c.outcome == Outcome::crash && c.details.contains("crash_in_dependency") &&
        c.details["crash_in_dependency"].is_string()) {
      by_dependency[{c.details["crash_in_dependency"].get<std::string>(), c.key.python}].push_back(
          fmt::format("{} {} {}", printable(c.key.module), c.key.config, c.key.check));
      continue;
    }
    out += fmt::format("  {} {} {} {} {}: {}\n", paint(to_string(c.outcome), c.outcome, color, 8),
                       printable(c.key.module), c.key.python, c.key.config, c.key.check, shorten(printable(c.summary), 200));
  }
  for (const auto& [where, victims] : by_dependency) {
    out += fmt::format("  {} {} crash in dependency `{}`, in {} cell(s) of modules that import it: {}\n",
                       paint("crash", Outcome::crash, color, 8), where.second, printable(where.first), victims.size(),
                       shorten(fmt::format("{}", fmt::join(victims, ", ")), 200));
  }
  out += "\n" + totals_line(report) + "\n";
  return out;
}

std::string render_terminal(const RunReport& report, bool color) {
  std::string out;
  for (const std::string& module : report.modules) render_module(out, report, module, color);
  out += totals_line(report) + "\n";
  return out;
}

}  // namespace isocheck
