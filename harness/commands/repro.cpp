#include "commands/repro.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <ostream>

#include "model/catalog.h"
#include "supervisor/classify.h"
#include "supervisor/find_program.h"
#include "supervisor/host_builder.h"
#include "supervisor/pythons.h"
#include "commands/run_command.h"
#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

CellSpec parse_cell_spec(const std::string& text) {
  CellSpec spec;
  std::string rest = text;
  std::string* fields[] = {&spec.check, &spec.config, &spec.python};
  for (std::string* field : fields) {
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
      throw UsageError(fmt::format("repro {}: expected MODULE:PYTHON:CONFIG:CHECK, e.g. mymod:3.12:isolated:teardown", text));
    }
    *field = rest.substr(colon + 1);
    rest.resize(colon);
  }
  spec.module = rest;
  const CheckInfo* check = find_check(spec.check);
  if (check == nullptr) throw UsageError(fmt::format("repro {}: unknown check '{}'", text, spec.check));
  const auto config = parse_config(spec.config);
  const bool runs_there = config && std::find(check->configs.begin(), check->configs.end(), *config) != check->configs.end();
  const bool no_config = check->configs.empty() && spec.config == kNoConfig;
  if (!runs_there && !no_config) {
    throw UsageError(fmt::format("repro {}: check '{}' does not run in config '{}'", text, spec.check, spec.config));
  }
  if (spec.module.empty() || spec.python.empty()) {
    throw UsageError(fmt::format("repro {}: expected MODULE:PYTHON:CONFIG:CHECK", text));
  }
  return spec;
}

namespace {

// gdb gets the protocol and the crash dump on the terminal: fds 3 and 4 are not open there.
// No secret either: the messages go to a human as plain lines.
std::vector<std::string> terminal_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (has_value && args[i] == "--secret-fd") {
      ++i;  // and its value
    } else if (has_value && args[i] == "--result-fd") {
      out.insert(out.end(), {args[i], "1"});
      ++i;
    } else if (has_value && args[i] == "--forensics-fd") {
      out.insert(out.end(), {args[i], "2"});
      ++i;
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

// CPython ships gdb helpers next to its executable as python3.X-gdb.py (py-bt, py-list...).
std::string gdb_helpers_for(const PythonTarget& python) {
  std::error_code ec;
  const fs::path real = fs::canonical(python.executable, ec);
  const fs::path helper = (ec ? fs::path(python.executable) : real).parent_path() / ("python" + python.minor + "-gdb.py");
  return fs::exists(helper, ec) ? helper.string() : "";
}

[[noreturn]] void exec_gdb(const HostInvocation& inv, const PythonTarget& python, std::ostream& out) {
  const std::string gdb = find_on_path("gdb");
  if (gdb.empty()) throw UsageError("repro --gdb: gdb is not installed (apt-get install gdb)");
  const fs::path commands = fs::temp_directory_path() / fmt::format("isocheck-gdb-{}.cmd", ::getpid());
  std::ofstream cmd(commands);
  cmd << "set pagination off\n"
      << "handle SIGUSR1 nostop noprint pass\n";
  const std::string helpers = gdb_helpers_for(python);
  if (!helpers.empty()) cmd << "source " << helpers << "\n";
  cmd << "run\n";
  cmd.close();
  out << fmt::format("isocheck: running the host under gdb{}; at the crash try: bt, py-bt\n",
                     helpers.empty() ? " (no CPython gdb helpers found)" : " with " + helpers)
      << std::flush;
  std::vector<std::string> argv = {gdb, "-q", "-x", commands.string(), "--args", inv.executable};
  for (const std::string& a : terminal_args(inv.args)) argv.push_back(a);
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  ::execv(gdb.c_str(), raw.data());
  throw UsageError(fmt::format("repro --gdb: cannot run {}", gdb));
}

void print_forensics(const HostVerdict& v, std::ostream& out) {
  out << fmt::format("\n{}: {}\n", to_string(v.outcome), v.summary);
  const auto& d = v.details;
  if (d.contains("last_step")) out << "  last step: " << d["last_step"].get<std::string>() << "\n";
  if (d.contains("signal")) out << "  signal: " << d["signal"].get<std::string>() << "\n";
  if (d.contains("backtrace")) {
    out << "  native backtrace:\n";
    for (const auto& frame : d["backtrace"]) out << "    " << frame.get<std::string>() << "\n";
  }
  if (d.contains("core_file")) out << "  core file: " << d["core_file"].get<std::string>() << "\n";
  if (d.contains("python_traceback")) {
    out << "  Python traceback:\n";
    std::string tb = d["python_traceback"].get<std::string>();
    size_t start = 0;
    while (start < tb.size()) {
      const size_t end = tb.find('\n', start);
      out << "    " << tb.substr(start, end - start) << "\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (d.contains("python_traceback") == false && d.contains("backtrace") == false &&
      (v.outcome == Outcome::crash || v.outcome == Outcome::timeout)) {
    out << "  (the host left no crash dump)\n";
  }
}

}  // namespace

int run_repro(ReproRequest request, HostExecutor& executor, std::ostream& out) {
  const CellSpec spec = parse_cell_spec(request.cell);
  RunOptions& options = request.options;
  options.modules = {spec.module};
  options.checks = {spec.check};
  if (const auto config = parse_config(spec.config)) options.configs = {*config};
  validate_run_inputs(options);

  std::optional<HostBuilder> builder;
  if (!request.host_source.empty()) builder.emplace(request.host_source, default_host_cache(), executor, out);
  const std::vector<PythonTarget> pythons = select_pythons(load_host_manifest(request.host_manifest), {spec.python},
                                                           executor, builder ? &*builder : nullptr);
  const ModuleAvailability availability = locate_modules(options, pythons, executor);
  const std::vector<PlannedCell> cells = plan_cells(options, pythons, availability);
  if (cells.size() != 1) throw UsageError(fmt::format("repro {}: does not name one cell", request.cell));
  const PlannedCell& cell = cells.front();
  if (cell.preset) {
    print_forensics(*cell.preset, out);
    return kExitGateFailed;
  }
  if (request.gdb) exec_gdb(host_invocation(cell, cell.runs.front()), pythons.front(), out);

  const Symbolizer symbolizer =
      request.driver.empty() ? in_process_symbolizer() : isolated_symbolizer(executor, request.driver);
  std::vector<std::pair<std::string, HostVerdict>> verdicts;
  for (const PlannedRun& run : cell.runs) {
    HostInvocation inv = host_invocation(cell, run);
    inv.live_output = true;
    inv.server_args.clear();  // a fresh process, as under --gdb: the cell alone, in the foreground
    out << fmt::format("isocheck: {} {} {} {}{} (module output follows)\n", spec.module, pythons.front().version,
                       spec.config, spec.check, run.variant.empty() ? "" : " [" + std::string(run.variant) + "]")
        << std::flush;
    verdicts.emplace_back(std::string(run.variant), classify_run(executor.run(inv), inv.timeout, symbolizer));
  }
  HostVerdict merged = merge_variants(verdicts);
  append_hint(merged);
  print_forensics(merged, out);
  return fails_gate(merged.outcome) ? kExitGateFailed : kExitGatePassed;
}

}  // namespace isocheck
