#include "reports/badge.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "reports/report_text.h"

namespace isocheck {

namespace {

bool ok(Outcome o) { return o == Outcome::pass || o == Outcome::warn || o == Outcome::skip; }

// Minor versions (report order, each once) on which `config` has cells and all of them are ok.
std::vector<std::string> versions_passing(const RunReport& report, std::string_view config) {
  std::vector<std::string> minors;
  for (const PythonTarget& p : report.pythons) {
    if (std::find(minors.begin(), minors.end(), p.minor) == minors.end()) minors.push_back(p.minor);
  }
  std::vector<std::string> passing;
  for (const std::string& minor : minors) {
    bool any = false, all_ok = true;
    for (const CellEntry& c : report.cells.entries()) {
      if (c.key.config != config) continue;
      const auto python = std::find_if(report.pythons.begin(), report.pythons.end(),
                                       [&](const PythonTarget& p) { return p.version == c.key.python; });
      if (python == report.pythons.end() || python->minor != minor) continue;
      any = true;
      all_ok = all_ok && ok(c.outcome);
    }
    if (any && all_ok) passing.push_back(minor);
  }
  return passing;
}

// Verdana 11px advance widths (the font shields.io's flat badges use), rounded: narrow, wide
// and the rest. An estimate, good to a few pixels for the messages above.
double text_width(std::string_view text) {
  double width = 0;
  for (char c : text) {
    if (std::string_view("iljtf.,:;'!|() ").find(c) != std::string_view::npos) {
      width += 4.0;
    } else if (std::string_view("mwMW").find(c) != std::string_view::npos) {
      width += 10.5;
    } else if (c >= 'A' && c <= 'Z') {
      width += 7.5;
    } else {
      width += 6.8;
    }
  }
  return std::ceil(width);
}

std::string_view hex_of(std::string_view colour) {
  if (colour == "brightgreen") return "#4c1";
  if (colour == "yellow") return "#dfb317";
  if (colour == "red") return "#e05d44";
  return "#9f9f9f";  // lightgrey
}

}  // namespace

Badge badge_for(const RunReport& report) {
  Badge b;
  if (report.cells.empty()) {
    b.message = "no results", b.color = "lightgrey";
  } else if (report.count(Outcome::crash) > 0) {
    b.message = "crash", b.color = "red";
  } else if (const auto isolated = versions_passing(report, "isolated"); !isolated.empty()) {
    b.message = "isolated", b.color = "brightgreen";
    for (const std::string& minor : isolated) b.message += " " + minor;
  } else if (!versions_passing(report, "legacy").empty()) {
    b.message = "legacy only", b.color = "yellow";
  } else if (!versions_passing(report, "main").empty()) {
    b.message = "main only", b.color = "red";
  } else {
    b.message = "failing", b.color = "red";
  }
  return b;
}

std::string render_badge_json(const Badge& badge) {
  nlohmann::ordered_json j = {{"schemaVersion", 1}, {"label", badge.label}, {"message", badge.message},
                              {"color", badge.color}};
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string render_badge_svg(const Badge& badge) {
  const std::string label = markup_escape(visible_text(badge.label, false));
  const std::string message = markup_escape(visible_text(badge.message, false));
  const double lw = text_width(badge.label) + 10, mw = text_width(badge.message) + 10, w = lw + mw;
  const std::string_view colour = hex_of(badge.color);
  return fmt::format(
      R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{label}: {message}">
  <title>{label}: {message}</title>
  <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
  <clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath>
  <g clip-path="url(#r)">
    <rect width="{lw}" height="20" fill="#555"/>
    <rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>
    <rect width="{w}" height="20" fill="url(#s)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
    <text x="{lx}" y="15" fill="#010101" fill-opacity=".3">{label}</text>
    <text x="{lx}" y="14">{label}</text>
    <text x="{mx}" y="15" fill="#010101" fill-opacity=".3">{message}</text>
    <text x="{mx}" y="14">{message}</text>
  </g>
</svg>
)svg",
      fmt::arg("w", w), fmt::arg("lw", lw), fmt::arg("mw", mw), fmt::arg("lx", lw / 2), fmt::arg("mx", lw + mw / 2),
      fmt::arg("label", label), fmt::arg("message", message), fmt::arg("colour", colour));
}

}  // namespace isocheck
