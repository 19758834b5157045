#include "commands/merge.h"

#include <gtest/gtest.h>

#include "commands/gate.h"
#include "commands/shard.h"
#include "protocol/usage_error.h"
#include "reports/json_report.h"

namespace isocheck {
namespace {

CellResult cell(std::string module, std::string python, std::string config, std::string check, Outcome outcome) {
  CellResult c;
  c.key = CellKey{std::move(module), std::move(python), std::move(config), std::move(check)};
  c.outcome = outcome;
  c.summary = std::string(to_string(outcome));
  return c;
}

PythonTarget py(std::string version) {
  PythonTarget p;
  p.version = std::move(version);
  p.executable = "/opt/" + p.version + "/bin/python3";
  return p;
}

RunReport full_run() {
  RunReport r;
  r.tool_version = "0.1.0";
  r.created = "2026-11-25T10:00:00Z";
  r.pythons = {py("3.12.1"), py("3.13.0")};
  r.modules = {"zeta", "alpha"};
  for (const char* m : {"zeta", "alpha"}) {
    for (const char* v : {"3.12.1", "3.13.0"}) {
      r.cells.push_back(cell(m, v, "main", "import", Outcome::pass));
      r.cells.push_back(cell(m, v, "legacy", "reimport", Outcome::fail));
      r.cells.push_back(cell(m, v, "isolated", "teardown", Outcome::crash));
      r.cells.push_back(cell(m, v, "-", "lint", Outcome::warn));
    }
  }
  r.finish();
  return r;
}

RunReport shard_of(const RunReport& full, Shard s) {
  RunReport part = full;
  std::vector<CellResult> cells = full.cells.loaded();
  std::erase_if(cells, [&](const CellResult& c) { return !in_shard(c.key, s); });
  part.cells = std::move(cells);
  return part;
}

TEST(Merge, ShardsMergeBackIntoTheUnshardedReport) {
  const RunReport full = full_run();
  RunReport merged = merge_reports({{"3.json", shard_of(full, {3, 3})},
                                          {"1.json", shard_of(full, {1, 3})},
                                          {"2.json", shard_of(full, {2, 3})}});
  RunReport expected = full;
  expected.created = merged.created = "";
  EXPECT_EQ(report_to_json(merged), report_to_json(expected));
  EXPECT_EQ(gate_exit_code(merged, {}), 1);
}

TEST(Merge, PythonsComeInVersionOrderAndModulesInFirstSeenOrder) {
  RunReport a = full_run();
  a.pythons = {py("3.13.0")};
  a.modules = {"zeta"};
  RunReport b = full_run();
  b.pythons = {py("3.12.1"), py("3.13.0")};
  b.modules = {"alpha", "zeta"};
  const RunReport merged = merge_reports({{"a", a}, {"b", b}});
  ASSERT_EQ(merged.pythons.size(), 2u);
  EXPECT_EQ(merged.pythons[0].version, "3.12.1");
  EXPECT_EQ(merged.pythons[1].version, "3.13.0");
  EXPECT_EQ(merged.modules, (std::vector<std::string>{"zeta", "alpha"}));
}

TEST(Merge, ACellInTwoReportsWithOneOutcomeIsKeptOnce) {
  const RunReport full = full_run();
  const RunReport merged = merge_reports({{"a", full}, {"b", full}});
  EXPECT_EQ(merged.cells.size(), full.cells.size());
}

TEST(Merge, ACellWithTwoOutcomesIsAUsageErrorNamingBothFiles) {
  const RunReport a = full_run();
  RunReport b = full_run();
  std::vector<CellResult> cells = b.cells.loaded();
  cells[0].outcome = Outcome::timeout;
  b.cells = std::move(cells);
  try {
    merge_reports({{"shard1.json", a}, {"shard2.json", b}});
    ADD_FAILURE() << "conflict accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "merge: cell alpha:3.12.1:main:import is pass in shard1.json but timeout in shard2.json");
  }
}

TEST(Merge, IncompleteCountsAddUpAndFailTheGate) {
  RunReport a = full_run();
  a.cells = std::vector<CellResult>{cell("alpha", "3.12.1", "main", "import", Outcome::pass)};
  a.incomplete = 2;
  RunReport b = a;
  b.cells = std::vector<CellResult>{cell("alpha", "3.13.0", "main", "import", Outcome::pass)};
  b.incomplete = 1;
  const RunReport merged = merge_reports({{"a", a}, {"b", b}});
  EXPECT_EQ(merged.incomplete, 3);
  EXPECT_EQ(report_to_json(merged)["incomplete"], 3);
  EXPECT_EQ(gate_exit_code(merged, {}), 1);
}

TEST(Merge, TotalsAreRecomputedFromTheMergedCells) {
  const RunReport full = full_run();
  const auto totals = report_to_json(merge_reports({{"1", shard_of(full, {1, 2})}, {"2", shard_of(full, {2, 2})}}))["totals"];
  EXPECT_EQ(totals["pass"], 4);
  EXPECT_EQ(totals["fail"], 4);
  EXPECT_EQ(totals["crash"], 4);
  EXPECT_EQ(totals["warn"], 4);
}

TEST(Merge, BaselineOutcomesSurviveSoKnownCellsStillPassTheGate) {
  RunReport a = full_run();
  a.baseline_given = true;
  for (size_t i = 0; i < a.cells.size(); ++i) a.cells.set_baseline(i, a.cells.entries()[i].outcome);  // all known
  const RunReport merged = merge_reports({{"1", shard_of(a, {1, 2})}, {"2", shard_of(a, {2, 2})}});
  EXPECT_TRUE(merged.baseline_given);
  EXPECT_EQ(gate_exit_code(merged, {}), 0);
}

TEST(Merge, NothingToMergeIsAUsageError) { EXPECT_THROW(merge_reports({}), UsageError); }

}  // namespace
}  // namespace isocheck
