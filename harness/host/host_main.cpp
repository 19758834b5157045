// isocheck-host-X.Y: the only program that embeds CPython (one build per Python version).
//
//   isocheck-host-3.12 describe --python-exe EXE [--module M]... [--path DIR]... [--exercise F]
//   isocheck-host-3.12 cell --python-exe EXE --module M --check ID --config CFG [--variant V]
//                           [--path DIR]... [--exercise F] [--cycles N]
//   isocheck-host-3.12 serve --python-exe EXE   (a fork server: host/fork_server.h)
//
// Both answer on --result-fd (default: stdout) with core/host_protocol.h messages. One process
// runs one cell, so no cell can depend on another (spec/checks.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "core/catalog.h"
#include "core/executor.h"
#include "core/fork_request.h"
#include "core/host_protocol.h"
#include "host/crash_handler.h"
#include "host/fork_server.h"
#include "host/interpreter.h"
#include "host/interpreter_session.h"
#include "host/result_channel.h"
#include "scenarios/scenario.h"

namespace isocheck::host {
namespace {

ModuleSpec parse_module(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) return ModuleSpec{text, ""};
  return ModuleSpec{text.substr(0, eq), text.substr(eq + 1)};
}

struct Options {
  std::string python_exe;
  std::vector<std::string> modules;
  std::vector<std::string> paths;
  std::string exercise;
  std::string check;
  std::string config;
  std::string variant;
  int cycles = 10;
  int result_fd = 1;
  int forensics_fd = 2;
  bool survey = false;
  int secret_fd = -1;
};

HostVerdict error_verdict(std::string summary) {
  HostVerdict v;
  v.outcome = Outcome::error;
  v.summary = std::move(summary);
  return v;
}

int run_describe(const Options& o, ResultChannel& channel) {
  TargetSetup setup{{}, o.paths, ""};
  MainInterpreter main(o.python_exe);
  nlohmann::ordered_json description;
  {
    InterpreterSession session(Config::main, main, setup);
    const auto python = session.describe_python();
    description["python"] = {{"version", python.version},
                             {"executable", python.executable},
                             {"debug_build", python.debug_build}};
    description["modules"] = nlohmann::ordered_json::object();
    for (const std::string& m : o.modules) {
      const auto where = session.locate(parse_module(m));
      description["modules"][m] = {{"kind", where.kind}, {"origin", where.origin}};
      if (where.kind == "package") {
        nlohmann::ordered_json extensions = nlohmann::ordered_json::array();
        for (const auto& [name, file] : where.extensions) extensions.push_back({{"name", name}, {"origin", file}});
        description["modules"][m]["extensions"] = std::move(extensions);
      }
    }
    if (o.survey) {
      description["survey"] = nlohmann::ordered_json::object();
      for (const auto& [name, file] : session.standard_extensions()) description["survey"][name] = file;
    }
    if (!o.exercise.empty()) description["exercise_problem"] = session.exercise_problem(o.exercise);
  }
  channel.send(encode_description(description));
  return 0;
}

HostVerdict run_scenario(const Options& o, MainInterpreter& main, ResultChannel& channel) {
  const CheckInfo* check = find_check(o.check);
  const scenarios::Scenario scenario = scenarios::find_scenario(o.check);
  const auto config = parse_config(o.config);
  if (check == nullptr || scenario == nullptr) return error_verdict("host has no check '" + o.check + "'");
  if (!config || std::find(check->configs.begin(), check->configs.end(), *config) == check->configs.end()) {
    return error_verdict("check '" + o.check + "' does not run in config '" + o.config + "'");
  }
  if (!check->variants.empty() &&
      std::find(check->variants.begin(), check->variants.end(), o.variant) == check->variants.end()) {
    return error_verdict("check '" + o.check + "' has no variant '" + o.variant + "'");
  }
  scenarios::CellRequest request{o.check, *config, o.variant,
                                 TargetSetup{parse_module(o.modules.front()), o.paths, o.exercise},
                                 o.cycles, o.python_exe};
  scenarios::ScenarioContext ctx{request, main, channel};
  return scenario(ctx);
}

// `forked_main`: the fork server's main interpreter, inherited by this child (fork_server.h);
// null: this process initialises its own.
int run_cell(const Options& o, ResultChannel& channel, MainInterpreter* forked_main) {
  if (o.modules.size() != 1) {
    channel.send(encode_verdict(error_verdict("a cell takes exactly one --module")));
    return 0;
  }
  HostVerdict verdict;
  {
    std::optional<MainInterpreter> own_main;
    MainInterpreter& main = forked_main != nullptr ? *forked_main : own_main.emplace(o.python_exe);
    verdict = run_scenario(o, main, channel);
    if (!main.finalized()) {
      channel.step("finalize the main interpreter");
      main.finalize();
    }
  }
  channel.send(encode_verdict(verdict));
  return 0;
}

enum class Command { describe, cell, serve };

// The host's command line, for a spawned host and for a fork server's child alike.
// Throws CLI::ParseError.
Command parse_command_line(CLI::App& app, Options& o, std::vector<std::string> args) {
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
  app.parse(args);
  return describe->parsed() ? Command::describe : serve->parsed() ? Command::serve : Command::cell;
}

// A describe or cell run, once the command line is known.
int run_host(const Options& o, Command command, MainInterpreter* forked_main) {
  // Before any module code runs: take the secret out of reach, and the channel off fd 3.
  std::string secret = o.secret_fd >= 0 ? read_secret(o.secret_fd) : "";
  install_crash_handler(o.forensics_fd);
  ResultChannel channel(hide_result_fd(o.result_fd), std::move(secret));
  try {
    return command == Command::describe ? run_describe(o, channel) : run_cell(o, channel, forked_main);
  } catch (const HostError& e) {
    channel.send(isocheck::encode_verdict(error_verdict(e.what())));
    return 0;
  }
}

// The fork server: the main interpreter once, then a child per request (fork_server.h).
int serve(const Options& server_options) {
  install_crash_handler(isocheck::kHostForensicsFd);  // before Py_Initialize; inherited by every child
  std::optional<MainInterpreter> main;
  try {
    main.emplace(server_options.python_exe);
  } catch (const HostError& e) {
    std::fprintf(stderr, "isocheck fork server: %s\n", e.what());
    return 1;  // the driver spawns hosts instead, and they report this error as cells
  }
  const std::vector<std::string> child_args = serve_forks(isocheck::kForkServerControlFd);
  // In a child, set up as the request asked: from here on, a cell host like any other.
  Options o;
  CLI::App app{"isocheck host (fork server child)"};
  Command command;
  try {
    command = parse_command_line(app, o, child_args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (command != Command::cell || o.python_exe != server_options.python_exe) {
    std::fprintf(stderr, "isocheck fork server: a child runs cells of its server's Python only\n");
    return 2;
  }
  return run_host(o, command, &*main);
}

}  // namespace
}  // namespace isocheck::host

int main(int argc, char** argv) {
  using namespace isocheck::host;
  Options o;
  CLI::App app{"isocheck host: runs one isocheck cell inside an embedded CPython"};
  Command command;
  try {
    command = parse_command_line(app, o, std::vector<std::string>(argv + 1, argv + argc));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return command == Command::serve ? serve(o) : run_host(o, command, nullptr);
}
