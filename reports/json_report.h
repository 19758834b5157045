// JSON report writer: schema isocheck-report/1 (spec/report.md).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace isocheck {

inline constexpr const char* kReportSchema = "isocheck-report/1";

nlohmann::ordered_json report_to_json(const RunReport& report);

// The report file's text (indented, newline-terminated), written one cell at a time: the same
// text as dumping report_to_json() with indent 2, without the whole tree in memory.
void write_json_report(const RunReport& report, std::ostream& out);
std::string report_to_json_text(const RunReport& report);

}  // namespace isocheck
