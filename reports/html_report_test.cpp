#include "reports/html_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>

#include "reports/report_test_support.h"

namespace isocheck {
namespace {

using testing::golden_report;

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, MatchesTheGoldenFile) { testing::expect_golden("golden.html", render_html(golden_report())); }

TEST(HtmlReport, IsSelfContained) {
  const std::string html = render_html(golden_report());
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);  // and the page forbids loading anything
}

TEST(HtmlReport, EveryCellOpensToItsSummary) {
  const RunReport report = golden_report();
  const std::string html = render_html(report);
  EXPECT_EQ(occurrences(html, "<td class=\"cell "), static_cast<int>(report.cells.size()));
  EXPECT_EQ(occurrences(html, "<details>"), static_cast<int>(report.cells.size()));
  EXPECT_NE(html.find("<h3>repro</h3><pre>isocheck run demo.bad --python 3.12 --check teardown --config legacy</pre>"),
            std::string::npos);
  EXPECT_NE(html.find("<p>fifo: SIGSEGV during &quot;teardown FIFO: destroy interpreter 3 of 3&quot;</p>"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;no Python frame&gt;"), std::string::npos);
}

// What headless Chromium computes for the golden page: a copy of it with a probe script
// (the report itself forbids scripts) that writes cell counts and colours into the DOM.
nlohmann::json render_in_chromium(const std::string& chromium) {
  std::string page = render_html(golden_report());
  page = std::regex_replace(page, std::regex("<meta http-equiv=\"Content-Security-Policy\"[^>]*>"), "");
  const std::string probe = R"(<script>
const bg = (sel) => { const e = document.querySelector(sel); return e ? getComputedStyle(e).backgroundColor : "missing"; };
const crash = document.querySelector('section:nth-of-type(2) td[title="3.12.1 legacy teardown"]');
crash.querySelector("details").open = true;
const evidence = crash.querySelector(".evidence");
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify({
  cells: document.querySelectorAll("td.cell").length,
  not_run: document.querySelectorAll("td.none").length,
  tables: document.querySelectorAll("table.matrix").length,
  crash: bg('section:nth-of-type(2) td[title="3.12.1 legacy teardown"]'),
  pass: bg('section:nth-of-type(1) td[title="3.13.0 isolated import"]'),
  evidence_height: evidence.getBoundingClientRect().height,
  evidence_text: evidence.textContent,
});
document.body.appendChild(out);
</script>
</body>)";
  page.replace(page.rfind("</body>"), 7, probe);
  testing::TempDir dir;
  const auto file = dir.path() / "page.html";
  testing::write_text(file, page);
  const auto result = testing::run_shell("timeout 120 '" + chromium +
                                         "' --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir='" +
                                         (dir.path() / "profile").string() + "' --dump-dom 'file://" + file.string() +
                                         "' 2>/dev/null");
  std::smatch m;
  const std::regex pre("<pre id=\"probe\">([^<]*)</pre>");
  if (!std::regex_search(result.output, m, pre)) return {{"error", "no probe in the DOM: " + result.output.substr(0, 500)}};
  std::string json = m[1];
  json = std::regex_replace(json, std::regex("&amp;"), "&");  // --dump-dom escapes & < > in text
  json = std::regex_replace(json, std::regex("&lt;"), "<");
  json = std::regex_replace(json, std::regex("&gt;"), ">");
  return nlohmann::json::parse(json);
}

TEST(HtmlReport, ChromiumRendersTheMatrixColouredByOutcome) {
  std::string chromium;
  for (const char* name : {"chromium", "chromium-browser"}) {
    if (testing::have_program(name)) {
      chromium = name;
      break;
    }
  }
  if (chromium.empty()) {
    // run.sh installs chromium for the tests; CI must not pass without it.
    if (std::getenv("CI") != nullptr) FAIL() << "chromium is not installed (run.sh test installs it)";
    GTEST_SKIP() << "chromium is not installed";
  }
  const nlohmann::json probe = render_in_chromium(chromium);
  ASSERT_FALSE(probe.contains("error")) << probe.dump();
  const RunReport report = golden_report();
  EXPECT_EQ(probe["cells"], report.cells.size());
  EXPECT_EQ(probe["tables"], 2);
  // demo.good: 8 columns (both Pythons lint) x 3 checks; demo.bad: 7 columns x 7 checks.
  EXPECT_EQ(probe["not_run"], 8 * 3 + 7 * 7 - static_cast<int>(report.cells.size()));
  EXPECT_EQ(probe["crash"], "rgb(130, 7, 30)");  // #82071e
  EXPECT_EQ(probe["pass"], "rgb(26, 127, 55)");  // #1a7f37
  EXPECT_GT(probe["evidence_height"].get<double>(), 50.0);  // an opened cell shows its evidence
  EXPECT_NE(probe["evidence_text"].get<std::string>().find("#0 meth_dealloc"), std::string::npos);
}

}  // namespace
}  // namespace isocheck
