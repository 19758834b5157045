#include "reports/badge.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/report_test_support.h"

namespace isocheck {
namespace {

using testing::make_cell;

RunReport two_pythons() {
  RunReport r;
  r.pythons = {PythonTarget{"3.12.1", "3.12", "", "", false, ""}, PythonTarget{"3.13.0", "3.13", "", "", false, ""}};
  r.modules = {"m"};
  return r;
}

// Every config on both Pythons, with `outcomes[config]` for one check there.
RunReport with(Outcome main, Outcome legacy, Outcome isolated_312, Outcome isolated_313) {
  RunReport r = two_pythons();
  for (const char* py : {"3.12.1", "3.13.0"}) {
    r.cells.push_back(make_cell("m", py, "main", "import", main, ""));
    r.cells.push_back(make_cell("m", py, "legacy", "import", legacy, ""));
    r.cells.push_back(make_cell("m", py, "isolated", "import", py == std::string("3.12.1") ? isolated_312 : isolated_313, ""));
  }
  r.finish();
  return r;
}

TEST(Badge, AllPassingIsIsolatedOnEveryVersionInGreen) {
  const Badge b = badge_for(with(Outcome::pass, Outcome::pass, Outcome::pass, Outcome::pass));
  EXPECT_EQ(b.label, "subinterpreters");
  EXPECT_EQ(b.message, "isolated 3.12 3.13");
  EXPECT_EQ(b.color, "brightgreen");
}

TEST(Badge, WarnAndSkipCountAsOk) {
  EXPECT_EQ(badge_for(with(Outcome::pass, Outcome::pass, Outcome::warn, Outcome::skip)).message, "isolated 3.12 3.13");
}

TEST(Badge, ListsOnlyTheVersionsWhereIsolatedPasses) {
  EXPECT_EQ(badge_for(with(Outcome::pass, Outcome::pass, Outcome::fail, Outcome::pass)).message, "isolated 3.13");
}

TEST(Badge, AnyCrashWinsInRed) {
  RunReport r = with(Outcome::pass, Outcome::pass, Outcome::pass, Outcome::pass);
  r.cells.push_back(make_cell("m", "3.13.0", "-", "lint", Outcome::crash, ""));
  const Badge b = badge_for(r);
  EXPECT_EQ(b.message, "crash");
  EXPECT_EQ(b.color, "red");
}

TEST(Badge, UnsupportedIsolatedWithPassingLegacyIsLegacyOnlyInYellow) {
  const Badge b = badge_for(with(Outcome::pass, Outcome::pass, Outcome::unsupported, Outcome::unsupported));
  EXPECT_EQ(b.message, "legacy only");
  EXPECT_EQ(b.color, "yellow");
}

TEST(Badge, OnlyMainPassingIsMainOnlyInRed) {
  const Badge b = badge_for(with(Outcome::pass, Outcome::fail, Outcome::unsupported, Outcome::unsupported));
  EXPECT_EQ(b.message, "main only");
  EXPECT_EQ(b.color, "red");
}

TEST(Badge, NothingPassingIsFailing) {
  EXPECT_EQ(badge_for(with(Outcome::fail, Outcome::timeout, Outcome::error, Outcome::unsupported)).message, "failing");
}

TEST(Badge, EmptyReportHasNoResults) {
  const Badge b = badge_for(two_pythons());
  EXPECT_EQ(b.message, "no results");
  EXPECT_EQ(b.color, "lightgrey");
}

TEST(Badge, GoldenReportIsACrash) {
  // The golden report's demo.bad crashes in 3.12.1 legacy teardown.
  EXPECT_EQ(badge_for(testing::golden_report()).message, "crash");
}

TEST(Badge, EndpointJsonFollowsTheShieldsSchema) {
  const auto j = nlohmann::json::parse(render_badge_json(badge_for(with(Outcome::pass, Outcome::pass, Outcome::pass, Outcome::pass))));
  EXPECT_EQ(j, nlohmann::json::parse(
                   R"({"schemaVersion": 1, "label": "subinterpreters", "message": "isolated 3.12 3.13", "color": "brightgreen"})"));
}

TEST(Badge, SvgMatchesTheGoldenFiles) {
  testing::expect_golden("badge-isolated.svg",
                         render_badge_svg(badge_for(with(Outcome::pass, Outcome::pass, Outcome::pass, Outcome::pass))));
  testing::expect_golden("badge-crash.svg", render_badge_svg(badge_for(testing::golden_report())));
  testing::expect_golden("badge-crash.json", render_badge_json(badge_for(testing::golden_report())));
}

TEST(Badge, SvgWidensWithItsMessageAndEscapesText) {
  Badge b{"subinterpreters", "a<b>&\"", "red"};
  const std::string svg = render_badge_svg(b);
  EXPECT_NE(svg.find("a&lt;b&gt;&amp;&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
  Badge longer{"subinterpreters", "isolated 3.12 3.13 3.14", "brightgreen"};
  auto width = [](const std::string& s) { return std::stod(s.substr(s.find("width=\"") + 7)); };
  EXPECT_GT(width(render_badge_svg(longer)), width(render_badge_svg(Badge{"subinterpreters", "crash", "red"})));
}

}  // namespace
}  // namespace isocheck
