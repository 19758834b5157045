// JSON report writer: schema isocheck-report/1 (spec/report.md).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/model.h"

namespace isocheck {

inline constexpr const char* kReportSchema = "isocheck-report/1";

nlohmann::ordered_json report_to_json(const RunReport& report);

// The report file's whole text (indented, newline-terminated).
std::string report_to_json_text(const RunReport& report);

}  // namespace isocheck
