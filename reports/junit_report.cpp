#include "reports/junit_report.h"

#include <fmt/format.h>

#include <set>

#include "reports/report_text.h"

namespace isocheck {

namespace {

// Enough for any real backtrace or output tail; a 1 MB line from a module is cut, not copied.
constexpr size_t kJunitMaxBlockBytes = 64 * 1024;
constexpr size_t kJunitMaxMessageBytes = 1000;

// Attribute values: newlines and tabs as character references, or parsers normalise them away.
std::string attr(std::string_view text) {
  std::string out;
  for (char c : markup_escape(visible_text(text))) {
    if (c == '\n') {
      out += "&#10;";
    } else if (c == '\t') {
      out += "&#9;";
    } else {
      out += c;
    }
  }
  return out;
}

// A CDATA section cannot contain "]]>": end the section between "]]" and ">" and open another.
std::string cdata(std::string_view text) {
  std::string out = "<![CDATA[";
  const std::string visible = visible_text(text);
  size_t from = 0;
  for (size_t at; (at = visible.find("]]>", from)) != std::string::npos; from = at + 2) {
    out += visible.substr(from, at + 2 - from) + "]]><![CDATA[";
  }
  out += visible.substr(from) + "]]>";
  return out;
}

std::string body_of(const CellResult& cell) {
  std::string body = shorten(cell.summary, kJunitMaxBlockBytes) + "\n";
  for (const auto& [title, text] : evidence_blocks(cell)) {
    body += fmt::format("\n--- {} ---\n{}", title, shorten(text, kJunitMaxBlockBytes));
    if (body.back() != '\n') body += '\n';
  }
  return body;
}

std::string seconds(double ms) { return fmt::format("{:.3f}", ms / 1000.0); }

struct Tally {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double ms = 0;
  void add(const CellEntry& c) {
    ++tests;
    ms += c.duration_ms;
    if (c.outcome == Outcome::fail) ++failures;
    if (c.outcome == Outcome::crash || c.outcome == Outcome::timeout || c.outcome == Outcome::error) ++errors;
    if (c.outcome == Outcome::skip || c.outcome == Outcome::unsupported) ++skipped;
  }
  std::string attributes() const {
    return fmt::format(R"(tests="{}" failures="{}" errors="{}" skipped="{}" time="{}")", tests, failures, errors,
                       skipped, seconds(ms));
  }
};

std::string testcase(const CellResult& c, const std::string& name, const std::string& classname) {
  std::string head = fmt::format(R"(    <testcase name="{}" classname="{}" time="{}")", attr(name), attr(classname),
                                 seconds(c.duration_ms));
  const std::string outcome(to_string(c.outcome));
  const std::string message = attr(shorten(c.summary, kJunitMaxMessageBytes));
  switch (c.outcome) {
    case Outcome::pass:
      return head + "/>\n";
    case Outcome::warn:
      return head + ">\n      <system-out>" + cdata("warn: " + body_of(c)) + "</system-out>\n    </testcase>\n";
    case Outcome::skip:
    case Outcome::unsupported:
      return head + fmt::format(">\n      <skipped message=\"{}: {}\"/>\n    </testcase>\n", outcome, message);
    case Outcome::fail:
    case Outcome::crash:
    case Outcome::timeout:
    case Outcome::error: {
      const char* element = c.outcome == Outcome::fail ? "failure" : "error";
      return head + fmt::format(">\n      <{0} message=\"{1}\" type=\"{2}\">{3}</{0}>\n    </testcase>\n", element,
                                message, outcome, cdata(body_of(c)));
    }
  }
  return head + "/>\n";
}

}  // namespace

void write_junit(const RunReport& report, std::ostream& out) {
  Tally all;
  for (const CellEntry& c : report.cells.entries()) all.add(c);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format("<testsuites name=\"isocheck\" {}>\n", all.attributes());
  for (const std::string& module : report.modules) {
    const std::vector<CellResult> cells = report.cells.of_module(module);  // one module in memory at a time
    for (const PythonTarget& python : report.pythons) {
      Tally suite;
      for (const CellResult& c : cells) {
        if (c.key.python == python.version) suite.add(entry_of(c));
      }
      if (suite.tests == 0) continue;
      const std::string suite_name = fmt::format("{} [Python {}]", module, python.version);
      out << fmt::format("  <testsuite name=\"{}\" {} timestamp=\"{}\">\n", attr(suite_name), suite.attributes(),
                         attr(report.created));
      out << "    <properties>\n";
      out << fmt::format("      <property name=\"module\" value=\"{}\"/>\n", attr(module));
      out << fmt::format("      <property name=\"python\" value=\"{}\"/>\n", attr(python.version));
      out << fmt::format("      <property name=\"python.executable\" value=\"{}\"/>\n", attr(python.executable));
      out << fmt::format("      <property name=\"isocheck.version\" value=\"{}\"/>\n", attr(report.tool_version));
      out << "    </properties>\n";
      // Keys are unique within a report, so check[config] is unique within its suite; a merged
      // report with a repeated key still gets distinct names.
      std::set<std::string> names;
      for (const CellResult& c : cells) {
        if (c.key.python != python.version) continue;
        std::string name = fmt::format("{}[{}]", c.key.check, c.key.config);
        for (int n = 2; !names.insert(name).second; ++n) name = fmt::format("{}[{}] #{}", c.key.check, c.key.config, n);
        out << testcase(c, name, suite_name);
      }
      out << "  </testsuite>\n";
    }
  }
  out << "</testsuites>\n";
}

std::string render_junit(const RunReport& report) { return render_to_string(write_junit, report); }

}  // namespace isocheck
