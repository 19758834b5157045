// HTML report (spec/report.md): one self-contained page, no network and no script (a
// Content-Security-Policy forbids both, so even an escaping bug could not fetch or run
// anything). Per module, the matrix coloured by outcome; each cell is a <details> whose
// summary is the outcome and whose body is the cell's summary and evidence (repro command,
// backtrace, traceback, output tails, other details). Every piece of text is escaped.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "model/model.h"
#include "reports/report_text.h"

namespace isocheck {

void write_html(const RunReport& report, std::ostream& out);  // one module in memory at a time
std::string render_html(const RunReport& report);

// The background colour of an outcome's cells, "#rrggbb".
std::string_view html_outcome_colour(Outcome outcome);

}  // namespace isocheck
