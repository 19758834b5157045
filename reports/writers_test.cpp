#include "reports/writers.h"

#include <gtest/gtest.h>

#include <sstream>

#include "protocol/usage_error.h"
#include "reports/report_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::golden_report;

ReportOutputs every_file_in(const fs::path& dir) {
  ReportOutputs o;
  o.json = dir / "r.json";
  o.junit = dir / "r.xml";
  o.markdown = dir / "r.md";
  o.html = dir / "r.html";
  o.badge_svg = dir / "badge.svg";
  o.badge_json = dir / "badge.json";
  return o;
}

TEST(Writers, WritesEveryRequestedFileAndNothingElse) {
  testing::TempDir dir;
  std::ostringstream out;
  write_reports(golden_report(), every_file_in(dir.path()), out);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_GT(fs::file_size(entry.path()), 0u) << entry.path();
  }
  EXPECT_EQ(files, 6u);  // no temporary files left behind
  EXPECT_EQ(testing::read_text(dir.path() / "r.xml").rfind("<?xml", 0), 0u);
  EXPECT_NE(testing::read_text(dir.path() / "badge.json").find("\"message\": \"crash\""), std::string::npos);
  EXPECT_NE(testing::read_text(dir.path() / "r.md").find("### demo.bad"), std::string::npos);
  EXPECT_EQ(out.str(), "");  // annotations only when asked
}

TEST(Writers, NoRequestedFileWritesNothing) {
  testing::TempDir dir;
  std::ostringstream out;
  write_reports(golden_report(), ReportOutputs{}, out);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Writers, PrintsGithubAnnotationsWhenAsked) {
  ReportOutputs o;
  o.github_annotations = true;
  std::ostringstream out;
  write_reports(golden_report(), o, out);
  EXPECT_EQ(out.str().rfind("::error title=isocheck crash%3A demo.bad", 0), 0u) << out.str();
}

TEST(Writers, MissingDirectoryIsAUsageErrorNamingTheOption) {
  testing::TempDir dir;
  for (auto field : {&ReportOutputs::junit, &ReportOutputs::markdown, &ReportOutputs::html, &ReportOutputs::badge_svg,
                     &ReportOutputs::badge_json, &ReportOutputs::json}) {
    ReportOutputs o;
    o.*field = dir.path() / "missing" / "r.out";
    try {
      check_report_destinations(o);
      ADD_FAILURE() << "no error for a missing directory";
    } catch (const UsageError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("--", 0), 0u) << message;
      EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos);
    }
  }
}

TEST(Writers, ADirectoryAsDestinationIsAUsageError) {
  testing::TempDir dir;
  ReportOutputs o;
  o.html = dir.path();
  EXPECT_THROW(check_report_destinations(o), UsageError);
}

TEST(Writers, WriteFailureIsAUsageErrorAndOtherFilesAreStillWritten) {
  testing::TempDir dir;
  ReportOutputs o = every_file_in(dir.path());
  o.junit = dir.path() / "gone" / "r.xml";  // the directory vanished after the check
  std::ostringstream out;
  EXPECT_THROW(write_reports(golden_report(), o, out), UsageError);
  EXPECT_TRUE(fs::exists(dir.path() / "r.html"));
  EXPECT_TRUE(fs::exists(dir.path() / "badge.svg"));
  EXPECT_FALSE(fs::exists(dir.path() / "gone"));
}

}  // namespace
}  // namespace isocheck
