#include "commands/gate.h"

#include <gtest/gtest.h>

#include "protocol/usage_error.h"

namespace isocheck {
namespace {

CellResult cell(Outcome outcome, std::string config = "isolated") {
  CellResult c;
  c.key = CellKey{"m", "3.12.1", std::move(config), "import"};
  c.outcome = outcome;
  return c;
}

RunReport report_of(std::vector<CellResult> cells) {
  RunReport r;
  r.cells = std::move(cells);
  return r;
}

TEST(Gate, DefectsCrashesTimeoutsAndErrorsFailTheGate) {
  for (Outcome bad : {Outcome::fail, Outcome::crash, Outcome::timeout, Outcome::error}) {
    const RunReport report = report_of({cell(Outcome::pass), cell(bad, "legacy"), cell(Outcome::skip)});
    EXPECT_EQ(gate_exit_code(report, {}), kExitGateFailed) << to_string(bad);
    EXPECT_EQ(gate_exit_code(report, {}), 1);
    EXPECT_TRUE(cell_fails_gate(entry_of(cell(bad)), {})) << to_string(bad);
  }
}

TEST(Gate, PassSkipWarnAndUnsupportedPassTheGate) {
  const RunReport report = report_of({cell(Outcome::pass, "main"), cell(Outcome::skip, "legacy"),
                                      cell(Outcome::warn, "isolated"), cell(Outcome::unsupported, "isolated")});
  EXPECT_EQ(gate_exit_code(report, {}), kExitGatePassed);
  EXPECT_EQ(gate_exit_code(report, {}), 0);
}

TEST(Gate, UnsupportedFailsOnlyInARequiredConfig) {
  const CellResult isolated = cell(Outcome::unsupported, "isolated");
  EXPECT_FALSE(cell_fails_gate(entry_of(isolated), {}));
  EXPECT_FALSE(cell_fails_gate(entry_of(isolated), {Config::legacy}));
  EXPECT_TRUE(cell_fails_gate(entry_of(isolated), {Config::isolated}));
  EXPECT_TRUE(cell_fails_gate(entry_of(isolated), {Config::main, Config::isolated}));

  const RunReport report = report_of({cell(Outcome::pass, "legacy"), isolated});
  EXPECT_EQ(gate_exit_code(report, {Config::legacy}), 0);
  EXPECT_EQ(gate_exit_code(report, {Config::isolated}), 1);
}

TEST(Gate, RequireDoesNotTurnOtherOutcomesIntoFailures) {
  for (Outcome ok : {Outcome::pass, Outcome::skip, Outcome::warn}) {
    EXPECT_FALSE(cell_fails_gate(entry_of(cell(ok, "isolated")), {Config::isolated})) << to_string(ok);
  }
}

TEST(Gate, UnsupportedInTheNoConfigColumnIsNeverRequired) {
  EXPECT_FALSE(cell_fails_gate(entry_of(cell(Outcome::unsupported, "-")), {Config::main, Config::legacy, Config::isolated}));
}

TEST(Gate, IncompleteRunFailsTheGateEvenWhenEveryCellPassed) {
  RunReport report = report_of({cell(Outcome::pass)});
  EXPECT_EQ(gate_exit_code(report, {}), 0);
  report.incomplete = 3;
  EXPECT_EQ(gate_exit_code(report, {}), 1);
}

TEST(Gate, EmptyCompleteRunPasses) { EXPECT_EQ(gate_exit_code(report_of({}), {Config::isolated}), 0); }

}  // namespace
}  // namespace isocheck
