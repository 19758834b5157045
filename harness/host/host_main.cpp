// isocheck-host-X.Y: the only program that embeds CPython (one build per Python version).
//
//   isocheck-host-3.12 describe --python-exe EXE [--module M]... [--path DIR]... [--exercise F]
//   isocheck-host-3.12 cell --python-exe EXE --module M --check ID --config CFG [--variant V]
//                           [--path DIR]... [--exercise F] [--cycles N]
//   isocheck-host-3.12 serve --python-exe EXE   (a fork server: host/fork_server.h)
//
// Both answer on --result-fd (default: stdout) with protocol/host_protocol.h messages. One process
// runs one cell, so no cell can depend on another (spec/checks.md).
#include <algorithm>
#include <cstdio>
#include <optional>

#include "model/catalog.h"
#include "protocol/executor.h"
#include "protocol/fork_request.h"
#include "protocol/host_protocol.h"
#include "host/crash_handler.h"
#include "host/fork_server.h"
#include "host/host_command_line.h"
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

using Options = HostOptions;

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

// A describe or cell run, once the command line is known.
int run_host(const Options& o, MainInterpreter* forked_main) {
  // Before any module code runs: take the secret out of reach, and the channel off fd 3.
  std::string secret = o.secret_fd >= 0 ? read_secret(o.secret_fd) : "";
  install_crash_handler(o.forensics_fd);
  ResultChannel channel(hide_result_fd(o.result_fd), std::move(secret));
  try {
    return o.command == HostCommand::describe ? run_describe(o, channel) : run_cell(o, channel, forked_main);
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
  int exit_code = 0;
  const std::optional<Options> o = parse_host_command_line("isocheck host (fork server child)", child_args, exit_code);
  if (!o) return exit_code;
  if (o->command != HostCommand::cell || o->python_exe != server_options.python_exe) {
    std::fprintf(stderr, "isocheck fork server: a child runs cells of its server's Python only\n");
    return 2;
  }
  return run_host(*o, &*main);
}

}  // namespace
}  // namespace isocheck::host

int main(int argc, char** argv) {
  using namespace isocheck::host;
  int exit_code = 0;
  const std::optional<Options> o = parse_host_command_line(
      "isocheck host: runs one isocheck cell inside an embedded CPython", std::vector<std::string>(argv + 1, argv + argc),
      exit_code);
  if (!o) return exit_code;
  return o->command == HostCommand::serve ? serve(*o) : run_host(*o, nullptr);
}
