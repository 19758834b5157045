#include "core/run_command.h"

#include <fmt/format.h>

#include <unistd.h>

#include <ctime>
#include <ostream>

#include "core/atomic_file.h"
#include "core/classify.h"
#include "core/gate.h"
#include "core/interrupt.h"
#include "core/module_args.h"
#include "core/pythons.h"
#include "core/scheduler.h"
#include "core/usage_error.h"
#include "reports/json_report.h"
#include "reports/terminal_report.h"

namespace isocheck {

namespace fs = std::filesystem;

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

}  // namespace

void validate_run_inputs(RunOptions& options) {
  if (options.modules.empty()) throw UsageError("run: name at least one MODULE");
  for (std::string& m : options.modules) m = normalise_module_arg(m);
  for (std::string& p : options.paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) throw UsageError(fmt::format("--path {}: not a directory", p));
    if (::access(p.c_str(), R_OK | X_OK) != 0) throw UsageError(fmt::format("--path {}: not readable", p));
    p = fs::absolute(p).lexically_normal().string();
  }
  if (!options.exercise.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(options.exercise, ec) || ::access(options.exercise.c_str(), R_OK) != 0) {
      throw UsageError(fmt::format("--exercise {}: no such readable file", options.exercise));
    }
    options.exercise = fs::absolute(options.exercise).lexically_normal().string();
  }
}

namespace {

HostInvocation describe_invocation(const RunOptions& options, const PythonTarget& python) {
  HostInvocation inv;
  inv.executable = python.host;
  inv.timeout = std::chrono::seconds(60);
  inv.memory_limit_bytes = options.memory_limit_bytes;
  inv.args = {"describe", "--python-exe", python.executable, "--result-fd", std::to_string(kHostResultFd),
              "--secret-fd", std::to_string(kHostSecretFd)};
  for (const std::string& m : options.modules) {
    inv.args.push_back("--module");
    inv.args.push_back(m);
  }
  for (const std::string& p : options.paths) {
    inv.args.push_back("--path");
    inv.args.push_back(p);
  }
  if (!options.exercise.empty()) {
    inv.args.push_back("--exercise");
    inv.args.push_back(options.exercise);
  }
  return inv;
}

// A module that no Python can check is a usage error (exit 2); one that only some Pythons
// lack becomes `error` cells there (plan.cpp) so the rest of the run goes on.
void require_checkable(const std::string& module, const std::vector<PythonTarget>& pythons,
                       const ModuleAvailability& availability) {
  const ModuleLocation* example = nullptr;
  for (const PythonTarget& p : pythons) {
    const ModuleLocation& where = availability.at({module, p.version});
    if (where.kind == "extension") return;
    if (where.kind != "missing" && example == nullptr) example = &where;
  }
  std::string versions;
  for (const PythonTarget& p : pythons) versions += (versions.empty() ? "" : ", ") + p.version;
  if (example == nullptr) {
    throw UsageError(fmt::format("module {} not found by any Python ({}); add its directory with --path",
                                 module, versions));
  }
  if (example->kind == "python") {
    throw UsageError(fmt::format("{} is a pure-Python module ({}), not an extension module", module, example->origin));
  }
  throw UsageError(fmt::format("{} is built into the interpreter, not an extension module", module));
}

}  // namespace

ModuleAvailability locate_modules(const RunOptions& options, const std::vector<PythonTarget>& pythons,
                                  HostExecutor& executor) {
  ModuleAvailability availability;
  for (const PythonTarget& python : pythons) {
    const HostInvocation inv = describe_invocation(options, python);
    const HostRun run = executor.run(inv);
    const HostTranscript transcript = decode_framed_transcript(run.protocol, run.secret);
    if (!transcript.description) {
      if (const int signal = interrupt_signal(); signal != 0) {
        throw RunInterrupted(signal, fmt::format("interrupted by {} before any cell ran; no report written",
                                                 signal_name(signal)));
      }
      const HostVerdict why = classify_run(run, inv.timeout);
      throw UsageError(fmt::format("the host for Python {} ({}) failed before checking anything: {}",
                                   python.version, python.host, why.summary));
    }
    const auto& d = *transcript.description;
    const std::string problem = d.value("exercise_problem", "");
    if (!problem.empty()) throw UsageError("--exercise: " + problem);
    for (const std::string& m : options.modules) {
      ModuleLocation where{"missing", ""};
      if (d.contains("modules") && d["modules"].contains(m)) {
        where.kind = d["modules"][m].value("kind", "missing");
        where.origin = d["modules"][m].value("origin", "");
      }
      availability[{m, python.version}] = where;
    }
  }
  for (const std::string& m : options.modules) require_checkable(m, pythons, availability);
  return availability;
}

int run_command(RunRequest request, HostExecutor& executor, std::ostream& out, std::ostream& progress) {
  RunOptions& options = request.options;
  validate_run_inputs(options);
  if (request.json_report) check_writable_destination(*request.json_report, "--json");

  const std::vector<PythonTarget> pythons =
      select_pythons(load_host_manifest(request.host_manifest), request.python_requests, executor);
  const ModuleAvailability availability = locate_modules(options, pythons, executor);
  const std::vector<PlannedCell> cells = plan_cells(options, pythons, availability);

  RunReport report;
  report.tool_version = request.tool_version;
  report.created = utc_timestamp();
  report.pythons = pythons;
  report.modules = options.modules;
  const Symbolizer symbolizer =
      request.driver.empty() ? in_process_symbolizer() : isolated_symbolizer(executor, request.driver);
  report.cells = run_cells(cells, executor, request.jobs, [&](const CellResult& r, size_t done, size_t total) {
    progress << fmt::format("[{}/{}] {} {} {} {}: {} ({:.0f} ms)\n", done, total, r.key.module, r.key.python,
                            r.key.config, r.key.check, to_string(r.outcome), r.duration_ms)
             << std::flush;
  }, symbolizer, [] { return interrupt_signal() != 0; });
  report.incomplete = static_cast<int>(cells.size() - report.cells.size());
  reap_stray_children();  // escaped processes of any host (process_executor.cpp), also untagged ones
  report.finish();

  out << render_terminal(report, request.color) << std::flush;
  if (request.json_report) {
    const std::string text = report_to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    try {
      write_file_atomically(*request.json_report, text + "\n");
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());  // checked writable before the run; it changed since
    }
  }
  if (const int signal = interrupt_signal(); signal != 0) {
    progress << fmt::format("isocheck: interrupted by {}: {} of {} cells finished, {} not run{}\n",
                            signal_name(signal), report.cells.size(), cells.size(), report.incomplete,
                            request.json_report ? " (the report says \"incomplete\": " +
                                                      std::to_string(report.incomplete) + ")"
                                                : "")
             << std::flush;
    return 128 + signal;  // the shell's convention: 130 for SIGINT, 143 for SIGTERM
  }
  return gate_exit_code(report, request.required);
}

}  // namespace isocheck
