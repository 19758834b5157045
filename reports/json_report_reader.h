// JSON report reader: schema isocheck-report/1 (spec/report.md) back into the results model,
// for `isocheck merge` and `isocheck baseline write`. The inverse of json_report.h: writing
// what it reads gives the same file, except `created` and the recomputed totals.
#pragma once

#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace isocheck {

// A report that is not isocheck-report/1: the message says what is wrong, in one line.
class ReportFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ReportFormatError. `totals` is not read: it is derived from the cells.
RunReport report_from_json(const nlohmann::ordered_json& j);

// Reads and parses FILE. Throws UsageError "FILE: reason" (unreadable, not JSON, wrong schema,
// malformed), so every command that takes reports fails the same way (exit 2).
RunReport read_report_file(const std::filesystem::path& file);

}  // namespace isocheck
