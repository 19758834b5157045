#include "reports/report_text.h"

#include <gtest/gtest.h>

namespace isocheck {
namespace {

TEST(VisibleText, ShowsControlCharactersKeepsTabAndNewline) {
  EXPECT_EQ(visible_text(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(visible_text("\x1b[31mred\r\x7f"), "\\x1b[31mred\\x0d\\x7f");
  EXPECT_EQ(visible_text("a\tb\nc"), "a\tb\nc");
  EXPECT_EQ(visible_text("a\nb", false), "a\\x0ab");
  EXPECT_EQ(visible_text("\xc2\x9b"), "\\u009b");  // C1 CSI
  EXPECT_EQ(visible_text("\xef\xbf\xbe"), "\\uFFFE");
}

TEST(VisibleText, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(visible_text("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(visible_text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");      // overlong '/'
  EXPECT_EQ(visible_text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(visible_text("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");      // cut short
  EXPECT_EQ(visible_text("é ✓ 💥"), "é ✓ 💥");
}

TEST(Shorten, CutsOnACharacterBoundaryAndMarksTheCut) {
  EXPECT_EQ(shorten("short", 10), "short");
  EXPECT_EQ(shorten("abcdef", 3), "abc…");
  EXPECT_EQ(shorten("aé", 2), "a…");  // é is two bytes: not split
}

TEST(MarkupEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(markup_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(EvidenceBlocks, OrdersKnownTextFirstThenTheRestAsJson) {
  CellResult c;
  c.repro = "isocheck run m";
  c.details = {{"signal", "SIGSEGV"}, {"stderr_tail", "err\n"}, {"backtrace", {"#0 f", "#1 g"}}};
  c.metrics = {{"cycles_completed", 1}};
  const auto blocks = evidence_blocks(c);
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(blocks[0], (std::pair<std::string, std::string>{"repro", "isocheck run m"}));
  EXPECT_EQ(blocks[1], (std::pair<std::string, std::string>{"native backtrace", "#0 f\n#1 g\n"}));
  EXPECT_EQ(blocks[2], (std::pair<std::string, std::string>{"stderr (tail)", "err\n"}));
  EXPECT_EQ(blocks[3], (std::pair<std::string, std::string>{"details", "{\n  \"signal\": \"SIGSEGV\"\n}"}));
  EXPECT_EQ(blocks[4].first, "metrics");
}

TEST(EvidenceBlocks, NothingForAPlainPass) {
  CellResult c;
  EXPECT_TRUE(evidence_blocks(c).empty());
}

}  // namespace
}  // namespace isocheck
