// The results model: what a run planned, what each cell came to, and the run as a whole.
// Report writers (reports/) read only this.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "model/cell_store.h"
#include "protocol/outcome.h"

namespace isocheck {

// A CPython isocheck can run cells under: one built host embedding that version.
struct PythonTarget {
  std::string version;     // full version, "3.12.1"
  std::string minor;       // "3.12"
  std::string executable;  // the interpreter whose sys.path the host reproduces
  std::string host;        // absolute path of isocheck-host-X.Y
  bool debug_build = false;
  std::string requested_as;  // the --python value that chose it (an executable path); empty: the minor
};

struct RunReport {
  std::string tool_version;
  std::string created;  // ISO 8601 UTC
  std::vector<PythonTarget> pythons;
  std::vector<std::string> modules;
  CellStore cells;  // sorted by (module, python, check, config) by finish()
  int incomplete = 0;             // planned cells that never ran (interrupted run)
  bool baseline_given = false;    // --baseline: every cell carries its baseline outcome

  // Puts cells into the stable report order (spec/report.md).
  void finish();
  int count(Outcome outcome) const;
};

// Numeric version order: "3.9.1" < "3.12.0".
bool version_less(const std::string& a, const std::string& b);

// The stable cell order of spec/report.md: module, python, check (catalog order), config.
bool report_order(const CellKey& a, const CellKey& b);

}  // namespace isocheck
