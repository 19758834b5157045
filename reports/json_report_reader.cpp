#include "reports/json_report_reader.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string_view>

#include "protocol/json_file.h"
#include "protocol/usage_error.h"
#include "reports/json_report.h"

namespace isocheck {

using nlohmann::ordered_json;

namespace {

// `where` is a view, not a const std::string&: GCC 13+ (-Wdangling-reference) takes a
// reference returned from a call with a temporary string argument for one into that string.
const ordered_json& member(const ordered_json& object, const char* key, ordered_json::value_t type,
                           std::string_view where) {
  if (!object.is_object() || !object.contains(key)) {
    throw ReportFormatError(fmt::format("{}: missing \"{}\"", where, key));
  }
  const ordered_json& value = object[key];
  const bool ok = type == ordered_json::value_t::number_float ? value.is_number() : value.type() == type;
  if (!ok) throw ReportFormatError(fmt::format("{}: \"{}\" has the wrong type ({})", where, key, value.type_name()));
  return value;
}

std::string string_member(const ordered_json& object, const char* key, const std::string& where) {
  return member(object, key, ordered_json::value_t::string, where).get<std::string>();
}

Outcome outcome_of(const ordered_json& value, const std::string& where, const char* key) {
  const auto outcome = value.is_string() ? parse_outcome(value.get<std::string>()) : std::nullopt;
  if (!outcome) throw ReportFormatError(fmt::format("{}: \"{}\" is not an outcome: {}", where, key, value.dump()));
  return *outcome;
}

CellResult cell_from_json(const ordered_json& j, size_t index, bool& has_baseline) {
  const std::string where = fmt::format("cells[{}]", index);
  if (!j.is_object()) throw ReportFormatError(where + ": not an object");
  CellResult c;
  c.key = CellKey{string_member(j, "module", where), string_member(j, "python", where),
                  string_member(j, "config", where), string_member(j, "check", where)};
  c.outcome = outcome_of(member(j, "outcome", ordered_json::value_t::string, where), where, "outcome");
  c.summary = string_member(j, "summary", where);
  c.details = member(j, "details", ordered_json::value_t::object, where);
  c.metrics = member(j, "metrics", ordered_json::value_t::object, where);
  c.duration_ms = member(j, "duration_ms", ordered_json::value_t::number_float, where).get<double>();
  c.repro = string_member(j, "repro", where);
  if (j.contains("baseline")) {
    has_baseline = true;
    if (!j["baseline"].is_null()) c.baseline = outcome_of(j["baseline"], where, "baseline");
  }
  return c;
}

}  // namespace

RunReport report_from_json(const ordered_json& j) {
  if (!j.is_object()) throw ReportFormatError("not a JSON object");
  if (!j.contains("schema") || j["schema"] != kReportSchema) {
    throw ReportFormatError(fmt::format("schema is {}, expected \"{}\"",
                                        j.contains("schema") ? j["schema"].dump() : "missing", kReportSchema));
  }
  RunReport r;
  r.tool_version = string_member(member(j, "tool", ordered_json::value_t::object, "report"), "version", "tool");
  r.created = string_member(j, "created", "report");
  const ordered_json& pythons = member(j, "pythons", ordered_json::value_t::array, "report");
  for (size_t i = 0; i < pythons.size(); ++i) {
    const std::string where = fmt::format("pythons[{}]", i);
    PythonTarget p;
    p.version = string_member(pythons[i], "version", where);
    p.executable = string_member(pythons[i], "executable", where);
    p.debug_build = member(pythons[i], "debug_build", ordered_json::value_t::boolean, where).get<bool>();
    r.pythons.push_back(std::move(p));
  }
  const ordered_json& modules = member(j, "modules", ordered_json::value_t::array, "report");
  for (const ordered_json& m : modules) {
    if (!m.is_string()) throw ReportFormatError("modules: not a list of strings");
    r.modules.push_back(m.get<std::string>());
  }
  const ordered_json& cells = member(j, "cells", ordered_json::value_t::array, "report");
  for (size_t i = 0; i < cells.size(); ++i) r.cells.push_back(cell_from_json(cells[i], i, r.baseline_given));
  if (j.contains("incomplete")) {
    const ordered_json& n = j["incomplete"];
    if (!n.is_number_integer() || n.get<long long>() < 0) throw ReportFormatError("\"incomplete\" is not a count");
    r.incomplete = n.get<int>();
  }
  r.finish();
  return r;
}

RunReport read_report_file(const std::filesystem::path& file) {
  const ordered_json j = read_json_file(file, "report");
  try {
    return report_from_json(j);
  } catch (const ReportFormatError& e) {
    throw UsageError(fmt::format("{}: not an isocheck report: {}", file.string(), e.what()));
  }
}

}  // namespace isocheck
