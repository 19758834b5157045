#include "model/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/catalog.h"

namespace isocheck {
namespace {

CellResult cell(std::string module, std::string python, std::string check, std::string config,
                Outcome outcome = Outcome::pass, std::string summary = "") {
  CellResult c;
  c.key = CellKey{std::move(module), std::move(python), std::move(config), std::move(check)};
  c.outcome = outcome;
  c.summary = std::move(summary);
  return c;
}

std::vector<std::string> describe(const CellStore& cells) {
  std::vector<std::string> out;
  for (const auto& c : cells) out.push_back(c.key.module + " " + c.key.python + " " + c.key.check + " " + c.key.config);
  return out;
}

TEST(VersionLess, ComparesComponentsNumericallyNotAsText) {
  EXPECT_TRUE(version_less("3.9", "3.12"));
  EXPECT_FALSE(version_less("3.12", "3.9"));
  EXPECT_TRUE(version_less("3.9.1", "3.12.0"));
  EXPECT_TRUE(version_less("3.12.2", "3.12.10"));
  EXPECT_TRUE(version_less("3.12.9", "3.13.0"));
}

TEST(VersionLess, IsIrreflexiveAndAShorterPrefixComesFirst) {
  EXPECT_FALSE(version_less("3.12.1", "3.12.1"));
  EXPECT_TRUE(version_less("3.12", "3.12.0"));
  EXPECT_FALSE(version_less("3.12.0", "3.12"));
}

TEST(VersionLess, ADebugBuildComesRightAfterItsReleaseBuild) {
  EXPECT_TRUE(version_less("3.14.8", "3.14.8d"));
  EXPECT_FALSE(version_less("3.14.8d", "3.14.8"));
  EXPECT_FALSE(version_less("3.14.8d", "3.14.8d"));
  EXPECT_TRUE(version_less("3.13.15d", "3.14.8"));
}

TEST(ReportOrder, ModuleFirstThenPythonThenCheckThenConfig) {
  EXPECT_TRUE(report_order(cell("a", "3.13.0", "teardown", "isolated").key, cell("b", "3.12.1", "import", "main").key));
  EXPECT_TRUE(report_order(cell("a", "3.12.1", "teardown", "isolated").key, cell("a", "3.13.0", "import", "main").key));
  EXPECT_TRUE(report_order(cell("a", "3.12.1", "import", "isolated").key, cell("a", "3.12.1", "reimport", "main").key));
  EXPECT_TRUE(report_order(cell("a", "3.12.1", "import", "main").key, cell("a", "3.12.1", "import", "legacy").key));
  EXPECT_FALSE(report_order(cell("a", "3.12.1", "import", "main").key, cell("a", "3.12.1", "import", "main").key));
}

TEST(ReportOrder, PythonIsOrderedNumerically) {
  EXPECT_TRUE(report_order(cell("m", "3.9.18", "import", "main").key, cell("m", "3.12.1", "import", "main").key));
  EXPECT_FALSE(report_order(cell("m", "3.12.1", "import", "main").key, cell("m", "3.9.18", "import", "main").key));
}

TEST(ReportOrder, ChecksFollowTheCatalogNotTheAlphabet) {
  const auto catalog = check_catalog();
  ASSERT_GE(catalog.size(), 2u);
  for (size_t i = 0; i + 1 < catalog.size(); ++i) {
    const std::string earlier(catalog[i].id), later(catalog[i + 1].id);
    EXPECT_TRUE(report_order(cell("m", "3.12.1", earlier, "legacy").key, cell("m", "3.12.1", later, "legacy").key))
        << earlier << " before " << later;
    EXPECT_FALSE(report_order(cell("m", "3.12.1", later, "legacy").key, cell("m", "3.12.1", earlier, "legacy").key));
  }
  // "cycles" < "import" alphabetically, but import comes first in the catalog.
  EXPECT_TRUE(report_order(cell("m", "3.12.1", "import", "legacy").key, cell("m", "3.12.1", "cycles", "legacy").key));
}

TEST(ReportOrder, ConfigsGoMainLegacyIsolated) {
  const auto key = [](const char* config) { return cell("m", "3.12.1", "import", config).key; };
  EXPECT_TRUE(report_order(key("main"), key("legacy")));
  EXPECT_TRUE(report_order(key("legacy"), key("isolated")));
  EXPECT_TRUE(report_order(key("main"), key("isolated")));
  EXPECT_FALSE(report_order(key("isolated"), key("legacy")));
  EXPECT_FALSE(report_order(key("legacy"), key("main")));
}

TEST(RunReportFinish, SortsCellsIntoTheStableReportOrder) {
  RunReport report;
  report.cells = std::vector<CellResult>{
      cell("zeta", "3.12.1", "import", "main"),
      cell("alpha", "3.13.0", "import", "main"),
      cell("alpha", "3.12.1", "cycles", "isolated"),
      cell("alpha", "3.12.1", "cycles", "legacy"),
      cell("alpha", "3.12.1", "import", "isolated"),
      cell("alpha", "3.9.0", "teardown", "legacy"),
      cell("alpha", "3.12.1", "import", "main"),
  };
  report.finish();
  EXPECT_EQ(describe(report.cells), (std::vector<std::string>{
                                        "alpha 3.9.0 teardown legacy",
                                        "alpha 3.12.1 import main",
                                        "alpha 3.12.1 import isolated",
                                        "alpha 3.12.1 cycles legacy",
                                        "alpha 3.12.1 cycles isolated",
                                        "alpha 3.13.0 import main",
                                        "zeta 3.12.1 import main",
                                    }));
}

TEST(RunReportFinish, OrderDoesNotDependOnCompletionOrder) {
  std::vector<CellResult> cells;
  for (const char* module : {"b", "a"}) {
    for (const char* python : {"3.13.0", "3.12.1"}) {
      for (const CheckInfo& check : check_catalog()) {
        for (Config c : check.configs) cells.push_back(cell(module, python, std::string(check.id), std::string(to_string(c))));
      }
    }
  }
  RunReport forward;
  forward.cells = cells;
  forward.finish();
  RunReport backward;
  backward.cells = std::vector<CellResult>(cells.rbegin(), cells.rend());
  backward.finish();
  std::rotate(cells.begin(), cells.begin() + 5, cells.end());
  RunReport rotated;
  rotated.cells = cells;
  rotated.finish();
  EXPECT_EQ(describe(forward.cells), describe(backward.cells));
  EXPECT_EQ(describe(forward.cells), describe(rotated.cells));
  const std::vector<CellResult> sorted = forward.cells.loaded();
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end(),
                             [](const CellResult& a, const CellResult& b) { return report_order(a.key, b.key); }));
  EXPECT_EQ(forward.cells.at(0).key.module, "a");
  EXPECT_EQ(forward.cells.at(0).key.python, "3.12.1");
}

TEST(RunReport, CountsCellsPerOutcome) {
  RunReport report;
  report.cells = std::vector<CellResult>{cell("m", "3.12.1", "import", "main", Outcome::pass),
                  cell("m", "3.12.1", "import", "legacy", Outcome::pass),
                  cell("m", "3.12.1", "import", "isolated", Outcome::unsupported),
                  cell("m", "3.12.1", "cycles", "legacy", Outcome::crash)};
  EXPECT_EQ(report.count(Outcome::pass), 2);
  EXPECT_EQ(report.count(Outcome::unsupported), 1);
  EXPECT_EQ(report.count(Outcome::crash), 1);
  EXPECT_EQ(report.count(Outcome::fail), 0);
  int sum = 0;
  for (Outcome o : kAllOutcomes) sum += report.count(o);
  EXPECT_EQ(sum, 4);
}

}  // namespace
}  // namespace isocheck
