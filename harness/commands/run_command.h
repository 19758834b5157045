// `isocheck run`: validate the command, find the Pythons, locate the modules, plan the cells,
// run them, print the matrix, write the reports, and compute the exit status.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "protocol/executor.h"
#include "model/model.h"
#include "supervisor/plan.h"
#include "commands/shard.h"
#include "reports/writers.h"

namespace isocheck {

struct RunRequest {
  RunOptions options;
  std::vector<std::string> python_requests;  // --python values
  int jobs = 1;
  std::vector<Config> required;              // --require
  std::optional<std::filesystem::path> baseline;  // --baseline: only changes from it fail the gate
  std::optional<Shard> shard;                     // --shard I/N: run only this part of the cells
  ReportOutputs reports;  // --json, --junit, --markdown, --html, --badge, --badge-json
  std::filesystem::path host_manifest;
  // The sources of a host, for a Python that has none (an installed driver's
  // share/isocheck/source, supervisor/host_builder.h); empty: no host is built on demand.
  std::filesystem::path host_source;
  // The interpreter a run without --python uses, when set (an installed driver's venv python);
  // empty: every host of the manifest.
  std::string default_python;
  bool color = false;
  bool live_progress = false;  // stderr is a terminal: one live progress line (supervisor/progress.h)
  bool survey = false;         // the survey's compact matrix instead of one matrix per module
  std::string tool_version;
  std::string driver;  // this executable, for the isolated symboliser (empty: in process)
  std::optional<std::filesystem::path> survey_wheels;  // survey --wheels DIR: its wheels, not lib-dynload
  std::optional<std::filesystem::path> run_wheels;     // run --wheels DIR: its wheels on the path
};

// Returns the exit status of spec/cli.md. Usage problems are thrown as UsageError before any
// cell runs; once cells run, every planned cell ends up in the report.
int run_command(RunRequest request, HostExecutor& executor, std::ostream& out, std::ostream& progress);

// `isocheck survey`: every extension module in each Python's lib-dynload (the host lists them;
// no module names here), planned only under the Pythons that have it. Same exit status.
int survey_command(RunRequest request, HostExecutor& executor, std::ostream& out, std::ostream& progress);

// Checks MODULE arguments (NAME=FILE.so must be a shared object), --path dirs and the
// exercise file, and makes paths absolute. Throws UsageError.
void validate_run_inputs(RunOptions& options);

// Asks each Python's host for its lib-dynload extension modules; sets options.modules to their
// union and options.only_listed. Throws UsageError when a Python has none.
ModuleAvailability survey_modules(RunOptions& options, const std::vector<PythonTarget>& pythons,
                                  HostExecutor& executor);

// What a package with no extension module inside is: a mistake when the user named it (the
// default), or one more package to pass over when isocheck found it in a wheel of a survey
// (a wheel may ship only native libraries beside Python code).
enum class EmptyPackage { usage_error, skip };

// Asks each Python's host where the modules are and whether the exercise file loads.
// A package in options.modules is replaced by every extension module inside it (sorted).
// A shared object inside a package that exports no entry point for its name (a native library
// beside the extension modules) is left out, with a line on `notes` when given; so is a package
// with none under EmptyPackage::skip. Throws UsageError for a module no Python can import as an
// extension, a package with no extension module (EmptyPackage::usage_error), no module left at
// all, or a bad exercise.
ModuleAvailability locate_modules(RunOptions& options, const std::vector<PythonTarget>& pythons,
                                  HostExecutor& executor, std::ostream* notes = nullptr,
                                  EmptyPackage empty_package = EmptyPackage::usage_error);

std::string utc_timestamp();


}  // namespace isocheck
