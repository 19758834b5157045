#include "reports/json_report_reader.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "protocol/usage_error.h"
#include "reports/json_report.h"

namespace isocheck {
namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

RunReport sample_report() {
  RunReport r;
  r.tool_version = "0.1.0";
  r.created = "2026-11-25T10:00:00Z";
  PythonTarget p;
  p.version = "3.12.1";
  p.executable = "/usr/bin/python3.12";
  PythonTarget d;
  d.version = "3.13.0";
  d.executable = "/opt/py313d/bin/python3";
  d.debug_build = true;
  r.pythons = {p, d};
  r.modules = {"mypkg._speedups"};
  CellResult pass;
  pass.key = CellKey{"mypkg._speedups", "3.12.1", "main", "import"};
  pass.outcome = Outcome::pass;
  pass.summary = "imported";
  pass.repro = "isocheck run mypkg._speedups --check import";
  CellResult crash;
  crash.key = CellKey{"mypkg._speedups", "3.13.0", "isolated", "cycles"};
  crash.outcome = Outcome::crash;
  crash.summary = "SIGABRT in cycle 2 of 10";
  crash.details = {{"signal", "SIGABRT"}, {"backtrace", {"#0 abort", "#1 m_free"}}};
  crash.metrics = {{"cycles_completed", 1}};
  crash.duration_ms = 41.7;
  crash.repro = "isocheck run mypkg._speedups --python 3.13 --check cycles --config isolated";
  r.cells = {pass, crash};
  r.incomplete = 3;
  return r;
}

TEST(JsonReportReader, ReadingWhatTheWriterWroteGivesTheSameReport) {
  const ordered_json written = report_to_json(sample_report());
  const RunReport read = report_from_json(written);
  EXPECT_EQ(report_to_json(read), written);
  EXPECT_EQ(read.pythons.at(1).version, "3.13.0");
  EXPECT_TRUE(read.pythons.at(1).debug_build);
  EXPECT_EQ(read.cells.at(1).outcome, Outcome::crash);
  EXPECT_EQ(read.cells.at(1).details["backtrace"][1], "#1 m_free");
  EXPECT_EQ(read.incomplete, 3);
  EXPECT_FALSE(read.baseline_given);
}

TEST(JsonReportReader, BaselineOutcomesRoundTripIncludingCellsTheBaselineDidNotKnow) {
  RunReport r = sample_report();
  r.baseline_given = true;
  r.cells.set_baseline(1, Outcome::crash);  // cells[0]: new since the baseline
  const ordered_json written = report_to_json(r);
  EXPECT_TRUE(written["cells"][0]["baseline"].is_null());
  EXPECT_EQ(written["cells"][1]["baseline"], "crash");
  const RunReport read = report_from_json(written);
  EXPECT_TRUE(read.baseline_given);
  EXPECT_FALSE(read.cells.at(0).baseline.has_value());
  EXPECT_EQ(read.cells.at(1).baseline, Outcome::crash);
  EXPECT_EQ(report_to_json(read), written);
}

TEST(JsonReportReader, WithoutABaselineCellsHaveNoBaselineKey) {
  EXPECT_FALSE(report_to_json(sample_report())["cells"][0].contains("baseline"));
}

TEST(JsonReportReader, CellsComeBackInReportOrderWhateverTheFileOrder) {
  ordered_json j = report_to_json(sample_report());
  std::swap(j["cells"][0], j["cells"][1]);
  const RunReport read = report_from_json(j);
  EXPECT_EQ(read.cells.at(0).key.python, "3.12.1");
  EXPECT_EQ(read.cells.at(1).key.python, "3.13.0");
}

void expect_rejected(const std::function<void(ordered_json&)>& spoil, const std::string& why) {
  ordered_json j = report_to_json(sample_report());
  spoil(j);
  try {
    report_from_json(j);
    ADD_FAILURE() << "accepted: " << j.dump();
  } catch (const ReportFormatError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(JsonReportReader, RejectsEveryMalformedPart) {
  expect_rejected([](ordered_json& j) { j = ordered_json::array(); }, "not a JSON object");
  expect_rejected([](ordered_json& j) { j["schema"] = "isocheck-report/2"; }, "schema is \"isocheck-report/2\"");
  expect_rejected([](ordered_json& j) { j.erase("schema"); }, "schema is missing");
  expect_rejected([](ordered_json& j) { j.erase("tool"); }, "missing \"tool\"");
  expect_rejected([](ordered_json& j) { j["pythons"] = "3.12"; }, "\"pythons\" has the wrong type");
  expect_rejected([](ordered_json& j) { j["pythons"][0].erase("version"); }, "pythons[0]: missing \"version\"");
  expect_rejected([](ordered_json& j) { j["modules"] = {1}; }, "modules");
  expect_rejected([](ordered_json& j) { j.erase("cells"); }, "missing \"cells\"");
  expect_rejected([](ordered_json& j) { j["cells"][1] = 7; }, "cells[1]: not an object");
  expect_rejected([](ordered_json& j) { j["cells"][1].erase("check"); }, "cells[1]: missing \"check\"");
  expect_rejected([](ordered_json& j) { j["cells"][0]["outcome"] = "great"; }, "cells[0]: \"outcome\" is not an outcome");
  expect_rejected([](ordered_json& j) { j["cells"][0]["duration_ms"] = "fast"; }, "\"duration_ms\" has the wrong type");
  expect_rejected([](ordered_json& j) { j["cells"][0]["details"] = "x"; }, "\"details\" has the wrong type");
  expect_rejected([](ordered_json& j) { j["cells"][0]["baseline"] = "meh"; }, "\"baseline\" is not an outcome");
  expect_rejected([](ordered_json& j) { j["incomplete"] = -1; }, "\"incomplete\" is not a count");
}

class ReportFile : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("isocheck-reader-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
};

std::string usage_error_of(const fs::path& file) {
  try {
    read_report_file(file);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST_F(ReportFile, ReadsAWrittenReport) {
  const fs::path f = write("r.json", report_to_json_text(sample_report()));
  EXPECT_EQ(read_report_file(f).cells.size(), 2u);
}

TEST_F(ReportFile, EveryBadFileIsAUsageErrorNamingTheFile) {
  const std::string missing = (dir_ / "missing.json").string();
  EXPECT_EQ(usage_error_of(missing), missing + ": cannot read the report");
  EXPECT_EQ(usage_error_of(dir_), dir_.string() + ": cannot read the report");
  const fs::path truncated = write("truncated.json", report_to_json_text(sample_report()).substr(0, 200));
  EXPECT_EQ(usage_error_of(truncated).rfind(truncated.string() + ": not valid JSON (", 0), 0u) << usage_error_of(truncated);
  const fs::path other = write("other.json", R"({"schema": "isocheck-baseline/1", "cells": {}})");
  EXPECT_EQ(usage_error_of(other),
            other.string() + ": not an isocheck report: schema is \"isocheck-baseline/1\", expected \"isocheck-report/1\"");
}

}  // namespace
}  // namespace isocheck
