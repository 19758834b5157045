#include "reports/terminal_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "model/catalog.h"

namespace isocheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PythonTarget python(std::string version) {
  PythonTarget p;
  p.version = std::move(version);
  p.minor = p.version.substr(0, p.version.rfind('.'));
  p.executable = "/py/" + p.minor;
  p.host = "/host/" + p.minor;
  return p;
}

CellResult cell(const std::string& module, const std::string& py, const std::string& check, const std::string& config,
                Outcome outcome, const std::string& summary = "") {
  CellResult c;
  c.key = CellKey{module, py, config, check};
  c.outcome = outcome;
  c.summary = summary.empty() ? std::string(to_string(outcome)) + "-summary-" + py + "-" + check + "-" + config : summary;
  c.repro = "isocheck run " + module + " --python " + py.substr(0, py.rfind('.')) + " --check " + check +
            " --config " + config;
  return c;
}

// Two Pythons; import runs in main/legacy/isolated, cycles only in legacy/isolated.
RunReport sample() {
  RunReport r;
  r.pythons = {python("3.12.1"), python("3.13.0")};
  r.modules = {"m"};
  r.cells = {
      cell("m", "3.12.1", "import", "main", Outcome::pass),
      cell("m", "3.12.1", "import", "legacy", Outcome::pass),
      cell("m", "3.12.1", "import", "isolated", Outcome::unsupported),
      cell("m", "3.12.1", "cycles", "legacy", Outcome::skip),
      cell("m", "3.12.1", "cycles", "isolated", Outcome::crash),
      cell("m", "3.13.0", "import", "main", Outcome::fail),
      cell("m", "3.13.0", "import", "legacy", Outcome::pass),
      cell("m", "3.13.0", "import", "isolated", Outcome::error),
      cell("m", "3.13.0", "cycles", "legacy", Outcome::timeout),
      cell("m", "3.13.0", "cycles", "isolated", Outcome::pass),
  };
  r.finish();
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The first line whose first word is `word`.
std::string line_starting(const std::string& text, const std::string& word) {
  for (const std::string& line : lines_of(text)) {
    const auto w = words_of(line);
    if (!w.empty() && w[0] == word) return line;
  }
  return "";
}

// Display columns (code points) at which each word of `line` starts.
std::vector<size_t> word_columns(const std::string& line) {
  std::vector<size_t> columns;
  size_t column = 0;
  bool in_word = false;
  for (unsigned char c : line) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: same column
    const bool space = c == ' ';
    if (!space && !in_word) columns.push_back(column);
    in_word = !space;
    ++column;
  }
  return columns;
}

const std::string kDot = "\xc2\xb7";  // '·'

TEST(TerminalReport, OneMatrixPerModuleWithCheckRowsInCatalogOrder) {
  const std::string out = render_terminal(sample(), false);
  const auto lines = lines_of(out);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "m");
  // Two header lines, then one row per check (import before cycles: catalog order).
  EXPECT_EQ(words_of(lines[3]).at(0), "import");
  EXPECT_EQ(words_of(lines[4]).at(0), "cycles");
}

TEST(TerminalReport, ColumnsArePythonByConfig) {
  const std::string out = render_terminal(sample(), false);
  const auto lines = lines_of(out);
  EXPECT_EQ(words_of(lines[1]), (std::vector<std::string>{"3.12.1", "3.13.0"}));
  EXPECT_EQ(words_of(lines[2]),
            (std::vector<std::string>{"check", "main", "legacy", "isolated", "main", "legacy", "isolated"}));
}

TEST(TerminalReport, EachRowShowsTheOutcomeOfEachColumn) {
  const std::string out = render_terminal(sample(), false);
  EXPECT_EQ(words_of(line_starting(out, "import")),
            (std::vector<std::string>{"import", "pass", "pass", "unsupported", "fail", "pass", "error"}));
}

TEST(TerminalReport, CheckThatDoesNotRunInAConfigShowsADot) {
  const std::string out = render_terminal(sample(), false);
  EXPECT_EQ(words_of(line_starting(out, "cycles")),
            (std::vector<std::string>{"cycles", kDot, "skip", "crash", kDot, "timeout", "pass"}));
}

TEST(TerminalReport, RowsLineUpUnderTheirColumnHeaders) {
  const std::string out = render_terminal(sample(), false);
  const auto lines = lines_of(out);
  const auto header = word_columns(lines[2]);
  EXPECT_EQ(word_columns(line_starting(out, "import")), header);
  // The dot is two bytes but one column wide: the columns after it must not shift.
  EXPECT_EQ(word_columns(line_starting(out, "cycles")), header);
  // Each Python version sits over its first config.
  const auto python_columns = word_columns(lines[1]);
  ASSERT_EQ(python_columns.size(), 2u);
  EXPECT_EQ(python_columns[0], header[1]);
  EXPECT_EQ(python_columns[1], header[4]);
}

TEST(TerminalReport, PlainOutputHasNoEscapeSequences) {
  const std::string out = render_terminal(sample(), false);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(TerminalReport, ColouredOutputPaintsOutcomesAndResets) {
  const std::string out = render_terminal(sample(), true);
  EXPECT_THAT(out, HasSubstr("\x1b["));
  EXPECT_THAT(out, HasSubstr("\x1b[0m"));
  // Colour changes how it looks, not what it says.
  EXPECT_THAT(out, HasSubstr("crash"));
  EXPECT_THAT(out, HasSubstr("unsupported"));
}

TEST(TerminalReport, FindingsListFailuresCrashesTimeoutsAndErrorsWithTheirSummaries) {
  const RunReport report = sample();
  const std::string out = render_terminal(report, false);
  for (const CellResult& c : report.cells) {
    if (c.outcome == Outcome::fail || c.outcome == Outcome::crash || c.outcome == Outcome::timeout ||
        c.outcome == Outcome::error) {
      EXPECT_THAT(out, HasSubstr(c.summary)) << to_string(c.outcome);
    }
  }
  // A finding line says which cell it is.
  std::string crash_line;
  for (const std::string& line : lines_of(out)) {
    if (line.find("crash-summary-3.12.1-cycles-isolated") != std::string::npos) crash_line = line;
  }
  const auto words = words_of(crash_line);
  ASSERT_GE(words.size(), 4u);
  EXPECT_EQ(words[0], "crash");
  EXPECT_EQ(words[1], "3.12.1");
  EXPECT_EQ(words[2], "isolated");
  EXPECT_THAT(words[3], HasSubstr("cycles"));
}

TEST(TerminalReport, FindingsDoNotListPassSkipOrUnsupported) {
  const RunReport report = sample();
  const std::string out = render_terminal(report, false);
  for (const CellResult& c : report.cells) {
    if (c.outcome == Outcome::pass || c.outcome == Outcome::skip || c.outcome == Outcome::unsupported) {
      EXPECT_THAT(out, Not(HasSubstr(c.summary))) << to_string(c.outcome);
    }
  }
}

TEST(TerminalReport, CrashesAndTimeoutsComeWithTheirReproCommand) {
  const RunReport report = sample();
  const std::string out = render_terminal(report, false);
  for (const CellResult& c : report.cells) {
    const bool wants_repro = c.outcome == Outcome::crash || c.outcome == Outcome::timeout;
    if (wants_repro) {
      EXPECT_THAT(out, HasSubstr("repro: " + c.repro)) << to_string(c.outcome);
    } else {
      EXPECT_THAT(out, Not(HasSubstr(c.repro))) << to_string(c.outcome);
    }
  }
}

TEST(TerminalReport, ControlCharactersFromASummaryAreShownEscapedNeverRaw) {
  RunReport report;
  report.pythons = {python("3.12.1")};
  report.modules = {"m"};
  report.cells = {cell("m", "3.12.1", "import", "main", Outcome::fail, "a\x1b[2Jb\nc\rd\x07""e\x7f" "f")};
  for (bool color : {false, true}) {
    const std::string out = render_terminal(report, color);
    EXPECT_THAT(out, Not(HasSubstr("\x1b[2J"))) << "color=" << color;
    EXPECT_THAT(out, Not(HasSubstr("b\nc")));
    EXPECT_EQ(out.find('\r'), std::string::npos);
    EXPECT_EQ(out.find('\x07'), std::string::npos);
    EXPECT_EQ(out.find('\x7f'), std::string::npos);
    EXPECT_THAT(out, HasSubstr("a\\x1b[2Jb\\nc\\x0dd\\x07e\\x7ff"));
  }
}

TEST(TerminalReport, C1ControlCharactersFromASummaryAreNotPassedThrough) {
  // U+009B is the one-character CSI: xterm and VTE honour it in UTF-8 output, so
  // "\u009b2J" clears the screen just like "\x1b[2J".
  RunReport report;
  report.pythons = {python("3.12.1")};
  report.modules = {"m"};
  report.cells = {cell("m", "3.12.1", "import", "main", Outcome::fail, "a\xc2\x9b" "2Jb \xc2\x85 c")};
  const std::string out = render_terminal(report, false);
  EXPECT_THAT(out, Not(HasSubstr("\xc2\x9b")));
  EXPECT_THAT(out, Not(HasSubstr("\xc2\x85")));
  EXPECT_THAT(out, HasSubstr("2Jb"));
}

TEST(TerminalReport, ControlCharactersInAReproAreShownEscaped) {
  RunReport report;
  report.pythons = {python("3.12.1")};
  report.modules = {"m"};
  CellResult c = cell("m", "3.12.1", "import", "main", Outcome::crash, "boom");
  c.repro = "isocheck run m --path '/x\n\x1b[31my'";
  report.cells = {c};
  const std::string out = render_terminal(report, false);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_THAT(out, HasSubstr("/x\\n\\x1b[31my"));
}

TEST(TerminalReport, EveryModuleGetsItsOwnMatrixInModuleOrder) {
  RunReport report;
  report.pythons = {python("3.12.1")};
  report.modules = {"zeta", "alpha"};
  report.cells = {cell("alpha", "3.12.1", "import", "main", Outcome::pass),
                  cell("zeta", "3.12.1", "cycles", "legacy", Outcome::pass)};
  report.finish();
  const std::string out = render_terminal(report, false);
  const auto lines = lines_of(out);
  std::vector<size_t> titles;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "zeta" || lines[i] == "alpha") titles.push_back(i);
  }
  ASSERT_EQ(titles.size(), 2u);
  EXPECT_EQ(lines[titles[0]], "zeta");
  EXPECT_EQ(lines[titles[1]], "alpha");
  // zeta's matrix has only its own check and column.
  EXPECT_EQ(words_of(lines[titles[0] + 2]), (std::vector<std::string>{"check", "legacy"}));
  EXPECT_EQ(words_of(lines[titles[0] + 3]), (std::vector<std::string>{"cycles", "pass"}));
  EXPECT_EQ(words_of(lines[titles[1] + 2]), (std::vector<std::string>{"check", "main"}));
  EXPECT_EQ(words_of(lines[titles[1] + 3]), (std::vector<std::string>{"import", "pass"}));
}

TEST(TerminalReport, ModuleLoadedFromAFileIsTitledByNameAndFileName) {
  RunReport report;
  report.pythons = {python("3.12.1")};
  report.modules = {"fast=/very/long/build/dir/libfast.so"};
  report.cells = {cell(report.modules[0], "3.12.1", "import", "main", Outcome::pass)};
  const auto lines = lines_of(render_terminal(report, false));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "fast (from libfast.so)");
}

TEST(TerminalReport, EndsWithTheTotalsLine) {
  const RunReport report = sample();
  const auto lines = lines_of(render_terminal(report, false));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), totals_line(report));
}

TEST(TotalsLine, CountsCellsAndEachOutcomePresent) {
  RunReport report;
  report.cells = {cell("m", "3.12.1", "import", "main", Outcome::pass),
                  cell("m", "3.12.1", "import", "legacy", Outcome::fail),
                  cell("m", "3.12.1", "import", "isolated", Outcome::pass)};
  EXPECT_EQ(totals_line(report), "3 cells: 2 pass, 1 fail");
}

TEST(TotalsLine, NamesEveryOutcomeOfTheSampleWithItsCount) {
  const std::string line = totals_line(sample());
  EXPECT_EQ(line.rfind("10 cells: ", 0), 0u) << line;
  EXPECT_THAT(line, HasSubstr("4 pass"));
  EXPECT_THAT(line, HasSubstr("1 fail"));
  EXPECT_THAT(line, HasSubstr("1 unsupported"));
  EXPECT_THAT(line, HasSubstr("1 crash"));
  EXPECT_THAT(line, HasSubstr("1 timeout"));
  EXPECT_THAT(line, HasSubstr("1 skip"));
  EXPECT_THAT(line, HasSubstr("1 error"));
  EXPECT_THAT(line, Not(HasSubstr("warn")));
}

TEST(TotalsLine, MentionsCellsThatDidNotRun) {
  RunReport report;
  report.cells = {cell("m", "3.12.1", "import", "main", Outcome::pass)};
  report.incomplete = 5;
  EXPECT_EQ(totals_line(report), "1 cells: 1 pass (5 not run)");
}

TEST(TotalsLine, EmptyRunSaysZeroCells) {
  EXPECT_EQ(totals_line(RunReport{}), "0 cells");
}

}  // namespace
}  // namespace isocheck

namespace isocheck {
namespace {

TEST(RenderSurvey, OneRowPerModuleWithTheWorstOutcomeOfEachPythonAndConfig) {
  RunReport r;
  r.pythons = {python("3.12.1"), python("3.13.0")};
  r.modules = {"alpha", "beta"};
  r.cells = {
      cell("alpha", "3.12.1", "import", "isolated", Outcome::pass),
      cell("alpha", "3.12.1", "cycles", "isolated", Outcome::crash),
      cell("alpha", "3.12.1", "leaks", "isolated", Outcome::fail),
      cell("alpha", "3.13.0", "import", "isolated", Outcome::pass),
      cell("alpha", "3.13.0", "cycles", "isolated", Outcome::skip),
      cell("beta", "3.13.0", "import", "isolated", Outcome::unsupported),
      cell("beta", "3.13.0", "import", "main", Outcome::warn),
  };
  r.finish();
  const std::string text = render_survey(r, false);
  // Columns: 3.12.1 isolated, 3.13.0 main, 3.13.0 isolated (beta has a 3.13 main cell).
  EXPECT_EQ(words_of(line_starting(text, "alpha")), (std::vector<std::string>{"alpha", "crash", "·", "pass"}));
  // beta is not in 3.12's lib-dynload: no cell there, shown as a dot, not as an outcome.
  EXPECT_EQ(words_of(line_starting(text, "beta")), (std::vector<std::string>{"beta", "·", "warn", "unsupported"}));
}

TEST(RenderSurvey, ListsEveryGateFailureOnOneLineMostSevereFirst) {
  RunReport r;
  r.pythons = {python("3.12.1")};
  r.modules = {"alpha"};
  r.cells = {
      cell("alpha", "3.12.1", "import", "isolated", Outcome::fail, "first line\nsecond line"),
      cell("alpha", "3.12.1", "cycles", "isolated", Outcome::crash, "SIGABRT in cycle 2"),
      cell("alpha", "3.12.1", "leaks", "isolated", Outcome::warn, "only a warning"),
  };
  r.finish();
  const std::string text = render_survey(r, false);
  EXPECT_THAT(text, HasSubstr("2 finding(s):"));
  const auto crash = text.find("crash    alpha 3.12.1 isolated cycles: SIGABRT in cycle 2");
  const auto fail = text.find("fail     alpha 3.12.1 isolated import: first line\\nsecond line");
  ASSERT_NE(crash, std::string::npos) << text;
  ASSERT_NE(fail, std::string::npos) << text;
  EXPECT_LT(crash, fail);
  EXPECT_THAT(text, Not(HasSubstr("only a warning")));
}

TEST(RenderSurvey, CutsLongSummariesToOneShortLine) {
  RunReport r;
  r.pythons = {python("3.12.1")};
  r.modules = {"alpha"};
  r.cells = {cell("alpha", "3.12.1", "import", "isolated", Outcome::fail, std::string(5000, 'x'))};
  r.finish();
  for (const std::string& line : lines_of(render_survey(r, false))) EXPECT_LT(line.size(), 300u);
}

}  // namespace
}  // namespace isocheck

namespace isocheck {
namespace {

TEST(RenderSurvey, ACrashInADependencyIsListedOncePerDependencyAndPython) {
  RunReport r;
  r.pythons = {python("3.12.1")};
  r.modules = {"_decimal", "alpha", "beta"};
  CellResult a = cell("alpha", "3.12.1", "cycles", "isolated", Outcome::crash, "crash in dependency `_decimal`: x");
  a.details["crash_in_dependency"] = "_decimal";
  CellResult b = cell("beta", "3.12.1", "reinit", "main", Outcome::crash, "crash in dependency `_decimal`: y");
  b.details["crash_in_dependency"] = "_decimal";
  r.cells = {cell("_decimal", "3.12.1", "cycles", "isolated", Outcome::crash, "SIGABRT in PyInit__decimal"), a, b};
  r.finish();
  const std::string text = render_survey(r, false);
  // The root cause once, under its own name ...
  EXPECT_THAT(text, HasSubstr("crash    _decimal 3.12.1 isolated cycles: SIGABRT in PyInit__decimal"));
  // ... and the cells it took down in one line, not one line each.
  EXPECT_THAT(text, HasSubstr("crash    3.12.1 crash in dependency `_decimal`, in 2 cell(s) of modules that import "
                              "it: alpha isolated cycles, beta main reinit"));
  EXPECT_THAT(text, Not(HasSubstr("alpha 3.12.1 isolated cycles:")));
}

}  // namespace
}  // namespace isocheck
