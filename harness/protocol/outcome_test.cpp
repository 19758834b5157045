#include "protocol/outcome.h"

#include <gtest/gtest.h>

namespace isocheck {
namespace {

TEST(Outcome, EveryOutcomeRoundTripsThroughItsName) {
  for (Outcome o : kAllOutcomes) {
    ASSERT_EQ(parse_outcome(to_string(o)), o) << to_string(o);
  }
  EXPECT_EQ(parse_outcome("passed"), std::nullopt);
}

TEST(Outcome, OnlyDefectsAndHarnessTroubleFailTheGate) {
  EXPECT_TRUE(fails_gate(Outcome::fail));
  EXPECT_TRUE(fails_gate(Outcome::crash));
  EXPECT_TRUE(fails_gate(Outcome::timeout));
  EXPECT_TRUE(fails_gate(Outcome::error));
  EXPECT_FALSE(fails_gate(Outcome::pass));
  EXPECT_FALSE(fails_gate(Outcome::warn));
  EXPECT_FALSE(fails_gate(Outcome::unsupported));
  EXPECT_FALSE(fails_gate(Outcome::skip));
}

TEST(Outcome, WorstPrefersCrashOverEverythingAndSkipUnderEverything) {
  for (Outcome o : kAllOutcomes) {
    EXPECT_EQ(worst(o, Outcome::crash), Outcome::crash);
    EXPECT_EQ(worst(Outcome::skip, o), o);
  }
  EXPECT_EQ(worst(Outcome::pass, Outcome::fail), Outcome::fail);
  EXPECT_EQ(worst(Outcome::unsupported, Outcome::pass), Outcome::unsupported);
}

}  // namespace
}  // namespace isocheck
