// Reading a JSON file the user named (a baseline, a report to merge): one way to fail, as a
// UsageError naming the file (spec/cli.md: exit 2, one line).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string_view>

namespace isocheck {

// The parsed file. Throws UsageError "FILE: cannot read the WHAT" or "FILE: not valid JSON (...)".
nlohmann::ordered_json read_json_file(const std::filesystem::path& file, std::string_view what);

}  // namespace isocheck
