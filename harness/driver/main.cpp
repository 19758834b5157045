// isocheck: the driver. It never includes Python.h (style.md 3): it plans cells, runs the
// per-version hosts as child processes, and reports.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/catalog.h"
#include "core/find_program.h"
#include "core/forensics.h"
#include "core/interrupt.h"
#include "core/repro.h"
#include "core/run_command.h"
#include "core/usage_error.h"

#ifndef ISOCHECK_VERSION
#define ISOCHECK_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;
using namespace isocheck;

namespace {

// The hosts and their manifest sit next to the driver (CMAKE_RUNTIME_OUTPUT_DIRECTORY);
// ISOCHECK_HOSTS names another manifest.
fs::path default_manifest() {
  if (const char* env = std::getenv("ISOCHECK_HOSTS")) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::path(".") : self.parent_path()) / "isocheck-hosts.json";
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

void print_catalog(std::ostream& out) {
  for (const CheckInfo& c : check_catalog()) {
    std::string configs;
    for (Config cfg : c.configs) configs += (configs.empty() ? "" : ",") + std::string(to_string(cfg));
    out << fmt::format("{:<11} {:<21} {}  [HOWTO: {}]\n", c.id, configs.empty() ? "-" : configs, c.intent, c.howto);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"isocheck: runtime conformance checks for CPython extension modules in subinterpreters"};
  app.set_version_flag("--version", "isocheck " ISOCHECK_VERSION);
  app.require_subcommand(1);

  CLI::App* list = app.add_subcommand("list-checks", "print the check catalog");

  RunRequest request;
  request.tool_version = ISOCHECK_VERSION;
  request.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string checks, configs, required, json;
  double timeout_s = 60;
  CLI::App* run = app.add_subcommand("run", "check the named importable modules");
  run->add_option("MODULE", request.options.modules, "module name, or NAME=FILE.so")->required();
  run->add_option("--python", request.python_requests, "a version (3.13) or an interpreter executable");
  run->add_option("--path", request.options.paths, "directory prepended to sys.path in every interpreter");
  run->add_option("--check", checks, "comma list of check ids (default: all)");
  run->add_option("--config", configs, "comma list of configs (default: all)");
  run->add_option("--exercise", request.options.exercise, "file defining exercise(module)");
  run->add_option("--cycles", request.options.cycles, "cycles for cycles/leaks")->check(CLI::Range(1, 100000));
  run->add_option("--timeout", timeout_s, "wall limit per cell, seconds")->check(CLI::PositiveNumber);
  run->add_option("-j,--jobs", request.jobs, "cells run at once")->check(CLI::Range(1, 1024));
  run->add_option("--json", json, "write the JSON report here");
  run->add_option("--require", required, "configs whose `unsupported` fails the gate");
  run->add_option("--memory-limit", request.options.memory_limit_bytes,
                  "address space of each host (RLIMIT_AS), e.g. 4G, 512M; 0: no limit")
      ->transform(CLI::AsSizeValue(false));
  bool keep_core = false;
  run->add_flag("--keep-core", keep_core, "let crashing hosts dump core, kept next to the report");

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

  // Internal: symbolise a host's crash dump in a process of its own (core/forensics.h).
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
      repro_request.driver = self_path();
      if (repro_keep_core) repro_request.options.core_dir = fs::current_path().string();
      ProcessExecutor executor;
      return run_repro(std::move(repro_request), executor, std::cout);
    }
    request.options.checks = parse_checks(checks);
    request.options.configs = configs.empty() ? std::vector<Config>(std::begin(kAllConfigs), std::end(kAllConfigs))
                                              : parse_configs(configs, "--config");
    request.required = parse_configs(required, "--require");
    request.options.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
    if (!json.empty()) request.json_report = json;
    if (keep_core) {
      const fs::path report_dir = json.empty() ? fs::path(".") : fs::path(json).parent_path();
      request.options.core_dir = fs::absolute(report_dir.empty() ? fs::path(".") : report_dir).lexically_normal().string();
    }
    request.host_manifest = default_manifest();
    request.options.program = program_for_repro();
    request.color = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
    request.driver = self_path();
    // Processes a module starts that leave their host's process group (setsid) are re-parented
    // here rather than to init, so the run can find and kill them (process_executor.cpp).
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    start_interrupt_watch();  // no other thread exists yet
    ProcessExecutor executor;
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
