// Planning: the cells a command asks for, and the host runs that produce each one.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/config.h"
#include "protocol/executor.h"
#include "protocol/host_protocol.h"
#include "model/model.h"

namespace isocheck {

// Everything on the command line that shapes the cells of a run.
struct RunOptions {
  std::vector<std::string> modules;  // NAME or NAME=FILE.so, as given
  std::vector<std::string> checks;   // catalog ids, in catalog order
  std::vector<Config> configs;       // configs asked for (all by default)
  std::vector<std::string> paths;    // absolute --path dirs
  // --wheels DIR: the directory whose wheels, unpacked, are the `wheel_paths` among `paths`. A
  // repro command names the directory instead of those roots (a survey of 43 wheels put ~7 KB
  // of paths into each of 10526 repro lines, most of a 112 MB report, #15).
  std::string wheels_dir;
  std::vector<std::string> wheel_paths;
  std::string exercise;              // absolute exercise file, or empty
  int cycles = 10;
  std::chrono::milliseconds timeout{60000};
  std::string program = "isocheck";  // how repro commands invoke the driver
  std::string core_dir;              // --keep-core: where core files go (absolute); empty: none
  // Plan a module only under the Pythons the availability lists (the survey: each Python's own
  // lib-dynload); otherwise an unlisted or missing module is an `error` cell there.
  bool only_listed = false;
  unsigned long long memory_limit_bytes = kDefaultHostMemoryLimit;  // --memory-limit (RLIMIT_AS)
  // Cells run as children of a fork server per Python (protocol/fork_request.h); false
  // (--no-fork-server): each host is a freshly spawned process.
  bool fork_server = true;
};

// Where a module was found under one Python (from the host's `describe`).
struct ModuleLocation {
  std::string kind;  // "extension", "builtin", "python", "missing"
  std::string origin;
};
// (module as given, python full version) -> location
using ModuleAvailability = std::map<std::pair<std::string, std::string>, ModuleLocation>;

// What every cell of one plan shares: the options and the Pythons it was planned for.
struct PlanContext {
  RunOptions options;
  std::vector<PythonTarget> pythons;
};

struct PlannedRun {
  std::string_view variant;  // a catalog variant (static storage); empty for checks without variants
};

// A cell keeps only its key and its runs' variants: the host invocations and the repro command
// are built from the plan's shared context when they are needed (host_invocation, repro_of).
// A survey plans thousands of cells, and the driver's memory must not grow with them (issue #6).
struct PlannedCell {
  CellKey key;
  std::vector<PlannedRun> runs;
  std::optional<HostVerdict> preset;  // decided without running a host (e.g. module missing)
  std::shared_ptr<const PlanContext> context;
};

// The host process that performs `run` of `cell`.
HostInvocation host_invocation(const PlannedCell& cell, const PlannedRun& run);

// The MODULE argument `cell`'s host is given: its key's, or for per-Python files (NAME=3.12:FILE,...)
// the file of the cell's Python.
std::string module_arg_of(const PlannedCell& cell);

// The command line that reruns exactly `cell` (empty for a cell planned without a context).
std::string repro_of(const PlannedCell& cell);

// One cell per (module, python, check, config in check.configs ∩ options.configs).
std::vector<PlannedCell> plan_cells(const RunOptions& options, const std::vector<PythonTarget>& pythons,
                                    const ModuleAvailability& availability);

// The command line that reruns exactly this cell.
std::string repro_command(const RunOptions& options, const PythonTarget& python,
                          const std::string& module, const std::string& check, const std::string& config);

// Quotes a word for a POSIX shell when it needs it.
std::string shell_quote(const std::string& word);

}  // namespace isocheck
