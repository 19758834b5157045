// Project configuration: the `[tool.isocheck]` table of `pyproject.toml` in the current
// directory, so a CI job can run plain `isocheck run`. Options given on the command line
// override it. Read with toml++; an unknown key or a wrong type is a usage error naming the key.
//
//   [tool.isocheck]
//   modules  = ["mypkg"]                  # MODULE arguments when none are given
//   paths    = ["build/lib"]              # --path (relative to the pyproject's directory)
//   exercise = "tests/isocheck_exercise.py"
//   checks   = ["import", "reimport"]     # --check
//   configs  = ["legacy", "isolated"]     # --config
//   pythons  = ["3.12", ".venv/bin/python"]  # --python (a value with a '/' is a path)
//   require  = ["isolated"]               # --require
//   baseline = "isocheck-baseline.json"   # --baseline
//   timeout  = 120                        # --timeout, seconds
//   cycles   = 10                         # --cycles
//   jobs     = 2                          # --jobs
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isocheck {

inline constexpr const char* kProjectConfigFile = "pyproject.toml";

struct ProjectConfig {
  std::vector<std::string> modules;                 // empty: not set
  std::optional<std::vector<std::string>> paths;    // absolute
  std::optional<std::string> exercise;              // absolute
  std::optional<std::vector<std::string>> checks;   // known check ids
  std::optional<std::vector<std::string>> configs;  // known config names
  std::optional<std::vector<std::string>> pythons;  // versions, or absolute executables
  std::optional<std::vector<std::string>> require;  // known config names
  std::optional<std::string> baseline;              // absolute
  std::optional<double> timeout;                    // seconds, > 0
  std::optional<int> cycles;
  std::optional<int> jobs;
};

// Parses the TOML text of `label` (the file name used in messages); relative paths are made
// absolute against `base_dir`. No [tool.isocheck] table: an empty config. Throws UsageError,
// e.g. "pyproject.toml: [tool.isocheck] unknown key 'timout'".
ProjectConfig parse_project_config(std::string_view toml_text, const std::string& label,
                                   const std::filesystem::path& base_dir);

// `dir`/pyproject.toml when it exists (an empty config otherwise). Throws UsageError.
ProjectConfig load_project_config(const std::filesystem::path& dir);

}  // namespace isocheck
