#include "reports/markdown_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "reports/report_test_support.h"

namespace isocheck {
namespace {

using testing::golden_report;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(MarkdownReport, MatchesTheGoldenFile) { testing::expect_golden("golden.md", render_markdown(golden_report())); }

TEST(MarkdownReport, MatrixRowHasOneSymbolPerColumn) {
  const std::string md = render_markdown(golden_report());
  // demo.bad's columns: 3.12.1 main legacy isolated -, 3.13.0 main legacy isolated.
  EXPECT_NE(md.find("| check | 3.12.1 main | 3.12.1 legacy | 3.12.1 isolated | 3.12.1 - | 3.13.0 main | 3.13.0 legacy | "
                    "3.13.0 isolated |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| teardown | · | 💥 | 🚫 | · | · | ✅ | · |"), std::string::npos) << md;
}

TEST(MarkdownReport, FindingsListEveryFailingAndWarningCellOnce) {
  const std::string md = render_markdown(golden_report());
  int findings = 0;
  for (const std::string& line : lines_of(md)) findings += line.rfind("- ", 0) == 0;
  EXPECT_EQ(findings, 6);  // fail x2, crash, timeout, error, warn
  EXPECT_NE(md.find("- 💥 **crash** 3.12.1 legacy teardown: fifo: SIGSEGV during \"teardown FIFO: destroy interpreter 3 of 3\""),
            std::string::npos);
}

TEST(MarkdownReport, EscapesTableAndMarkupCharacters) {
  EXPECT_EQ(markdown_inline("a|b", 100), "a\\|b");
  EXPECT_EQ(markdown_inline("<b>&", 100), "&lt;b&gt;&amp;");
  EXPECT_EQ(markdown_inline("*x* _y_ `z` [l](u) ![i](u)", 100), "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\!\\[i\\](u)");
  EXPECT_EQ(markdown_inline("one\ntwo", 100), "one ⏎ two");
}

TEST(MarkdownReport, LongTextIsCutWithAnEllipsis) {
  const std::string cut = markdown_inline(std::string(1000, 'x'), 50);
  EXPECT_EQ(cut, std::string(50, 'x') + "…");
}

TEST(MarkdownReport, ListsAtMostTheFindingsLimitAndSaysHowManyAreLeftOut) {
  RunReport r = golden_report();
  for (size_t i = 0; i < kMaxMarkdownFindings + 5; ++i) {
    r.cells.push_back(testing::make_cell("demo.many", "3.12.1", "main", "import", Outcome::fail, "boom"));
  }
  r.modules.push_back("demo.many");
  const std::string md = render_markdown(r);
  int findings = 0;
  for (const std::string& line : lines_of(md)) findings += line.rfind("- ", 0) == 0;
  EXPECT_EQ(findings, static_cast<int>(kMaxMarkdownFindings));
  EXPECT_NE(md.find("11 more finding(s) not listed here"), std::string::npos);  // 205 + 6 - 200
}

}  // namespace
}  // namespace isocheck
