#include "reports/github_annotations.h"

#include <gtest/gtest.h>

#include <sstream>

#include "reports/report_test_support.h"

namespace isocheck {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  int n = 0;
  for (const std::string& l : lines) n += l.rfind(prefix, 0) == 0;
  return n;
}

TEST(GithubAnnotations, MatchesTheGoldenFile) {
  testing::expect_golden("golden.annotations.txt", render_github_annotations(testing::golden_report()));
}

TEST(GithubAnnotations, WantedOnlyWhenGithubActionsIsTrue) {
  EXPECT_TRUE(github_annotations_wanted("true"));
  EXPECT_FALSE(github_annotations_wanted(nullptr));
  EXPECT_FALSE(github_annotations_wanted("false"));
  EXPECT_FALSE(github_annotations_wanted("1"));
}

TEST(GithubAnnotations, EscapesDataAsTheRunnerUnescapesIt) {
  EXPECT_EQ(escape_annotation_data("100% a\r\nb::c,d"), "100%25 a%0D%0Ab::c,d");
  EXPECT_EQ(escape_annotation_property("100% a\r\nb::c,d"), "100%25 a%0D%0Ab%3A%3Ac%2Cd");
  EXPECT_EQ(escape_annotation_data("%0A"), "%250A");  // a literal %0A stays literal
}

TEST(GithubAnnotations, ErrorsForFailingCellsWarningsForWarnCrashesFirst) {
  const auto lines = lines_of(render_github_annotations(testing::golden_report()));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(count_prefix(lines, "::error title="), 5);
  EXPECT_EQ(count_prefix(lines, "::warning title="), 1);
  EXPECT_EQ(lines[0].rfind("::error title=isocheck crash%3A demo.bad 3.12.1 legacy teardown::fifo: SIGSEGV", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1].rfind("::error title=isocheck timeout%3A", 0), 0u) << lines[1];
}

TEST(GithubAnnotations, AtMostTenOfEachThenOneNotice) {
  RunReport r;
  r.pythons = {PythonTarget{"3.12.1", "3.12", "", "", false, ""}};
  r.modules = {"m"};
  for (int i = 0; i < 13; ++i) {
    r.cells.push_back(testing::make_cell("m" + std::to_string(i), "3.12.1", "main", "import", Outcome::fail, "f"));
    r.cells.push_back(testing::make_cell("m" + std::to_string(i), "3.12.1", "main", "leaks", Outcome::warn, "w"));
  }
  const auto lines = lines_of(render_github_annotations(r));
  EXPECT_EQ(count_prefix(lines, "::error "), kMaxAnnotationsPerKind);
  EXPECT_EQ(count_prefix(lines, "::warning "), kMaxAnnotationsPerKind);
  ASSERT_EQ(count_prefix(lines, "::notice "), 1);
  EXPECT_EQ(lines.back().rfind("::notice title=isocheck::3 more error(s) and 3 more warning(s) not annotated", 0), 0u)
      << lines.back();
}

TEST(GithubAnnotations, NothingToSayForAPassingRun) {
  RunReport r;
  r.cells.push_back(testing::make_cell("m", "3.12.1", "main", "import", Outcome::pass, "ok"));
  EXPECT_EQ(render_github_annotations(r), "");
}

}  // namespace
}  // namespace isocheck
