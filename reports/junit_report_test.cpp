#include "reports/junit_report.h"

#include <gtest/gtest.h>

#include "reports/report_test_support.h"

namespace isocheck {
namespace {

using testing::golden_report;
using testing::run_shell;

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// xmllint's verdict on `xml` against reports/testdata/junit.xsd: exit 0 when valid.
testing::CommandResult validate_with_xsd(const std::string& xml) {
  testing::TempDir dir;
  const auto file = dir.path() / "report.xml";
  testing::write_text(file, xml);
  return run_shell("xmllint --noout --schema '" + (testing::reports_test_data() / "junit.xsd").string() + "' '" +
                   file.string() + "' 2>&1");
}

std::string xpath(const std::string& xml, const std::string& expression) {
  testing::TempDir dir;
  const auto file = dir.path() / "report.xml";
  testing::write_text(file, xml);
  std::string out = run_shell("xmllint --xpath '" + expression + "' '" + file.string() + "' 2>&1").output;
  if (!out.empty() && out.back() == '\n') out.pop_back();  // xmllint ends its answer with a newline
  return out;
}

TEST(JunitReport, MatchesTheGoldenFile) { testing::expect_golden("golden.junit.xml", render_junit(golden_report())); }

TEST(JunitReport, GoldenReportValidatesAgainstTheJunitSchema) {
  ASSERT_TRUE(testing::have_program("xmllint")) << "xmllint (Debian libxml2-utils) is installed by run.sh";
  const auto result = validate_with_xsd(render_junit(golden_report()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(JunitReport, SchemaRejectsADuplicateTestcaseName) {
  // The validation test above can fail: the schema enforces what reporters rely on.
  ASSERT_TRUE(testing::have_program("xmllint"));
  const std::string bad = R"(<testsuites><testsuite name="s" tests="2">
<testcase name="import[main]" classname="c"/><testcase name="import[main]" classname="c"/>
</testsuite></testsuites>)";
  EXPECT_NE(validate_with_xsd(bad).exit_code, 0);
}

TEST(JunitReport, OneSuitePerModuleAndPython) {
  const std::string xml = render_junit(golden_report());
  EXPECT_EQ(occurrences(xml, "<testsuite "), 4);
  EXPECT_NE(xml.find(R"(<testsuite name="demo.bad [Python 3.12.1]" tests="10" failures="2" errors="3" skipped="2")"),
            std::string::npos);
}

TEST(JunitReport, MapsOutcomesToFailureErrorAndSkipped) {
  const std::string xml = render_junit(golden_report());
  EXPECT_EQ(xpath(xml, "string(//testsuite[@name=\"demo.bad [Python 3.12.1]\"]/testcase[@name=\"teardown[legacy]\"]/error/@type)"),
            "crash");
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"concurrent[isolated]\"]/error/@type)"), "timeout");
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"reinit[main]\"]/error/@type)"), "error");
  EXPECT_EQ(xpath(xml, "count(//testcase[@name=\"reimport[main]\"]/failure)"), "1");
  EXPECT_EQ(xpath(xml, "count(//testcase[@name=\"lint[-]\"]/failure)"), "1");
  EXPECT_EQ(xpath(xml, "count(//skipped)"), "5");  // 2 skip + 3 unsupported
  EXPECT_EQ(xpath(xml, "count(//failure) + count(//error)"), "5");
}

TEST(JunitReport, FailureCarriesSummaryAndEvidence) {
  const std::string xml = render_junit(golden_report());
  const std::string body = xpath(xml, "string(//testcase[@name=\"teardown[legacy]\"]/error)");
  EXPECT_NE(body.find("fifo: SIGSEGV during"), std::string::npos) << body;
  EXPECT_NE(body.find("#1 Py_EndInterpreter (Python/pylifecycle.c:2199)"), std::string::npos) << body;
  EXPECT_NE(body.find("<no Python frame>"), std::string::npos) << body;
  EXPECT_NE(body.find("isocheck run demo.bad --python 3.12 --check teardown --config legacy"), std::string::npos);
  EXPECT_EQ(xpath(xml, "string(//testcase[@name=\"reimport[main]\"]/failure/@message)"),
            "the two module objects share 1 object(s): demo.bad.counter (int)\n"
            "the new module object does not start fresh: bump() gave 2 where 1 was expected");
}

TEST(JunitReport, CdataEndMarkerInEvidenceSurvivesRoundTrip) {
  RunReport r = golden_report();
  std::vector<CellResult> cells = r.cells.loaded();
  for (CellResult& c : cells) {
    if (c.outcome == Outcome::crash) c.summary = "a]]>b]]]>c]]";
  }
  r.cells = std::move(cells);
  const std::string xml = render_junit(r);
  EXPECT_EQ(validate_with_xsd(xml).exit_code, 0);
  const std::string body = xpath(xml, "string(//testcase[@name=\"teardown[legacy]\"]/error)");
  EXPECT_EQ(body.rfind("a]]>b]]]>c]]\n", 0), 0u) << body;
}

TEST(JunitReport, RepeatedCellKeysStillGetUniqueNames) {
  RunReport r = golden_report();
  r.cells.push_back(r.cells.at(0));
  const std::string xml = render_junit(r);
  EXPECT_EQ(validate_with_xsd(xml).exit_code, 0);
  EXPECT_NE(xml.find("name=\"import[main] #2\""), std::string::npos);
}

}  // namespace
}  // namespace isocheck
