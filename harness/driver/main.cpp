// isocheck: the driver. It never includes Python.h (style.md 3): it plans cells, runs the
// per-version hosts as child processes, and reports.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "commands/baseline.h"
#include "model/catalog.h"
#include "supervisor/find_program.h"
#include "supervisor/forensics.h"
#include "supervisor/interrupt.h"
#include "commands/merge.h"
#include "commands/project_config.h"
#include "commands/repro.h"
#include "commands/run_command.h"
#include "commands/shard.h"
#include "protocol/usage_error.h"
#include "reports/github_annotations.h"

#ifndef ISOCHECK_VERSION
#define ISOCHECK_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;
using namespace isocheck;

namespace {

fs::path self_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : self.parent_path();
}

// In a build tree the hosts and their manifest sit next to the driver
// (CMAKE_RUNTIME_OUTPUT_DIRECTORY); installed (cmake --install, pip), in ../libexec/isocheck
// (cmake/IsocheckInstall.cmake). ISOCHECK_HOSTS names another manifest.
fs::path default_manifest() {
  if (const char* env = std::getenv("ISOCHECK_HOSTS")) return env;
  std::error_code ec;
  const fs::path beside = self_dir() / "isocheck-hosts.json";
  const fs::path installed = (self_dir() / ".." / "libexec" / "isocheck" / "isocheck-hosts.json").lexically_normal();
  return !fs::exists(beside, ec) && fs::exists(installed, ec) ? installed : beside;
}

// An installed driver carries the sources of a host (../share/isocheck/source) and builds one
// for a Python that has none (supervisor/host_builder.h); a build tree's driver does not: there,
// reconfiguring with -DISOCHECK_PYTHONS adds the host.
fs::path default_host_source() {
  std::error_code ec;
  const fs::path source = (self_dir() / ".." / "share" / "isocheck" / "source").lexically_normal();
  return fs::exists(source / "CMakeLists.txt", ec) ? source : fs::path();
}

// A driver installed in a venv checks the venv's Python unless told otherwise: pip ran with
// it, and it stays right where the manifest's interpreter would not (a wheel pip cached in one
// venv and installed into another names the first one's python).
std::string default_python() {
  std::error_code ec;
  const fs::path python = self_dir() / "python";
  if (default_host_source().empty() || !fs::exists(self_dir() / ".." / "pyvenv.cfg", ec)) return "";
  return fs::exists(python, ec) ? python.lexically_normal().string() : "";
}

std::string self_path() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.string();
}

// The driver as a user can type it: "isocheck" when that is what PATH finds, else the
// absolute path, so that every repro command runs as printed.
std::string program_for_repro() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "isocheck";
  const std::string on_path = find_on_path("isocheck");
  return !on_path.empty() && fs::equivalent(on_path, self, ec) ? "isocheck" : self.string();
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find(',', start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

std::vector<std::string> parse_checks(const std::string& text) {
  std::vector<std::string> ids;
  const auto requested = split_commas(text);
  for (const std::string& id : requested) {
    if (find_check(id) == nullptr) {
      std::string known;
      for (const CheckInfo& c : check_catalog()) known += (known.empty() ? "" : ", ") + std::string(c.id);
      throw UsageError(fmt::format("--check: unknown check '{}' (known: {})", id, known));
    }
  }
  for (const CheckInfo& c : check_catalog()) {  // catalog order, no duplicates
    if (text.empty() || std::find(requested.begin(), requested.end(), c.id) != requested.end()) ids.emplace_back(c.id);
  }
  return ids;
}

std::vector<Config> parse_configs(const std::string& text, std::string_view option) {
  std::vector<Config> configs;
  for (const std::string& name : split_commas(text)) {
    auto c = parse_config(name);
    if (!c) throw UsageError(fmt::format("{}: unknown config '{}' (known: main, legacy, isolated)", option, name));
    if (std::find(configs.begin(), configs.end(), *c) == configs.end()) configs.push_back(*c);
  }
  return configs;
}

std::string join_commas(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& p : parts) text += (text.empty() ? "" : ",") + p;
  return text;
}

// The raw values of `run`'s options, before they are parsed into the RunRequest.
// Where the reports go (spec/report.md); run, survey and merge all take these.
struct ReportArgs {
  std::string json, junit, markdown, html, badge_svg, badge_json;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--json", json, "write the JSON report here");
    cmd->add_option("--junit", junit, "write the JUnit XML report here");
    cmd->add_option("--markdown", markdown, "write the Markdown report here");
    cmd->add_option("--html", html, "write the HTML report here");
    cmd->add_option("--badge", badge_svg, "write the SVG badge here");
    cmd->add_option("--badge-json", badge_json, "write the shields.io endpoint JSON here");
  }
  ReportOutputs outputs() const {
    auto path = [](const std::string& p) { return p.empty() ? std::nullopt : std::optional<fs::path>(p); };
    ReportOutputs o;
    o.json = path(json);
    o.junit = path(junit);
    o.markdown = path(markdown);
    o.html = path(html);
    o.badge_svg = path(badge_svg);
    o.badge_json = path(badge_json);
    o.github_annotations = github_annotations_wanted(std::getenv("GITHUB_ACTIONS"));
    return o;
  }
};

struct RunArgs {
  std::string checks, configs, required, baseline, shard;
  double timeout_s = 60;
};

// pyproject.toml [tool.isocheck] (commands/project_config.h) fills in every option the command
// line left out: the command line wins, key by key.
void apply_project_config(const ProjectConfig& config, const CLI::App& run, RunRequest& request, RunArgs& args) {
  const auto unset = [&](const char* option) { return run.count(option) == 0; };
  if (request.options.modules.empty()) request.options.modules = config.modules;
  if (unset("--python") && config.pythons) request.python_requests = *config.pythons;
  if (unset("--path") && config.paths) request.options.paths = *config.paths;
  if (unset("--exercise") && config.exercise) request.options.exercise = *config.exercise;
  if (unset("--check") && config.checks) args.checks = join_commas(*config.checks);
  if (unset("--config") && config.configs) args.configs = join_commas(*config.configs);
  if (unset("--require") && config.require) args.required = join_commas(*config.require);
  if (unset("--baseline") && config.baseline) args.baseline = *config.baseline;
  if (unset("--timeout") && config.timeout) args.timeout_s = *config.timeout;
  if (unset("--cycles") && config.cycles) request.options.cycles = *config.cycles;
  if (unset("--jobs") && config.jobs) request.jobs = *config.jobs;
}

void print_catalog(std::ostream& out) {
  for (const CheckInfo& c : check_catalog()) {
    std::string configs;
    for (Config cfg : c.configs) configs += (configs.empty() ? "" : ",") + std::string(to_string(cfg));
    out << fmt::format("{:<11} {:<21} {}  [HOWTO: {}]\n", c.id, configs.empty() ? "-" : configs, c.intent, c.howto);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena for every thread. The workers' transient buffers (pipes drained, records
  // decoded) and the small entries kept per cell otherwise interleave in per-thread arenas, whose
  // holes are never returned: the driver's memory then grows with the cells (issue #6). The
  // workers spend their time waiting on hosts, so one arena costs no contention worth measuring.
  ::mallopt(M_ARENA_MAX, 1);
  CLI::App app{"isocheck: runtime conformance checks for CPython extension modules in subinterpreters"};
  app.set_version_flag("--version", "isocheck " ISOCHECK_VERSION);
  app.require_subcommand(1);

  CLI::App* list = app.add_subcommand("list-checks", "print the check catalog");

  RunRequest request;
  request.tool_version = ISOCHECK_VERSION;
  request.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  RunArgs run_args;  // pyproject.toml may fill these in (apply_project_config)
  std::string& checks = run_args.checks;
  std::string& configs = run_args.configs;
  std::string& required = run_args.required;
  ReportArgs report_args;
  const std::string& json = report_args.json;
  double& timeout_s = run_args.timeout_s;
  bool keep_core = false;
  // `run` and `survey` take the same options (spec/cli.md); only run names modules.
  auto add_run_options = [&](CLI::App* cmd) {
    cmd->add_option("--python", request.python_requests, "a version (3.13) or an interpreter executable");
    cmd->add_option("--path", request.options.paths,
                    "directory prepended to sys.path in every interpreter; 3.13:DIR for one Python only");
    cmd->add_option("--check", checks, "comma list of check ids (default: all)");
    cmd->add_option("--config", configs, "comma list of configs (default: all)");
    cmd->add_option("--exercise", request.options.exercise, "file defining exercise(module)");
    cmd->add_option("--cycles", request.options.cycles, "cycles for cycles/leaks")->check(CLI::Range(1, 100000));
    cmd->add_option("--timeout", timeout_s, "wall limit per cell, seconds")->check(CLI::PositiveNumber);
    cmd->add_option("-j,--jobs", request.jobs, "cells run at once")->check(CLI::Range(1, 1024));
    report_args.add_to(cmd);
    cmd->add_option("--require", required, "configs whose `unsupported` fails the gate");
    cmd->add_flag("--keep-core", keep_core, "let crashing hosts dump core, kept next to the report");
    cmd->add_flag("!--no-fork-server", request.options.fork_server,
                  "spawn every host afresh instead of forking it from a per-Python server (slower)");
    cmd->add_option("--memory-limit", request.options.memory_limit_bytes,
                    "address space of each host (RLIMIT_AS), e.g. 4G, 512M; 0: no limit")
        ->transform(CLI::AsSizeValue(false));
    // CI gate (issue #5): baseline, sharding; merge and baseline write below.
    cmd->add_option("--baseline", run_args.baseline, "known outcomes (isocheck baseline write); only changes fail");
    cmd->add_option("--shard", run_args.shard, "run the I-th of N stable parts of the cells (I/N)");
  };
  CLI::App* run = app.add_subcommand("run", "check the named importable modules");
  run->add_option("MODULE", request.options.modules,
                  "module or package name, NAME=FILE.so, or NAME=3.12:FILE.so,3.13:FILE.so "
                  "(default: modules of pyproject.toml [tool.isocheck])");
  add_run_options(run);
  std::string run_wheels;
  run->add_option("--wheels", run_wheels,
                  "a directory of wheels to import from: each is unpacked onto the path of the Pythons its tag "
                  "names, as survey --wheels has them (its cells' repro commands use this)");
  CLI::App* survey = app.add_subcommand("survey", "check every extension module in each Python's lib-dynload");
  add_run_options(survey);
  std::string survey_wheels;
  survey->add_option("--wheels", survey_wheels,
                     "a directory of wheels: check every extension module in them instead of lib-dynload's "
                     "(pure-Python wheels among them are dependencies)");

  std::string baseline_file, baseline_from;
  CLI::App* baseline_cmd = app.add_subcommand("baseline", "manage baseline files");
  baseline_cmd->require_subcommand(1);
  CLI::App* baseline_write = baseline_cmd->add_subcommand("write", "write a baseline from a JSON report");
  baseline_write->add_option("BASELINE", baseline_file, "the baseline file to write")->required();
  baseline_write->add_option("--from", baseline_from, "the JSON report (isocheck run --json)")->required();

  MergeRequest merge_request;
  ReportArgs merge_reports;
  std::string merge_required;
  CLI::App* merge = app.add_subcommand("merge", "combine JSON reports (e.g. of --shard runs) into one");
  merge->add_option("REPORT", merge_request.inputs, "JSON reports")->required();
  merge_reports.add_to(merge);
  merge->add_option("--require", merge_required, "configs whose `unsupported` fails the gate");

  ReproRequest repro_request;
  double repro_timeout_s = 60;
  CLI::App* repro = app.add_subcommand("repro", "rerun one cell in the foreground with full forensics");
  repro->add_option("CELL", repro_request.cell, "MODULE:PYTHON:CONFIG:CHECK, as the report names it")->required();
  repro->add_option("--path", repro_request.options.paths, "directory prepended to sys.path");
  repro->add_option("--exercise", repro_request.options.exercise, "file defining exercise(module)");
  repro->add_option("--cycles", repro_request.options.cycles, "cycles for cycles/leaks")->check(CLI::Range(1, 100000));
  repro->add_option("--timeout", repro_timeout_s, "wall limit, seconds")->check(CLI::PositiveNumber);
  repro->add_flag("--gdb", repro_request.gdb, "run the host under gdb, stopped at the crash");
  bool repro_keep_core = false;
  repro->add_flag("--keep-core", repro_keep_core, "let the host dump core, kept in the current directory");

  // Internal: symbolise a host's crash dump in a process of its own (supervisor/forensics.h).
  std::string dump_file;
  CLI::App* symbolize_cmd = app.add_subcommand("__symbolize", "")->group("");
  symbolize_cmd->add_option("FILE", dump_file)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line on stderr and exit 2 (spec/cli.md), whatever CLI11 would have printed.
    std::cerr << "isocheck: " << e.what() << "\n";
    return kExitUsage;
  }

  try {
    if (symbolize_cmd->parsed()) {
      std::ifstream in(dump_file);
      const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (const auto dump = parse_crash_dump(raw)) {
        for (const std::string& frame : symbolize(*dump)) std::cout << frame << "\n";
      }
      return kExitGatePassed;
    }
    if (list->parsed()) {
      print_catalog(std::cout);
      return kExitGatePassed;
    }
    if (repro->parsed()) {
      repro_request.options.timeout = std::chrono::milliseconds(static_cast<long long>(repro_timeout_s * 1000));
      repro_request.options.program = program_for_repro();
      repro_request.host_manifest = default_manifest();
      repro_request.host_source = default_host_source();
      repro_request.driver = self_path();
      if (repro_keep_core) repro_request.options.core_dir = fs::current_path().string();
      ProcessExecutor executor;
      return run_repro(std::move(repro_request), executor, std::cout);
    }
    if (baseline_write->parsed()) {
      baseline_write_command(baseline_file, baseline_from);
      std::cout << fmt::format("wrote {} from {}\n", baseline_file, baseline_from);
      return kExitGatePassed;
    }
    if (merge->parsed()) {
      merge_request.reports = merge_reports.outputs();
      merge_request.required = parse_configs(merge_required, "--require");
      merge_request.color = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
      return merge_command(merge_request, std::cout);
    }
    // pyproject.toml configures the project's own modules: `run` only, never the survey.
    if (run->parsed()) apply_project_config(load_project_config(fs::current_path()), *run, request, run_args);
    if (!run_args.baseline.empty()) request.baseline = run_args.baseline;
    if (!run_args.shard.empty()) request.shard = parse_shard(run_args.shard);
    request.options.checks = parse_checks(checks);
    request.options.configs = configs.empty() ? std::vector<Config>(std::begin(kAllConfigs), std::end(kAllConfigs))
                                              : parse_configs(configs, "--config");
    request.required = parse_configs(required, "--require");
    request.options.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
    request.reports = report_args.outputs();
    if (keep_core) {
      const fs::path report_dir = json.empty() ? fs::path(".") : fs::path(json).parent_path();
      request.options.core_dir = fs::absolute(report_dir.empty() ? fs::path(".") : report_dir).lexically_normal().string();
    }
    request.host_manifest = default_manifest();
    request.host_source = default_host_source();
    request.default_python = default_python();
    request.options.program = program_for_repro();
    request.color = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
    request.live_progress = ::isatty(STDERR_FILENO) == 1;
    request.driver = self_path();
    // Processes a module starts that leave their host's process group (setsid) are re-parented
    // here rather than to init, so the run can find and kill them (process_executor.cpp).
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    start_interrupt_watch();  // no other thread exists yet
    ProcessExecutor executor;
    if (survey->parsed()) {
      if (!survey_wheels.empty()) request.survey_wheels = survey_wheels;
      return survey_command(std::move(request), executor, std::cout, std::cerr);
    }
    if (!run_wheels.empty()) request.run_wheels = run_wheels;
    return run_command(std::move(request), executor, std::cout, std::cerr);
  } catch (const RunInterrupted& e) {
    std::cerr << "isocheck: " << e.what() << "\n";
    return 128 + e.signal;
  } catch (const UsageError& e) {
    std::cerr << "isocheck: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "isocheck: internal error: " << e.what() << "\n";
    return 70;  // EX_SOFTWARE: a bug in isocheck, never a verdict
  }
}
