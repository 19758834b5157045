// `isocheck repro CELL`: rerun one cell in the foreground, with the module's output live and
// the full forensics (signal, native backtrace, Python traceback) printed; `--gdb` runs the
// host under gdb instead, stopped at the crash, with CPython's gdb helpers loaded when the
// Python build ships them (python3.X-gdb.py).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "protocol/executor.h"
#include "supervisor/plan.h"

namespace isocheck {

// A cell as reports name it: "MODULE:PYTHON:CONFIG:CHECK" (PYTHON a version like 3.12 or
// 3.12.1; CONFIG "-" for checks without one). Split from the right, so MODULE may contain ':'.
struct CellSpec {
  std::string module;
  std::string python;
  std::string config;
  std::string check;
};
// Throws UsageError for a malformed spec, an unknown check, or a config the check lacks.
CellSpec parse_cell_spec(const std::string& text);

struct ReproRequest {
  std::string cell;
  RunOptions options;  // --path, --exercise, --cycles, --timeout as for `run`
  bool gdb = false;
  std::filesystem::path host_manifest;
  std::filesystem::path host_source;  // as RunRequest::host_source
  std::string driver;  // this executable, for the isolated symboliser (empty: in process)
};

// Returns 0 when the cell passed the gate, 1 otherwise; with `gdb`, does not return on success
// (isocheck becomes gdb).
int run_repro(ReproRequest request, HostExecutor& executor, std::ostream& out);

}  // namespace isocheck
