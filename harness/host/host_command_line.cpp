#include "host/host_command_line.h"

#include <CLI/CLI.hpp>

#include <algorithm>

namespace isocheck::host {

std::optional<HostOptions> parse_host_command_line(const std::string& description, std::vector<std::string> args,
                                                   int& exit_code) {
  HostOptions o;
  CLI::App app{description};
  app.require_subcommand(1);
  auto add_common = [&o](CLI::App* cmd) {
    cmd->add_option("--python-exe", o.python_exe, "the Python executable whose sys.path to use")->required();
    cmd->add_option("--module", o.modules, "NAME or NAME=FILE.so");
    cmd->add_option("--path", o.paths, "directory prepended to sys.path");
    cmd->add_option("--exercise", o.exercise, "exercise file defining exercise(module)");
    cmd->add_option("--result-fd", o.result_fd, "file descriptor for protocol messages");
    cmd->add_option("--forensics-fd", o.forensics_fd, "file descriptor for crash dumps");
    cmd->add_option("--secret-fd", o.secret_fd, "file descriptor to read the run's secret from (then closed)");
  };
  CLI::App* describe = app.add_subcommand("describe", "describe the Python and locate modules");
  add_common(describe);
  describe->add_flag("--survey", o.survey, "also list every extension module in lib-dynload");
  CLI::App* cell = app.add_subcommand("cell", "run one cell");
  add_common(cell);
  cell->add_option("--check", o.check)->required();
  cell->add_option("--config", o.config)->required();
  cell->add_option("--variant", o.variant);
  cell->add_option("--cycles", o.cycles)->check(CLI::PositiveNumber);
  CLI::App* serve = app.add_subcommand("serve", "fork a child per cell requested on fd 3 (fork_server.h)");
  serve->add_option("--python-exe", o.python_exe, "the Python executable whose sys.path to use")->required();
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  o.command = describe->parsed() ? HostCommand::describe : serve->parsed() ? HostCommand::serve : HostCommand::cell;
  return o;
}

}  // namespace isocheck::host
