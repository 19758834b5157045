#include "commands/run_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <future>
#include <map>
#include <ostream>
#include <set>

#include "protocol/atomic_file.h"
#include "commands/baseline.h"
#include "supervisor/classify.h"
#include "commands/gate.h"
#include "supervisor/host_builder.h"
#include "supervisor/interrupt.h"
#include "analysis/lint.h"
#include "supervisor/module_args.h"
#include "supervisor/progress.h"
#include "supervisor/pythons.h"
#include "supervisor/scheduler.h"
#include "commands/shard.h"
#include "protocol/usage_error.h"
#include "commands/wheels.h"
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
  for (std::string& m : options.modules) m = normalise_module_arg(m);
  for (std::string& p : options.paths) p = normalise_path_arg(p);
  if (!options.exercise.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(options.exercise, ec) || ::access(options.exercise.c_str(), R_OK) != 0) {
      throw UsageError(fmt::format("--exercise {}: no such readable file", options.exercise));
    }
    options.exercise = fs::absolute(options.exercise).lexically_normal().string();
  }
  // Every host runs in a scratch directory made there, and the results are spooled there.
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec);
  if (ec || ::access(tmp.c_str(), W_OK | X_OK) != 0) {
    const char* tmpdir = std::getenv("TMPDIR");
    throw UsageError(fmt::format("the temporary directory {} is not a writable directory (TMPDIR names it)",
                                 tmpdir != nullptr ? tmpdir : tmp.string()));
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
    if (const std::optional<std::string> given = module_arg_for_python(m, python)) {
      inv.args.push_back("--module");
      inv.args.push_back(*given);
    }
  }
  for (const std::string& p : paths_for_python(options.paths, python)) {
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
  bool given_to_any = false;
  for (const PythonTarget& p : pythons) {
    const ModuleLocation& where = availability.at({module, p.version});
    if (where.kind == "extension") return;
    given_to_any |= where.kind != "not_given";
    if (where.kind != "missing" && where.kind != "not_given" && example == nullptr) example = &where;
  }
  const std::string versions = version_list(pythons);
  if (!given_to_any) {
    throw UsageError(fmt::format("{}: its per-Python files name none of this run's Pythons ({})", module, versions));
  }
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

namespace {

// What one Python's `describe` said about each MODULE argument.
struct Described {
  ModuleLocation where;
  std::vector<std::pair<std::string, std::string>> package_extensions;  // kind "package": (name, file)
};

// One `host describe` for one Python (with --survey: also its lib-dynload listing): the host's
// description, or a UsageError.
nlohmann::json describe_with_host(const RunOptions& options, const PythonTarget& python, bool survey,
                                  HostExecutor& executor) {
  HostInvocation inv = describe_invocation(options, python);
  if (survey) inv.args.push_back("--survey");
  const HostRun run = executor.run(inv);
  const HostTranscript transcript = decode_framed_transcript(run.protocol, run.secret);
  if (!transcript.description) {
    if (const int signal = interrupt_signal(); signal != 0) {
      throw RunInterrupted(signal, fmt::format("interrupted by {} before any cell ran; no report written",
                                               signal_name(signal)));
    }
    const HostVerdict why = classify_run(run, inv.timeout);
    throw UsageError(fmt::format("the host for Python {} ({}) failed before checking anything: {}", python.version,
                                 python.host, why.summary));
  }
  const nlohmann::json d = *transcript.description;
  const std::string problem = d.value("exercise_problem", "");
  if (!problem.empty()) throw UsageError("--exercise: " + problem);
  return d;
}

// One `describe` per Python, all at once: each is a host start, and a one-module run should wait
// for the slowest of them, not for their sum. Failures are rethrown in Python order.
std::vector<nlohmann::json> describe_each(const RunOptions& options, const std::vector<PythonTarget>& pythons,
                                          bool survey, HostExecutor& executor) {
  std::vector<std::future<nlohmann::json>> pending;
  for (const PythonTarget& python : pythons) {
    pending.push_back(std::async(std::launch::async, [&options, &python, survey, &executor] {
      return describe_with_host(options, python, survey, executor);
    }));
  }
  std::vector<nlohmann::json> descriptions;
  for (auto& p : pending) descriptions.push_back(p.get());
  return descriptions;
}

std::map<std::string, Described> describe_modules(const RunOptions& options, const PythonTarget& python,
                                                  const nlohmann::json& d) {
  std::map<std::string, Described> described;
  for (const std::string& m : options.modules) {
    Described& entry = described[m];
    const std::optional<std::string> given = module_arg_for_python(m, python);
    entry.where = ModuleLocation{given ? "missing" : "not_given", ""};
    if (!given || !d.contains("modules") || !d["modules"].contains(*given)) continue;
    const auto& j = d["modules"][*given];
    entry.where.kind = j.value("kind", "missing");
    entry.where.origin = j.value("origin", "");
    if (j.contains("extensions")) {
      for (const auto& e : j["extensions"]) entry.package_extensions.emplace_back(e.value("name", ""), e.value("origin", ""));
    }
  }
  return described;
}

}  // namespace

ModuleAvailability locate_modules(RunOptions& options, const std::vector<PythonTarget>& pythons,
                                  HostExecutor& executor, std::ostream* notes, EmptyPackage empty_package) {
  std::map<std::string, std::map<std::string, Described>> by_python;  // python version -> module -> described
  const std::vector<nlohmann::json> descriptions = describe_each(options, pythons, false, executor);
  for (size_t i = 0; i < pythons.size(); ++i) by_python[pythons[i].version] = describe_modules(options, pythons[i], descriptions[i]);

  // A package stands for every extension module inside it, under any Python (a 3.12-only build
  // then gives `error` cells under 3.13, like any module one Python lacks).
  std::vector<std::string> expanded;
  ModuleAvailability availability;
  const auto add = [&](const std::string& name) {
    if (std::find(expanded.begin(), expanded.end(), name) == expanded.end()) expanded.push_back(name);
  };
  std::set<std::string> not_modules;  // files, reported once however many Pythons saw them
  for (const std::string& m : options.modules) {
    std::set<std::string> inside;
    bool is_package = false;
    std::string package_origin;
    for (const PythonTarget& p : pythons) {
      const Described& d = by_python[p.version][m];
      if (d.where.kind != "package") continue;
      is_package = true;
      package_origin = d.where.origin;
      for (const auto& [name, file] : d.package_extensions) {
        if (!exports_module_entry_point(file, name)) {
          if (not_modules.insert(file).second && notes != nullptr) {
            *notes << fmt::format("isocheck: not checked: {} exports no {} (a shared library beside the "
                                  "extension modules, not one of them)\n",
                                  file, init_function_name(name));
          }
          continue;
        }
        inside.insert(name);
        availability[{name, p.version}] = ModuleLocation{"extension", file};
      }
    }
    if (!is_package) {
      add(m);
      // Also named through a package given earlier: that package's walk already placed it.
      for (const PythonTarget& p : pythons) availability.try_emplace({m, p.version}, by_python[p.version][m].where);
      continue;
    }
    if (inside.empty()) {
      const std::string problem = fmt::format("package {} ({}) contains no extension module", m, package_origin);
      if (empty_package == EmptyPackage::usage_error) throw UsageError(problem);
      if (notes != nullptr) *notes << "isocheck: not checked: " << problem << "\n";
      continue;
    }
    for (const std::string& name : inside) {
      add(name);
      for (const PythonTarget& p : pythons) availability.try_emplace({name, p.version}, ModuleLocation{"missing", ""});
    }
  }
  if (expanded.empty()) throw UsageError("no extension module to check in any package given");
  options.modules = expanded;
  for (const std::string& m : options.modules) require_checkable(m, pythons, availability);
  return availability;
}


namespace {

std::string baseline_refresh_command(const RunRequest& request) {
  const std::string write =
      fmt::format("{} baseline write {}", request.options.program, shell_quote(request.baseline->string()));
  if (!request.reports.json) return fmt::format("rerun with --json REPORT.json, then {} --from REPORT.json", write);
  return fmt::format("{} --from {}", write, shell_quote(request.reports.json->string()));
}

// Plans, runs and reports the cells of `options.modules`: the part `run` and `survey` share.
int execute(RunRequest& request, HostExecutor& executor, const std::vector<PythonTarget>& pythons,
            const ModuleAvailability& availability, const std::optional<Baseline>& baseline, std::ostream& out,
            std::ostream& progress) {
  const RunOptions& options = request.options;
  std::vector<PlannedCell> cells = plan_cells(options, pythons, availability);
  if (request.shard) cells = select_shard(std::move(cells), *request.shard);

  RunReport report;
  report.tool_version = request.tool_version;
  report.created = utc_timestamp();
  report.pythons = pythons;
  report.modules = options.modules;
  const Symbolizer symbolizer =
      request.driver.empty() ? in_process_symbolizer() : isolated_symbolizer(executor, request.driver);
  ProgressReporter reporter(progress, request.live_progress, cells);
  // Each result goes to disk as it comes: memory holds a small entry per cell (issue #6).
  // Without a usable temporary directory the results stay in memory: bigger, never lost.
  try {
    report.cells = CellStore::spooled();
  } catch (const std::runtime_error& e) {
    progress << "isocheck: " << e.what() << "; keeping results in memory\n";
  }
  report.cells.reserve(cells.size());
  run_cells(
      cells, executor, request.jobs,
      [&](CellResult r, size_t, size_t) {
        reporter.cell_finished(r);
        report.cells.push_back(std::move(r));
      },
      symbolizer, [] { return interrupt_signal() != 0; });
  reporter.finish();
  report.incomplete = static_cast<int>(cells.size() - report.cells.size());
  executor.reap_strays();  // escaped processes of any host (process_executor.cpp), also untagged ones
  report.finish();
  if (baseline) apply_baseline(report, *baseline);

  out << (request.survey ? render_survey(report, request.color) : render_terminal(report, request.color));
  if (baseline) out << render_baseline_notes(report, request.required, baseline_refresh_command(request));
  out << std::flush;
  write_reports(report, request.reports, out);
  if (const int signal = interrupt_signal(); signal != 0) {
    progress << fmt::format("isocheck: interrupted by {}: {} of {} cells finished, {} not run{}\n",
                            signal_name(signal), report.cells.size(), cells.size(), report.incomplete,
                            request.reports.json ? " (the report says \"incomplete\": " +
                                                       std::to_string(report.incomplete) + ")"
                                                 : "")
             << std::flush;
    return 128 + signal;  // the shell's convention: 130 for SIGINT, 143 for SIGTERM
  }
  return gate_exit_code(report, request.required);
}

// What both commands check before any host runs; returns the baseline, when one was given.
std::optional<Baseline> validate_request(RunRequest& request) {
  validate_run_inputs(request.options);
  check_report_destinations(request.reports);
  if (request.baseline) return read_baseline_file(*request.baseline);
  return std::nullopt;
}

// An installed driver builds hosts for Pythons it has none for (supervisor/host_builder.h).
std::optional<HostBuilder> host_builder_for(const RunRequest& request, HostExecutor& executor, std::ostream& progress) {
  if (request.host_source.empty()) return std::nullopt;
  return std::optional<HostBuilder>(std::in_place, request.host_source, default_host_cache(), executor, progress);
}

// The paths from `first_wheel_path` on are the unpacked wheels of DIR: repro commands name DIR.
void mark_wheel_paths(RunOptions& options, size_t first_wheel_path, const std::filesystem::path& dir) {
  options.wheels_dir = std::filesystem::absolute(dir).lexically_normal().string();
  options.wheel_paths.assign(options.paths.begin() + static_cast<std::ptrdiff_t>(first_wheel_path),
                             options.paths.end());
}

// run --wheels DIR: every wheel of DIR unpacked onto the path of the Pythons its tag names (the
// pure ones onto every Python's), as a survey --wheels run has them; the modules are the named.
void put_wheels_on_path(RunRequest& request, const std::vector<PythonTarget>& built, HostExecutor& executor) {
  if (!request.run_wheels || built.empty()) return;
  RunOptions wheels;
  wheels.modules = wheels_in(*request.run_wheels);
  expand_wheels(wheels, default_wheel_cache(), built.front().executable, executor, /*pure_wheels_as_paths=*/true);
  const size_t first = request.options.paths.size();
  request.options.paths.insert(request.options.paths.end(), wheels.paths.begin(), wheels.paths.end());
  mark_wheel_paths(request.options, first, *request.run_wheels);
}

// Wheels among the MODULE arguments become the modules inside them (commands/wheels.h); unless the
// run names its Pythons, it runs under those the wheels are built for that have a host.
void take_modules_from_wheels(RunRequest& request, const std::vector<PythonTarget>& built, HostExecutor& executor) {
  const auto& modules = request.options.modules;
  if (std::none_of(modules.begin(), modules.end(), [](const std::string& m) { return is_wheel_argument(m); })) return;
  if (built.empty()) return;  // select_pythons says what is missing
  const size_t first = request.options.paths.size();
  const std::vector<std::string> minors = expand_wheels(request.options, default_wheel_cache(), built.front().executable,
                                                        executor, /*pure_wheels_as_paths=*/request.survey_wheels.has_value());
  if (request.survey_wheels) mark_wheel_paths(request.options, first, *request.survey_wheels);
  if (minors.empty() || !request.python_requests.empty()) return;
  for (const std::string& minor : minors) {
    if (std::any_of(built.begin(), built.end(), [&](const PythonTarget& p) { return p.minor == minor; })) {
      request.python_requests.push_back(minor);
    }
  }
  if (request.python_requests.empty()) {
    throw UsageError(fmt::format("the wheels are built for CPython {}; isocheck has hosts for {}",
                                 fmt::join(minors, ", "), version_list(built)));
  }
}

}  // namespace

int run_command(RunRequest request, HostExecutor& executor, std::ostream& out, std::ostream& progress) {
  if (request.options.modules.empty()) {
    throw UsageError("run: name at least one MODULE (or set modules in pyproject.toml [tool.isocheck])");
  }
  const std::vector<PythonTarget> built = load_host_manifest(request.host_manifest);
  take_modules_from_wheels(request, built, executor);
  put_wheels_on_path(request, built, executor);
  if (request.python_requests.empty() && !request.default_python.empty()) {
    request.python_requests = {request.default_python};
  }
  const std::optional<Baseline> baseline = validate_request(request);
  std::optional<HostBuilder> builder = host_builder_for(request, executor, progress);
  const std::vector<PythonTarget> pythons =
      select_pythons(built, request.python_requests, executor, builder ? &*builder : nullptr);
  const ModuleAvailability availability =
      locate_modules(request.options, pythons, executor, &progress,
                     request.survey_wheels ? EmptyPackage::skip : EmptyPackage::usage_error);
  return execute(request, executor, pythons, availability, baseline, out, progress);
}

ModuleAvailability survey_modules(RunOptions& options, const std::vector<PythonTarget>& pythons,
                                  HostExecutor& executor) {
  ModuleAvailability availability;
  std::set<std::string> names;
  const std::vector<nlohmann::json> descriptions = describe_each(options, pythons, true, executor);
  for (size_t i = 0; i < pythons.size(); ++i) {
    const PythonTarget& python = pythons[i];
    const nlohmann::json& d = descriptions[i];
    if (!d.contains("survey") || d["survey"].empty()) {
      throw UsageError(fmt::format("survey: Python {} ({}) has no extension modules in a lib-dynload "
                                   "directory on its sys.path", python.version, python.executable));
    }
    for (const auto& [name, file] : d["survey"].items()) {
      availability[{name, python.version}] = ModuleLocation{"extension", file.get<std::string>()};
      names.insert(name);
    }
  }
  options.modules.assign(names.begin(), names.end());
  options.only_listed = true;
  return availability;
}

int survey_command(RunRequest request, HostExecutor& executor, std::ostream& out, std::ostream& progress) {
  request.survey = true;
  if (!request.options.modules.empty()) {
    throw UsageError("survey: takes no MODULE (it checks every lib-dynload module, or with --wheels every wheel's)");
  }
  if (request.survey_wheels) {
    // Every extension module of every wheel in the directory; its pure-Python wheels are the
    // others' dependencies and only join the paths.
    request.options.modules = wheels_in(*request.survey_wheels);
    return run_command(std::move(request), executor, out, progress);
  }
  const std::optional<Baseline> baseline = validate_request(request);
  if (request.python_requests.empty() && !request.default_python.empty()) {
    request.python_requests = {request.default_python};
  }
  std::optional<HostBuilder> builder = host_builder_for(request, executor, progress);
  const std::vector<PythonTarget> pythons = select_pythons(
      load_host_manifest(request.host_manifest), request.python_requests, executor, builder ? &*builder : nullptr);
  const ModuleAvailability availability = survey_modules(request.options, pythons, executor);
  return execute(request, executor, pythons, availability, baseline, out, progress);
}

}  // namespace isocheck
