#include "reports/terminal_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/catalog.h"

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

bool is_finding(Outcome o) { return fails_gate(o) || o == Outcome::warn; }

using Column = std::pair<std::string, std::string>;  // (python version, config)

// The (python, config) pairs that have cells, in report order.
std::vector<Column> matrix_columns(const std::vector<PythonTarget>& pythons,
                                   const std::vector<const CellResult*>& cells) {
  std::vector<Column> columns;
  for (const PythonTarget& p : pythons) {
    for (std::string_view config : {"main", "legacy", "isolated", "-"}) {
      if (std::any_of(cells.begin(), cells.end(), [&](auto* c) { return c->key.python == p.version && c->key.config == config; })) {
        columns.emplace_back(p.version, std::string(config));
      }
    }
  }
  return columns;
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Two header rows: the python over its first column, then the configs.
std::string column_headers(const std::vector<Column>& columns, std::string_view first, size_t label, size_t width) {
  std::string header1 = fmt::format("{:<{}}", "", label);
  std::string header2 = fmt::format("{:<{}}", first, label);
  std::string previous;
  for (const auto& [python, config] : columns) {
    header1 += fmt::format("{:<{}}", python == previous ? "" : python, width);
    header2 += fmt::format("{:<{}}", config, width);
    previous = python;
  }
  return rstrip(header1) + "\n" + rstrip(header2) + "\n";
}

// A summary on one line of at most `limit` bytes (cut at a UTF-8 boundary).
std::string one_line(std::string_view text, size_t limit) {
  std::string line = printable(text);
  if (line.size() <= limit) return line;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "…";
}

void render_module(std::string& out, const RunReport& report, const std::string& module, bool color) {
  std::vector<const CellResult*> cells;
  for (const CellResult& c : report.cells) {
    if (c.key.module == module) cells.push_back(&c);
  }
  // Columns in report order: (python, config) as they appear in the sorted cells.
  std::vector<Column> columns;
  std::vector<std::string> checks;
  for (const CheckInfo& check : check_catalog()) {
    if (std::any_of(cells.begin(), cells.end(), [&](auto* c) { return c->key.check == check.id; })) {
      checks.emplace_back(check.id);
    }
  }
  columns = matrix_columns(report.pythons, cells);
  std::map<std::tuple<std::string, std::string, std::string>, const CellResult*> at;
  for (const CellResult* c : cells) at[{c->key.check, c->key.python, c->key.config}] = c;

  constexpr size_t kCol = 12;
  size_t label = 10;
  for (const std::string& check : checks) label = std::max(label, check.size() + 2);

  // NAME=/long/path/lib.so reads better as "NAME (from lib.so)".
  const size_t eq = module.find('=');
  out += eq == std::string::npos
             ? fmt::format("{}\n", printable(module))
             : fmt::format("{} (from {})\n", printable(module.substr(0, eq)),
                           printable(module.substr(module.find_last_of('/') + 1)));
  out += column_headers(columns, "check", label, kCol);
  for (const std::string& check : checks) {
    std::string row = fmt::format("{:<{}}", check, label);
    for (const auto& [python, config] : columns) {
      auto it = at.find({check, python, config});
      if (it == at.end()) {
        row += fmt::format("{:<{}}", "·", kCol);  // fmt pads UTF-8 by display width
      } else {
        row += paint(to_string(it->second->outcome), it->second->outcome, color, kCol);
      }
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }

  bool any = false;
  for (const CellResult* c : cells) {
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

std::string render_survey(const RunReport& report, bool color) {
  std::vector<const CellResult*> all;
  for (const CellResult& c : report.cells) all.push_back(&c);
  const std::vector<Column> columns = matrix_columns(report.pythons, all);
  // Worst outcome per (module, python, config) over all checks.
  std::map<std::tuple<std::string, std::string, std::string>, Outcome> worst_of;
  for (const CellResult& c : report.cells) {
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
    for (const auto& [python, config] : columns) {
      const auto it = worst_of.find({module, python, config});
      row += it == worst_of.end() ? fmt::format("{:<{}}", "·", kCol)
                                  : paint(to_string(it->second), it->second, color, kCol);
    }
    out += rstrip(row) + "\n";
  }

  // What fails the gate, one line each, most severe first (report order within an outcome).
  std::vector<const CellResult*> findings;
  for (const CellResult& c : report.cells) {
    if (fails_gate(c.outcome)) findings.push_back(&c);
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](auto* a, auto* b) { return severity(a->outcome) > severity(b->outcome); });
  if (!findings.empty()) out += fmt::format("\n{} finding(s):\n", findings.size());
  for (const CellResult* c : findings) {
    out += fmt::format("  {} {} {} {} {}: {}\n", paint(to_string(c->outcome), c->outcome, color, 8),
                       printable(c->key.module), c->key.python, c->key.config, c->key.check, one_line(c->summary, 200));
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
