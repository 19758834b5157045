#include "supervisor/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace isocheck {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

PlannedCell planned(const std::string& module, const std::string& check) {
  PlannedCell c;
  c.key = CellKey{module, "3.12.1", "isolated", check};
  return c;
}

CellResult finished(const std::string& module, const std::string& check, Outcome outcome) {
  CellResult r;
  r.key = CellKey{module, "3.12.1", "isolated", check};
  r.outcome = outcome;
  return r;
}

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  ProgressReporter::Clock fn() {
    return [this] { return now; };
  }
};

TEST(FormatDuration, MinutesAndSecondsThenHours) {
  EXPECT_EQ(format_duration(5s), "0:05");
  EXPECT_EQ(format_duration(65s), "1:05");
  EXPECT_EQ(format_duration(3723s), "1:02:03");
}

TEST(ProgressReporter, WithoutATerminalWritesOneLinePerFinishedModule) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter p(out, false, {planned("a", "import"), planned("a", "cycles"), planned("b", "import")}, clock.fn());
  clock.now += 10s;
  p.cell_finished(finished("a", "import", Outcome::pass));
  EXPECT_EQ(out.str(), "");  // a is not complete yet
  p.cell_finished(finished("a", "cycles", Outcome::crash));
  EXPECT_EQ(out.str(), "[1/2 modules, 2/3 cells, elapsed 0:10, ETA 0:05] a: 1 pass, 1 crash\n");
  clock.now += 5s;
  p.cell_finished(finished("b", "import", Outcome::pass));
  p.finish();
  EXPECT_THAT(out.str(), HasSubstr("[2/2 modules, 3/3 cells, elapsed 0:15] b: 1 pass\n"));
}

TEST(ProgressReporter, OnATerminalRewritesOneLineAndEndsIt) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter p(out, true, {planned("a_long_module_name", "import"), planned("b", "import")}, clock.fn());
  clock.now += 4s;
  p.cell_finished(finished("a_long_module_name", "import", Outcome::pass));
  p.cell_finished(finished("b", "import", Outcome::pass));
  p.finish();
  const std::string text = out.str();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_THAT(text, HasSubstr("\r1/2 cells (50%), elapsed 0:04, ETA 0:04, a_long_module_name"));
  // The shorter second line pads over what is left of the first.
  const std::string second = text.substr(text.rfind('\r') + 1);
  const std::string first = text.substr(1, text.rfind('\r') - 1);
  EXPECT_EQ(second.size() - 1, first.size());
}

}  // namespace
}  // namespace isocheck
