#include "model/rerun.h"

#include <gtest/gtest.h>

namespace isocheck {
namespace {

HostVerdict verdict(Outcome outcome, std::string summary) {
  HostVerdict v;
  v.outcome = outcome;
  v.summary = std::move(summary);
  return v;
}

TEST(Rerun, CrashesAnywhereAndFailuresOfTimingDependentChecksAreRerun) {
  EXPECT_TRUE(deserves_rerun("teardown", Outcome::crash));
  EXPECT_TRUE(deserves_rerun("concurrent", Outcome::crash));
  EXPECT_TRUE(deserves_rerun("concurrent", Outcome::fail));
  EXPECT_FALSE(deserves_rerun("isolation", Outcome::fail));   // deterministic: the walk sees what it sees
  EXPECT_FALSE(deserves_rerun("concurrent", Outcome::pass));
  EXPECT_FALSE(deserves_rerun("concurrent", Outcome::timeout));  // a whole --timeout each time
  EXPECT_FALSE(deserves_rerun("no-such-check", Outcome::fail));
}

TEST(Rerun, TheWorstRunIsKeptWithHowManyRunsHadIt) {
  HostVerdict crashed = verdict(Outcome::crash, "crashed with SIGSEGV");
  crashed.details["signal"] = "SIGSEGV";
  const HostVerdict combined =
      combine_runs({verdict(Outcome::pass, "ok"), crashed, verdict(Outcome::pass, "ok")});
  EXPECT_EQ(combined.outcome, Outcome::crash);
  EXPECT_EQ(combined.summary, "crashed with SIGSEGV (crash in 1 of 3 runs)");
  EXPECT_EQ(combined.details["signal"], "SIGSEGV");
  EXPECT_EQ(combined.details["runs"].dump(), R"({"total":3,"pass":2,"crash":1})");
}

TEST(Rerun, TheFirstOfEqualWorstRunsDescribesTheCell) {
  const HostVerdict combined =
      combine_runs({verdict(Outcome::fail, "first"), verdict(Outcome::fail, "second"), verdict(Outcome::crash, "c")});
  EXPECT_EQ(combined.summary, "c (crash in 1 of 3 runs)");
  const HostVerdict same = combine_runs({verdict(Outcome::fail, "first"), verdict(Outcome::fail, "second")});
  EXPECT_EQ(same.summary, "first (fail in 2 of 2 runs)");
}

TEST(Rerun, ObservedOutcomesComeFromTheRunsCounts) {
  const auto bit = [](Outcome o) { return 1u << static_cast<unsigned>(o); };
  EXPECT_EQ(observed_outcomes(Outcome::pass, nlohmann::ordered_json::object()), bit(Outcome::pass));
  const auto details = nlohmann::ordered_json::parse(R"({"runs": {"total": 3, "pass": 2, "crash": 1}})");
  EXPECT_EQ(observed_outcomes(Outcome::crash, details), bit(Outcome::pass) | bit(Outcome::crash));
  const auto malformed = nlohmann::ordered_json::parse(R"({"runs": {"total": 3, "bogus": 2, "fail": "x"}})");
  EXPECT_EQ(observed_outcomes(Outcome::crash, malformed), bit(Outcome::crash));
}

}  // namespace
}  // namespace isocheck
