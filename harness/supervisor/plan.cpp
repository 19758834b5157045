#include "supervisor/plan.h"

#include "supervisor/module_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "model/catalog.h"

namespace isocheck {

std::string shell_quote(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./=:,+-@%").find(c) != std::string_view::npos;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string repro_command(const RunOptions& options, const PythonTarget& python,
                          const std::string& module, const std::string& check, const std::string& config) {
  // A Python given as an executable (a venv) is rerun under that executable, not its version.
  std::vector<std::string> words = {options.program, "run", module, "--python",
                                    python.requested_as.empty() ? python.minor : python.requested_as,
                                    "--check", check};
  if (config != kNoConfig) {
    words.push_back("--config");
    words.push_back(config);
  }
  std::vector<std::string> own_paths;
  for (const std::string& path : options.paths) {
    if (std::find(options.wheel_paths.begin(), options.wheel_paths.end(), path) == options.wheel_paths.end()) {
      own_paths.push_back(path);
    }
  }
  for (const std::string& path : paths_for_python(own_paths, python)) {
    words.push_back("--path");
    words.push_back(path);
  }
  if (!options.wheels_dir.empty()) {
    words.push_back("--wheels");
    words.push_back(options.wheels_dir);
  }
  if (!options.exercise.empty()) {
    words.push_back("--exercise");
    words.push_back(options.exercise);
  }
  if (options.cycles != 10) {
    words.push_back("--cycles");
    words.push_back(std::to_string(options.cycles));
  }
  if (options.timeout != std::chrono::milliseconds(60000)) {
    const auto ms = options.timeout.count();
    words.push_back("--timeout");
    words.push_back(ms % 1000 == 0 ? std::to_string(ms / 1000) : fmt::format("{:.3f}", ms / 1000.0));
  }
  std::string command;
  for (const std::string& w : words) command += (command.empty() ? "" : " ") + shell_quote(w);
  return command;
}

namespace {

HostInvocation cell_invocation(const RunOptions& options, const PythonTarget& python, const std::string& module,
                               const std::string& check, Config config, std::string_view variant) {
  HostInvocation inv;
  inv.executable = python.host;
  inv.timeout = options.timeout;
  inv.core_dir = options.core_dir;
  inv.memory_limit_bytes = options.memory_limit_bytes;
  inv.args = {"cell",    "--python-exe", python.executable, "--module", module,
              "--check", check,          "--config",        std::string(to_string(config)),
              "--cycles", std::to_string(options.cycles),  "--result-fd", std::to_string(kHostResultFd),
              "--forensics-fd", std::to_string(kHostForensicsFd), "--secret-fd", std::to_string(kHostSecretFd)};
  if (!variant.empty()) {
    inv.args.push_back("--variant");
    inv.args.emplace_back(variant);
  }
  for (const std::string& path : paths_for_python(options.paths, python)) {
    inv.args.push_back("--path");
    inv.args.push_back(path);
  }
  if (!options.exercise.empty()) {
    inv.args.push_back("--exercise");
    inv.args.push_back(options.exercise);
  }
  if (options.fork_server) inv.server_args = {"serve", "--python-exe", python.executable};
  return inv;
}

// "pkg.mod" of "pkg.mod" or "pkg.mod=FILE.so".
std::string module_name(const std::string& module) { return module.substr(0, module.find('=')); }

// Why cells of `module` cannot run under this Python, or nullopt when they can.
std::optional<HostVerdict> unavailable(const ModuleAvailability& availability, const std::string& module,
                                       const PythonTarget& python) {
  auto it = availability.find({module, python.version});
  HostVerdict v;
  v.outcome = Outcome::error;
  if (it != availability.end() && it->second.kind == "not_given") {
    v.summary = fmt::format("{} names no file for Python {}; add {}:FILE, or leave {} out with --python", module,
                            python.version, python.minor, python.minor);
  } else if (it == availability.end() || it->second.kind == "missing") {
    v.summary = fmt::format("{} is not importable by Python {} ({}); add its directory with --path",
                            module, python.version, python.executable);
  } else if (it->second.kind == "python") {
    v.summary = fmt::format("{} is a pure-Python module under Python {} ({}), not an extension module",
                            module, python.version, it->second.origin);
  } else if (it->second.kind == "builtin") {
    v.summary = fmt::format("{} is built into CPython {}, not an extension module", module, python.version);
  } else if (const std::string problem =
                 it->second.origin.empty() ? "" : extension_file_problem(it->second.origin, module_name(module), python.minor);
             !problem.empty()) {
    v.summary = problem;  // the host would only fail the import with a vaguer ImportError
  } else {
    return std::nullopt;
  }
  return v;
}

// At most how many cells plan_cells makes (exactly, unless the survey leaves a module out
// under a Python that lacks it): reserved at once, as a survey plans thousands (issue #6).
size_t planned_cell_bound(const RunOptions& options, size_t pythons) {
  size_t per_module_python = 0;
  for (const std::string& id : options.checks) {
    const CheckInfo* check = find_check(id);
    if (check == nullptr) continue;
    if (check->in_driver != nullptr) {
      ++per_module_python;
      continue;
    }
    for (Config config : check->configs) {
      if (std::find(options.configs.begin(), options.configs.end(), config) != options.configs.end()) ++per_module_python;
    }
  }
  return options.modules.size() * pythons * per_module_python;
}

}  // namespace

std::vector<PlannedCell> plan_cells(const RunOptions& options, const std::vector<PythonTarget>& pythons,
                                    const ModuleAvailability& availability) {
  const auto context = std::make_shared<const PlanContext>(PlanContext{options, pythons});
  std::vector<PlannedCell> cells;
  cells.reserve(planned_cell_bound(options, pythons.size()));
  for (const std::string& module : options.modules) {
    for (const PythonTarget& python : pythons) {
      if (options.only_listed && !availability.contains({module, python.version})) continue;
      const std::optional<HostVerdict> blocked = unavailable(availability, module, python);
      for (const std::string& check_id : options.checks) {
        const CheckInfo* check = find_check(check_id);
        if (check == nullptr) continue;
        if (check->in_driver != nullptr) {
          // No interpreter, no config: the driver reads the extension file itself.
          PlannedCell cell;
          cell.key = CellKey{module, python.version, std::string(kNoConfig), check_id};
          cell.context = context;
          cell.preset = blocked ? *blocked : check->in_driver(availability.at({module, python.version}).origin);
          cells.push_back(std::move(cell));
          continue;
        }
        for (Config config : check->configs) {
          if (std::find(options.configs.begin(), options.configs.end(), config) == options.configs.end()) continue;
          PlannedCell cell;
          cell.key = CellKey{module, python.version, std::string(to_string(config)), check_id};
          cell.context = context;
          if (blocked) {
            cell.preset = blocked;
          } else if (check->variants.empty()) {
            cell.runs.push_back({""});
          } else {
            for (std::string_view variant : check->variants) cell.runs.push_back({variant});
          }
          cells.push_back(std::move(cell));
        }
      }
    }
  }
  return cells;
}

namespace {

const PythonTarget& python_of(const PlannedCell& cell) {
  for (const PythonTarget& p : cell.context->pythons) {
    if (p.version == cell.key.python) return p;
  }
  throw std::logic_error("planned cell of an unplanned Python " + cell.key.python);
}

}  // namespace

std::string module_arg_of(const PlannedCell& cell) {
  if (!cell.context) return cell.key.module;
  // A cell is only planned to run where its Python is given a file (plan_cells presets the rest).
  return module_arg_for_python(cell.key.module, python_of(cell)).value_or(cell.key.module);
}

HostInvocation host_invocation(const PlannedCell& cell, const PlannedRun& run) {
  const std::optional<Config> config = parse_config(cell.key.config);
  if (!cell.context || !config) throw std::logic_error("host_invocation: cell " + cell.key.check + " runs no host");
  return cell_invocation(cell.context->options, python_of(cell), module_arg_of(cell), cell.key.check, *config,
                         run.variant);
}

std::string repro_of(const PlannedCell& cell) {
  if (!cell.context) return "";
  return repro_command(cell.context->options, python_of(cell), module_arg_of(cell), cell.key.check, cell.key.config);
}

}  // namespace isocheck
