#include "reports/json_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace isocheck {
namespace {

using nlohmann::ordered_json;

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

CellResult cell(std::string module, std::string python, std::string config, std::string check, Outcome outcome) {
  CellResult c;
  c.key = CellKey{std::move(module), std::move(python), std::move(config), std::move(check)};
  c.outcome = outcome;
  c.summary = std::string(to_string(outcome)) + " summary";
  c.repro = "isocheck run " + c.key.module + " --check " + c.key.check;
  return c;
}

RunReport sample_report() {
  RunReport r;
  r.tool_version = "0.1.0";
  r.created = "2026-11-25T10:00:00Z";
  PythonTarget p;
  p.version = "3.12.1";
  p.minor = "3.12";
  p.executable = "/usr/bin/python3.12";
  p.host = "/build/bin/isocheck-host-3.12";
  p.debug_build = false;
  PythonTarget d = p;
  d.version = "3.13.0";
  d.minor = "3.13";
  d.executable = "/opt/py313d/bin/python3";
  d.debug_build = true;
  r.pythons = {p, d};
  r.modules = {"mypkg._speedups"};
  CellResult crash = cell("mypkg._speedups", "3.12.1", "isolated", "cycles", Outcome::crash);
  crash.summary = "SIGABRT in cycle 2 of 10 (double free in m_free)";
  crash.details = {{"signal", "SIGABRT"}, {"cycle", 2}};
  crash.metrics = {{"cycles_completed", 1}};
  crash.duration_ms = 41.73;
  crash.repro = "isocheck run mypkg._speedups --python 3.12 --check cycles --config isolated";
  r.cells = {cell("mypkg._speedups", "3.12.1", "main", "import", Outcome::pass), crash,
             cell("mypkg._speedups", "3.13.0", "isolated", "import", Outcome::unsupported)};
  return r;
}

TEST(JsonReport, TopLevelKeysComeInTheSpecOrder) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"schema", "tool", "created", "pythons", "modules", "cells", "totals"}));
}

TEST(JsonReport, NamesSchemaToolAndCreationTime) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_EQ(j["schema"], "isocheck-report/1");
  EXPECT_EQ(j["tool"], ordered_json::parse(R"({"name": "isocheck", "version": "0.1.0"})"));
  EXPECT_EQ(keys_of(j["tool"]), (std::vector<std::string>{"name", "version"}));
  EXPECT_EQ(j["created"], "2026-11-25T10:00:00Z");
}

TEST(JsonReport, ListsPythonsWithVersionExecutableAndDebugBuild) {
  const ordered_json j = report_to_json(sample_report());
  ASSERT_EQ(j["pythons"].size(), 2u);
  EXPECT_EQ(keys_of(j["pythons"][0]), (std::vector<std::string>{"version", "executable", "debug_build"}));
  EXPECT_EQ(j["pythons"][0]["version"], "3.12.1");
  EXPECT_EQ(j["pythons"][0]["executable"], "/usr/bin/python3.12");
  EXPECT_EQ(j["pythons"][0]["debug_build"], false);
  EXPECT_EQ(j["pythons"][1]["version"], "3.13.0");
  EXPECT_EQ(j["pythons"][1]["debug_build"], true);
}

TEST(JsonReport, ListsModulesAsGiven) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_EQ(j["modules"], ordered_json::array({"mypkg._speedups"}));
}

TEST(JsonReport, EveryCellHasEverySpecKeyInTheSpecOrder) {
  const ordered_json j = report_to_json(sample_report());
  ASSERT_EQ(j["cells"].size(), 3u);
  const std::vector<std::string> spec_keys = {"module", "python",  "config",  "check",       "outcome",
                                              "summary", "details", "metrics", "duration_ms", "repro"};
  for (const auto& c : j["cells"]) EXPECT_EQ(keys_of(c), spec_keys) << c.dump();
}

TEST(JsonReport, CellCarriesItsResultAndEvidence) {
  const ordered_json j = report_to_json(sample_report());
  const ordered_json& c = j["cells"][1];
  EXPECT_EQ(c["module"], "mypkg._speedups");
  EXPECT_EQ(c["python"], "3.12.1");
  EXPECT_EQ(c["config"], "isolated");
  EXPECT_EQ(c["check"], "cycles");
  EXPECT_EQ(c["outcome"], "crash");
  EXPECT_EQ(c["summary"], "SIGABRT in cycle 2 of 10 (double free in m_free)");
  EXPECT_EQ(c["details"]["signal"], "SIGABRT");
  EXPECT_EQ(c["details"]["cycle"], 2);
  EXPECT_EQ(c["metrics"]["cycles_completed"], 1);
  ASSERT_TRUE(c["duration_ms"].is_number());
  EXPECT_NEAR(c["duration_ms"].get<double>(), 41.7, 1e-9);  // one decimal, as in the spec
  EXPECT_EQ(c["repro"], "isocheck run mypkg._speedups --python 3.12 --check cycles --config isolated");
}

TEST(JsonReport, EmptyDetailsAndMetricsAreObjectsNotNull) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_TRUE(j["cells"][0]["details"].is_object());
  EXPECT_TRUE(j["cells"][0]["metrics"].is_object());
}

TEST(JsonReport, CellsKeepTheReportOrder) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_EQ(j["cells"][0]["check"], "import");
  EXPECT_EQ(j["cells"][1]["check"], "cycles");
  EXPECT_EQ(j["cells"][2]["python"], "3.13.0");
}

TEST(JsonReport, TotalsCountAllEightOutcomesInVocabularyOrder) {
  const ordered_json j = report_to_json(sample_report());
  EXPECT_EQ(keys_of(j["totals"]), (std::vector<std::string>{"pass", "fail", "warn", "unsupported", "crash",
                                                            "timeout", "skip", "error"}));
  EXPECT_EQ(j["totals"]["pass"], 1);
  EXPECT_EQ(j["totals"]["crash"], 1);
  EXPECT_EQ(j["totals"]["unsupported"], 1);
  EXPECT_EQ(j["totals"]["fail"], 0);
  EXPECT_EQ(j["totals"]["error"], 0);
}

TEST(JsonReport, IncompleteAppearsOnlyWhenSomeCellsDidNotRun) {
  RunReport report = sample_report();
  EXPECT_FALSE(report_to_json(report).contains("incomplete"));
  report.incomplete = 4;
  const ordered_json j = report_to_json(report);
  ASSERT_TRUE(j.contains("incomplete"));
  EXPECT_EQ(j["incomplete"], 4);
}

TEST(JsonReport, EmptyRunIsStillACompleteDocument) {
  RunReport report;
  report.tool_version = "0.1.0";
  report.created = "2026-01-01T00:00:00Z";
  const ordered_json j = report_to_json(report);
  EXPECT_TRUE(j["pythons"].is_array());
  EXPECT_TRUE(j["modules"].is_array());
  EXPECT_TRUE(j["cells"].is_array());
  EXPECT_TRUE(j["cells"].empty());
  EXPECT_EQ(j["totals"].size(), 8u);
  // And it serialises to text that parses back to the same document.
  EXPECT_EQ(ordered_json::parse(j.dump(2)), j);
}

TEST(JsonReport, SerialisedTextIsStableForTheSameReport) {
  EXPECT_EQ(report_to_json(sample_report()).dump(2), report_to_json(sample_report()).dump(2));
}

// The file is streamed a cell at a time (issue #6); it must be exactly the text of the whole
// document dumped at once: same indentation, same separators, same escapes.
std::string whole_document_text(const RunReport& r) {
  return report_to_json(r).dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

TEST(JsonReport, StreamedTextIsTheWholeDocumentsText) {
  RunReport r = sample_report();
  EXPECT_EQ(report_to_json_text(r), whole_document_text(r));
  r.incomplete = 4;
  r.baseline_given = true;
  r.cells.set_baseline(1, Outcome::crash);
  EXPECT_EQ(report_to_json_text(r), whole_document_text(r));
}

TEST(JsonReport, StreamedTextOfOneCellAndOfNoCell) {
  RunReport one = sample_report();
  one.cells = {cell("m", "3.12.1", "main", "import", Outcome::pass)};
  EXPECT_EQ(report_to_json_text(one), whole_document_text(one));
  RunReport none = sample_report();
  none.cells = CellStore();
  EXPECT_EQ(report_to_json_text(none), whole_document_text(none));
}

TEST(JsonReport, StreamedTextSurvivesHostileTextInEveryField) {
  RunReport r = sample_report();
  CellResult evil = cell("m", "3.12.1", "legacy", "import", Outcome::fail);
  evil.summary = "\"cells\": \"isocheck: the cells go here\"\n  ]\n}";
  evil.details = {{"stdout_tail", std::string("\xff\xfe\n    nested\n", 12)}, {"deep", {{"a", {{"b", {1, 2}}}}}}};
  r.cells.push_back(evil);
  r.modules.push_back("isocheck: the cells go here");
  EXPECT_EQ(report_to_json_text(r), whole_document_text(r));
  EXPECT_EQ(ordered_json::parse(report_to_json_text(r))["cells"].size(), 4u);
}

}  // namespace
}  // namespace isocheck
