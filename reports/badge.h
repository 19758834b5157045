// The status badge (spec/report.md): what a reader of a README wants at a glance, as an SVG
// and as a shields.io endpoint JSON (https://shields.io/badges/endpoint-badge).
//
// The message, first rule that applies:
//   crash (red)                      some cell crashed;
//   isolated 3.12 3.13 (green)       the minor versions on which every `isolated` cell is ok;
//   legacy only (yellow)             no such version, but on some version every `legacy` cell is ok;
//   main only (red)                  only the main interpreter is ok somewhere;
//   failing (red)                    nothing is; no results (lightgrey): the report has no cells.
// ok = pass, warn or skip. A version is counted only when it has cells in that config.
#pragma once

#include <string>

#include "model/model.h"

namespace isocheck {

struct Badge {
  std::string label = "subinterpreters";
  std::string message;
  std::string color;  // a shields.io colour name
};

Badge badge_for(const RunReport& report);

std::string render_badge_svg(const Badge& badge);
std::string render_badge_json(const Badge& badge);

}  // namespace isocheck
