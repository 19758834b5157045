#include "commands/baseline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "commands/gate.h"
#include "protocol/usage_error.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;

CellResult cell(std::string module, std::string python, std::string config, std::string check, Outcome outcome) {
  CellResult c;
  c.key = CellKey{std::move(module), std::move(python), std::move(config), std::move(check)};
  c.outcome = outcome;
  return c;
}

RunReport report_of(std::vector<CellResult> cells) {
  RunReport r;
  r.cells = std::move(cells);
  r.finish();
  return r;
}

TEST(Baseline, KeyUsesTheMinorVersionSoPatchUpgradesKeepTheBaseline) {
  EXPECT_EQ(baseline_key(CellKey{"pkg._m", "3.12.1", "isolated", "teardown"}), "pkg._m:3.12:isolated:teardown");
  EXPECT_EQ(baseline_key(CellKey{"m", "3.13.0rc1", "-", "lint"}), "m:3.13:-:lint");
}

TEST(Baseline, ADebugBuildKeepsItsOwnKeyApartFromTheReleaseBuild) {
  EXPECT_EQ(baseline_key(CellKey{"m", "3.14.8d", "isolated", "leaks"}), "m:3.14d:isolated:leaks");
  EXPECT_EQ(baseline_key(CellKey{"m", "3.14.8", "isolated", "leaks"}), "m:3.14:isolated:leaks");
}

TEST(Baseline, WrittenFileHasTheSchemaAndEveryCellInReportOrder) {
  // Given out of order: the file follows module, python, check (catalog order), config.
  const RunReport r = report_of({cell("b", "3.12.1", "main", "import", Outcome::pass),
                                 cell("a", "3.13.0", "isolated", "teardown", Outcome::crash),
                                 cell("a", "3.12.1", "legacy", "import", Outcome::fail),
                                 cell("a", "3.12.1", "main", "import", Outcome::pass)});
  EXPECT_EQ(baseline_to_text(r),
            "{\n"
            "  \"schema\": \"isocheck-baseline/1\",\n"
            "  \"cells\": {\n"
            "    \"a:3.12:main:import\": \"pass\",\n"
            "    \"a:3.12:legacy:import\": \"fail\",\n"
            "    \"a:3.13:isolated:teardown\": \"crash\",\n"
            "    \"b:3.12:main:import\": \"pass\"\n"
            "  }\n"
            "}\n");
}

TEST(Baseline, TwoPatchVersionsOfOneMinorKeepTheWorseOutcome) {
  const RunReport r = report_of({cell("a", "3.12.1", "main", "import", Outcome::pass),
                                 cell("a", "3.12.8", "main", "import", Outcome::crash)});
  EXPECT_EQ(baseline_from_report(r).outcomes.at("a:3.12:main:import"), Outcome::crash);
}

class BaselineFile : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("isocheck-baseline-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& text) {
    std::ofstream(dir_ / "b.json") << text;
    return dir_ / "b.json";
  }
  std::string error_of(const std::string& text) {
    const fs::path f = write(text);
    try {
      read_baseline_file(f);
    } catch (const UsageError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
      return what.rfind(f.string() + ": ", 0) == 0 ? what.substr(f.string().size() + 2) : "(file not named) " + what;
    }
    return "(accepted)";
  }
};

TEST_F(BaselineFile, ReadsWhatWasWritten) {
  const RunReport r = report_of({cell("a", "3.12.1", "legacy", "teardown", Outcome::crash),
                                 cell("a", "3.13.0", "main", "import", Outcome::pass)});
  const Baseline b = read_baseline_file(write(baseline_to_text(r)));
  EXPECT_EQ(b.outcomes.size(), 2u);
  EXPECT_EQ(b.outcomes.at("a:3.12:legacy:teardown"), Outcome::crash);
  EXPECT_EQ(b.outcomes.at("a:3.13:main:import"), Outcome::pass);
}

TEST_F(BaselineFile, EveryBadFileIsAUsageErrorNamingTheFile) {
  try {
    read_baseline_file(dir_ / "missing.json");
    ADD_FAILURE() << "missing file accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "missing.json").string() + ": cannot read the baseline");
  }
  EXPECT_EQ(error_of("{\"schema\": ").rfind("not valid JSON (", 0), 0u) << error_of("{\"schema\": ");
  EXPECT_EQ(error_of("[]"), "not an isocheck baseline: not a JSON object");
  EXPECT_EQ(error_of(R"({"cells": {}})"), "not an isocheck baseline: schema is missing, expected \"isocheck-baseline/1\"");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-report/1", "cells": []})"),
            "not an isocheck baseline: schema is \"isocheck-report/1\", expected \"isocheck-baseline/1\"");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1"})"), "not an isocheck baseline: \"cells\" is not an object");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {"a:3.12:main": "pass"}})"),
            "not an isocheck baseline: cell key 'a:3.12:main' is not MODULE:PYTHON:CONFIG:CHECK");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {"a::main:import": "pass"}})"),
            "not an isocheck baseline: cell key 'a::main:import' is not MODULE:PYTHON:CONFIG:CHECK");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {"a:3.12:main:import": "fine"}})"),
            "not an isocheck baseline: cell 'a:3.12:main:import': \"fine\" is not an outcome");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {"a:3.12:main:import": 1}})"),
            "not an isocheck baseline: cell 'a:3.12:main:import': 1 is not an outcome");
}

Baseline baseline_of(std::map<std::string, Outcome> outcomes) { return Baseline{std::move(outcomes), {}}; }

TEST(BaselineGate, AKnownCrashDoesNotFailTheGateButANewOneDoes) {
  RunReport r = report_of({cell("a", "3.12.1", "legacy", "teardown", Outcome::crash)});
  EXPECT_EQ(gate_exit_code(r, {}), 1);
  apply_baseline(r, baseline_of({{"a:3.12:legacy:teardown", Outcome::crash}}));
  EXPECT_EQ(r.cells.at(0).baseline, Outcome::crash);
  EXPECT_EQ(gate_exit_code(r, {}), 0);
  EXPECT_EQ(r.cells.at(0).outcome, Outcome::crash) << "the crash stays in the report";

  apply_baseline(r, baseline_of({{"a:3.13:legacy:teardown", Outcome::crash}}));  // another Python's crash
  EXPECT_FALSE(r.cells.at(0).baseline.has_value());
  EXPECT_EQ(gate_exit_code(r, {}), 1);
}

TEST(BaselineGate, ADifferentBadOutcomeFailsTheGate) {
  RunReport r = report_of({cell("a", "3.12.1", "legacy", "teardown", Outcome::timeout)});
  apply_baseline(r, baseline_of({{"a:3.12:legacy:teardown", Outcome::crash}}));
  EXPECT_EQ(gate_exit_code(r, {}), 1);
  const BaselineComparison cmp = compare_with_baseline(r, {});
  ASSERT_EQ(cmp.changed.size(), 1u);
  EXPECT_TRUE(cmp.known.empty());
}

TEST(BaselineGate, KnownUnsupportedInARequiredConfigDoesNotFail) {
  RunReport r = report_of({cell("a", "3.12.1", "isolated", "import", Outcome::unsupported)});
  EXPECT_EQ(gate_exit_code(r, {Config::isolated}), 1);
  apply_baseline(r, baseline_of({{"a:3.12:isolated:import", Outcome::unsupported}}));
  EXPECT_EQ(gate_exit_code(r, {Config::isolated}), 0);
  EXPECT_EQ(compare_with_baseline(r, {Config::isolated}).known.size(), 1u);
  EXPECT_TRUE(compare_with_baseline(r, {}).known.empty()) << "not bad without --require: nothing to know";
}

TEST(BaselineGate, IncompleteRunStillFails) {
  RunReport r = report_of({cell("a", "3.12.1", "main", "import", Outcome::pass)});
  r.incomplete = 1;
  apply_baseline(r, baseline_of({{"a:3.12:main:import", Outcome::pass}}));
  EXPECT_EQ(gate_exit_code(r, {}), 1);
}

TEST(BaselineGate, ComparisonSortsCellsIntoKnownChangedNewAndBetter) {
  RunReport r = report_of({cell("a", "3.12.1", "main", "import", Outcome::pass),        // was fail: better
                           cell("a", "3.12.1", "main", "reimport", Outcome::fail),      // known
                           cell("a", "3.12.1", "legacy", "teardown", Outcome::crash),   // was fail: changed
                           cell("a", "3.12.1", "main", "reinit", Outcome::error),       // new
                           cell("a", "3.12.1", "main", "leaks", Outcome::warn),         // was pass: nothing
                           cell("a", "3.12.1", "legacy", "cycles", Outcome::pass)});    // same: nothing
  apply_baseline(r, baseline_of({{"a:3.12:main:import", Outcome::fail},
                                 {"a:3.12:main:reimport", Outcome::fail},
                                 {"a:3.12:legacy:teardown", Outcome::fail},
                                 {"a:3.12:main:leaks", Outcome::pass},
                                 {"a:3.12:legacy:cycles", Outcome::pass}}));
  const BaselineComparison cmp = compare_with_baseline(r, {});
  ASSERT_EQ(cmp.improved.size(), 1u);
  EXPECT_EQ(cmp.improved[0]->key.check, "import");
  ASSERT_EQ(cmp.known.size(), 1u);
  EXPECT_EQ(cmp.known[0]->key.check, "reimport");
  ASSERT_EQ(cmp.changed.size(), 1u);
  EXPECT_EQ(cmp.changed[0]->key.check, "teardown");
  ASSERT_EQ(cmp.new_bad.size(), 1u);
  EXPECT_EQ(cmp.new_bad[0]->key.check, "reinit");
  EXPECT_EQ(gate_exit_code(r, {}), 1);

  const std::string notes = render_baseline_notes(r, {}, "isocheck baseline write b.json --from r.json");
  EXPECT_NE(notes.find("known    a 3.12.1 main reimport: fail"), std::string::npos) << notes;
  EXPECT_NE(notes.find("changed  a 3.12.1 legacy teardown: crash (baseline: fail)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("new      a 3.12.1 main reinit: error (not in the baseline)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("better   a 3.12.1 main import: pass (baseline: fail)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("1 cell(s) better than baseline; refresh with: isocheck baseline write b.json --from r.json"),
            std::string::npos)
      << notes;
}

TEST(BaselineGate, NoNotesWithoutABaseline) {
  EXPECT_EQ(render_baseline_notes(report_of({cell("a", "3.12.1", "main", "import", Outcome::fail)}), {}, "x"), "");
}

TEST_F(BaselineFile, MalformedFlakyListsAreNamed) {
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {}, "flaky": {"a:3.12:main:import": ["pass"]}})"),
            "not an isocheck baseline: flaky cell 'a:3.12:main:import' is not in \"cells\"");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {"a:3.12:main:import": "crash"},
                        "flaky": {"a:3.12:main:import": ["pass", "wobbly"]}})"),
            "not an isocheck baseline: flaky cell 'a:3.12:main:import': \"wobbly\" is not an outcome");
  EXPECT_EQ(error_of(R"({"schema": "isocheck-baseline/1", "cells": {}, "flaky": []})"),
            "not an isocheck baseline: \"flaky\" is not an object");
}

}  // namespace
}  // namespace isocheck

namespace isocheck {
namespace {

CellEntry flaky_entry(Outcome outcome, std::initializer_list<Outcome> seen) {
  CellEntry e;
  e.key = {"m", "3.13.0", "isolated", "concurrent"};
  e.outcome = outcome;
  for (Outcome o : seen) e.observed |= 1u << static_cast<unsigned>(o);
  return e;
}

TEST(BaselineFlaky, AFlakyCellIsKnownWhicheverWayItGoes) {
  const std::string key = "m:3.13:isolated:concurrent";
  Baseline b;
  b.outcomes[key] = Outcome::crash;
  b.flaky[key] = (1u << static_cast<unsigned>(Outcome::pass)) | (1u << static_cast<unsigned>(Outcome::crash));
  EXPECT_TRUE(baseline_knows(b, key, flaky_entry(Outcome::pass, {Outcome::pass})));
  EXPECT_TRUE(baseline_knows(b, key, flaky_entry(Outcome::crash, {Outcome::crash})));
  EXPECT_FALSE(baseline_knows(b, key, flaky_entry(Outcome::fail, {Outcome::fail})));  // never seen: a change

  // A baseline that saw one outcome knows a flaky run that had it among its runs ...
  Baseline steady;
  steady.outcomes[key] = Outcome::pass;
  EXPECT_TRUE(baseline_knows(steady, key, flaky_entry(Outcome::crash, {Outcome::pass, Outcome::crash})));
  // ... but not a steady crash.
  EXPECT_FALSE(baseline_knows(steady, key, flaky_entry(Outcome::crash, {Outcome::crash})));
  EXPECT_FALSE(baseline_knows(steady, "other:3.13:isolated:concurrent", flaky_entry(Outcome::pass, {Outcome::pass})));
}


}  // namespace
}  // namespace isocheck
