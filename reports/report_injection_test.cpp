// Text from the module under test is untrusted. A report whose module name, summaries and
// evidence carry markup, "]]>", NUL and other control characters, workflow commands, "%0A",
// table pipes, backticks and a 1 MB line goes through every writer; none may break its format
// or let the text act as syntax.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "reports/badge.h"
#include "reports/github_annotations.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "reports/report_test_support.h"
#include "reports/terminal_report.h"
#include "reports/writers.h"

namespace isocheck {
namespace {

using testing::hostile_report;
using testing::hostile_text;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Control characters that would act on a terminal, a parser or a log viewer.
bool has_raw_control(const std::string& text, bool allow_newline_tab) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (allow_newline_tab && (u == '\n' || u == '\t')) continue;
    if (u < 0x20 || u == 0x7f) return true;
    if (u == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return true;
    }
  }
  return false;
}

TEST(ReportInjection, JsonParsesBackEqual) {
  // Valid UTF-8 (NUL, controls, markup included) round-trips exactly.
  std::string evil = hostile_text();
  evil.replace(evil.find("\xff\xfe"), 2, "ff fe");
  const RunReport r = hostile_report(evil);
  const std::string text = report_to_json_text(r);
  EXPECT_EQ(nlohmann::ordered_json::parse(text), report_to_json(r));
}

TEST(ReportInjection, JsonReplacesInvalidUtf8InsteadOfFailing) {
  const std::string text = report_to_json_text(hostile_report());
  const auto parsed = nlohmann::json::parse(text);
  const std::string summary = parsed["cells"].back()["summary"];
  EXPECT_NE(summary.find("bad-utf8[\xef\xbf\xbd"), std::string::npos);
  EXPECT_NE(summary.find(std::string("NUL[") + '\0' + "]"), std::string::npos);  // kept, as \u0000
}

TEST(ReportInjection, TerminalShowsNoRawControlsAndStartsNoWorkflowCommand) {
  const std::string text = render_terminal(hostile_report(), false);
  EXPECT_FALSE(has_raw_control(text, true));
  for (const std::string& line : lines_of(text)) EXPECT_NE(line.rfind("::", 0), 0u) << line.substr(0, 200);
}

TEST(ReportInjection, JunitStaysValidAndKeepsTheTextAsText) {
  ASSERT_TRUE(testing::have_program("xmllint"));
  const RunReport report = hostile_report();
  const std::string xml = render_junit(report);
  testing::TempDir dir;
  const auto file = dir.path() / "r.xml";
  testing::write_text(file, xml);
  const std::string schema = (testing::reports_test_data() / "junit.xsd").string();
  const auto valid = testing::run_shell("xmllint --noout --schema '" + schema + "' '" + file.string() + "' 2>&1");
  EXPECT_EQ(valid.exit_code, 0) << valid.output.substr(0, 2000);
  const auto count = testing::run_shell("xmllint --xpath 'count(//testcase)' '" + file.string() + "'");
  EXPECT_EQ(count.output, std::to_string(report.cells.size()) + "\n");
  // The crash body holds the markup and the CDATA end marker as plain text.
  const auto body = testing::run_shell("xmllint --xpath 'string(//error[@type=\"crash\"][contains(., \"onerror\")])' '" +
                                       file.string() + "'");
  EXPECT_NE(body.output.find("<script>alert(1)</script>"), std::string::npos);
  EXPECT_NE(body.output.find(" ]]> & "), std::string::npos);
  EXPECT_NE(body.output.find("NUL[\\x00]"), std::string::npos);
  EXPECT_LT(xml.size(), 2u << 20);  // the 1 MB summary line is cut
}

TEST(ReportInjection, MarkdownRowsStayOneRowEach) {
  const RunReport report = hostile_report();
  const std::string md = render_markdown(report);
  EXPECT_FALSE(has_raw_control(md, true));
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  int findings = 0, headings = 0, rows = 0;
  int header_pipes = -1;  // unescaped pipes in the current table's header row
  for (const std::string& line : lines_of(md)) {
    if (line.rfind("- ", 0) == 0) ++findings;
    if (line.rfind("#", 0) == 0) ++headings;
    if (line.rfind("|", 0) == 0) {
      int pipes = 0;
      for (size_t i = 0; i < line.size(); ++i) pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
      if (line.rfind("| check |", 0) == 0) header_pipes = pipes;
      EXPECT_EQ(pipes, header_pipes) << line.substr(0, 300);
      ++rows;
    }
    EXPECT_LT(line.size(), 2000u);
  }
  EXPECT_EQ(rows, (2 + 3) + (2 + 7) + (2 + 7));  // header and rule + one row per check, per module
  int expected_findings = 0;
  for (const CellResult& c : report.cells) expected_findings += fails_gate(c.outcome) || c.outcome == Outcome::warn;
  EXPECT_EQ(findings, expected_findings);
  EXPECT_EQ(headings, 1 + static_cast<int>(report.modules.size()));  // "## isocheck" + one per module
}

TEST(ReportInjection, HtmlContainsNoInjectedTag) {
  const RunReport report = hostile_report();
  const std::string html = render_html(report);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("-->"), std::string::npos);
  EXPECT_FALSE(has_raw_control(html, true));
  EXPECT_GT(occurrences(html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 5);
  EXPECT_EQ(occurrences(html, "<td class=\"cell "), static_cast<int>(report.cells.size()));
  EXPECT_EQ(occurrences(html, "<details>"), occurrences(html, "</details>"));
  EXPECT_LT(html.size(), 4u << 20);
}

TEST(ReportInjection, BadgeSvgStaysWellFormedWithHostileText) {
  ASSERT_TRUE(testing::have_program("xmllint"));
  const Badge badge{hostile_text(), hostile_text(), "red"};
  testing::TempDir dir;
  testing::write_text(dir.path() / "b.svg", render_badge_svg(badge));
  const auto result = testing::run_shell("xmllint --noout '" + (dir.path() / "b.svg").string() + "' 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(render_badge_json(badge_for(hostile_report())));
  EXPECT_EQ(json["message"], "crash");
}

TEST(ReportInjection, AnnotationsStayOneCommandPerLine) {
  const std::string text = render_github_annotations(hostile_report());
  EXPECT_FALSE(has_raw_control(text, true));
  const auto lines = lines_of(text);
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    const bool command = line.rfind("::error title=", 0) == 0 || line.rfind("::warning title=", 0) == 0 ||
                         line.rfind("::notice title=", 0) == 0;
    EXPECT_TRUE(command) << line.substr(0, 200);
    // The title property ends at the first "::": no ':' or ',' of the data may end it early.
    const size_t title_end = line.find("::", 2);
    ASSERT_NE(title_end, std::string::npos);
    const std::string title = line.substr(line.find("title=") + 6, title_end - line.find("title=") - 6);
    EXPECT_EQ(title.find_first_of(":,"), std::string::npos) << title;
    EXPECT_LT(line.size(), 8000u);
  }
  // The golden report's 5, and the evil module's crash, fail, timeout and error.
  int errors = 0;
  for (const std::string& line : lines) errors += line.rfind("::error ", 0) == 0;
  EXPECT_EQ(errors, 9);
  EXPECT_NE(text.find("%250A"), std::string::npos);  // the literal "%0A" stays literal
}

}  // namespace
}  // namespace isocheck
