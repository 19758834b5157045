#include "supervisor/pythons.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "supervisor/find_program.h"
#include "supervisor/host_builder.h"
#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

std::vector<PythonTarget> load_host_manifest(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw UsageError(fmt::format("no host manifest at {}: build isocheck first (./run.sh)", file.string()));
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("hosts") || !j["hosts"].is_array()) {
    throw UsageError(fmt::format("{} is not an isocheck host manifest", file.string()));
  }
  std::vector<PythonTarget> pythons;
  for (const auto& h : j["hosts"]) {
    PythonTarget p;
    p.version = h.value("version", "");
    p.minor = h.value("minor", "");
    p.executable = h.value("executable", "");
    p.host = (file.parent_path() / h.value("host", "")).string();
    p.debug_build = h.value("debug_build", 0) != 0;
    pythons.push_back(std::move(p));
  }
  std::sort(pythons.begin(), pythons.end(), [](const PythonTarget& a, const PythonTarget& b) {
    return version_less(a.version, b.version);
  });
  return pythons;
}

std::string version_list(const std::vector<PythonTarget>& pythons) {
  std::string list;
  for (const PythonTarget& p : pythons) list += (list.empty() ? "" : ", ") + p.version;
  return list.empty() ? "none" : list;
}

namespace {

// "3.13", "3.13.0", and a debug build's "3.14d" / "3.14.8d" (cmake/IsocheckPythons.cmake).
bool looks_like_version(const std::string& s) {
  const std::string numeric = !s.empty() && s.back() == 'd' ? s.substr(0, s.size() - 1) : s;
  return !numeric.empty() && std::isdigit(static_cast<unsigned char>(numeric.front())) &&
         std::all_of(numeric.begin(), numeric.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

// Asks the interpreter itself for its version: a plain child process, the driver still
// embeds nothing. A pyenv shim of an unselected version fails here (exit 127). A debug
// build (Py_DEBUG: sys.gettotalrefcount) answers "3.14.8d", as its host was named.
std::string interpreter_version(const std::string& exe, HostExecutor& executor) {
  HostInvocation inv;
  inv.executable = exe;
  inv.args = {"-I", "-c",
              "import sys; print('%d.%d.%d' % sys.version_info[:3] + ('d' if hasattr(sys, 'gettotalrefcount') else ''))"};
  inv.timeout = std::chrono::seconds(30);
  const HostRun run = executor.run(inv);
  std::string out = run.stdout_tail;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (!run.started || run.signaled || run.timed_out || run.exit_code != 0 || !looks_like_version(out)) {
    throw UsageError(fmt::format("--python {}: it does not run as a Python interpreter{}", exe,
                                 run.exit_code == 127 ? " (exit 127: a pyenv shim for a version that is not selected?)" : ""));
  }
  return out;
}

PythonTarget serve_executable(const std::vector<PythonTarget>& built, const std::string& request,
                              HostExecutor& executor, HostBuilder* builder) {
  std::error_code ec;
  const fs::path exe = fs::absolute(request, ec);
  if (!fs::exists(exe, ec) || ::access(exe.c_str(), X_OK) != 0) {
    throw UsageError(fmt::format("--python {}: no such version or executable", request));
  }
  const std::string version = interpreter_version(exe.string(), executor);
  const bool debug = version.back() == 'd';
  const std::string minor = version.substr(0, version.rfind('.')) + (debug ? "d" : "");
  for (const PythonTarget& p : built) {
    if (p.minor == minor) {
      PythonTarget served = p;
      served.executable = exe.string();  // not resolved: a venv's python must stay the venv's
      served.requested_as = exe.string();
      served.version = version;
      return served;
    }
  }
  if (builder != nullptr && !version_less(minor, "3.12")) {
    PythonTarget served = builder->host_for(exe.string(), version);
    served.executable = exe.string();
    served.requested_as = exe.string();
    served.version = version;
    return served;
  }
  throw UsageError(fmt::format("--python {} is Python {}, but no isocheck host was built for {} (built: {}); "
                               "{}reconfigure with -DISOCHECK_PYTHONS={}",
                               request, version, minor, version_list(built),
                               version_less(minor, "3.12") ? "isocheck needs 3.12+ (PEP 684 subinterpreters); " : "",
                               exe.string()));
}

// An installed isocheck asked for a minor version it has no host for: python3.N on PATH, when
// it is that version, gets one built. Empty when there is none (or it is a shim that fails).
std::optional<PythonTarget> build_for_version(const std::string& request, HostExecutor& executor,
                                              HostBuilder& builder) {
  const bool debug = request.back() == 'd';
  if (std::count(request.begin(), request.end(), '.') != 1) return std::nullopt;  // "3.13", not "3.13.0"
  const std::string exe = find_on_path("python" + request);
  if (exe.empty()) return std::nullopt;
  std::string version;
  try {
    version = interpreter_version(exe, executor);
  } catch (const UsageError&) {
    return std::nullopt;
  }
  if (version.substr(0, version.rfind('.')) + (debug ? "d" : "") != request) return std::nullopt;
  PythonTarget served = builder.host_for(exe, version);
  served.executable = exe;
  served.version = version;
  return served;
}

}  // namespace

std::vector<PythonTarget> select_pythons(const std::vector<PythonTarget>& built,
                                         const std::vector<std::string>& requests, HostExecutor& executor,
                                         HostBuilder* builder) {
  if (requests.empty()) {
    if (built.empty()) {
      throw UsageError("no usable Python: no CPython >= 3.12 with a shared libpython was found at build time; "
                       "reconfigure with -DISOCHECK_PYTHONS=/path/to/python3.12");
    }
    return built;
  }
  std::vector<PythonTarget> selected;
  for (const std::string& request : requests) {
    PythonTarget chosen;
    if (looks_like_version(request)) {
      auto it = std::find_if(built.begin(), built.end(),
                             [&](const PythonTarget& p) { return p.minor == request || p.version == request; });
      if (it == built.end() && version_less(request, "3.12")) {
        // Per-interpreter GIL and PyInterpreterConfig (PEP 684) start with 3.12.
        throw UsageError(fmt::format("--python {}: isocheck needs CPython 3.12 or later (PEP 684 subinterpreters; "
                                     "built: {})", request, version_list(built)));
      }
      if (it == built.end() && builder != nullptr) {
        if (std::optional<PythonTarget> served = build_for_version(request, executor, *builder)) {
          chosen = std::move(*served);
        }
      }
      if (it == built.end() && chosen.host.empty() && builder != nullptr) {
        throw UsageError(fmt::format("--python {}: no isocheck host for that version (built: {}) and no python{} "
                                     "on PATH to build one for; name the interpreter: --python /path/to/python{}",
                                     request, version_list(built), request, request));
      }
      if (it == built.end() && chosen.host.empty()) {
        throw UsageError(fmt::format("--python {}: no isocheck host for that version (built: {}); "
                                     "reconfigure with -DISOCHECK_PYTHONS=/path/to/python{}",
                                     request, version_list(built), request));
      }
      if (it != built.end()) chosen = *it;
    } else {
      chosen = serve_executable(built, request, executor, builder);
    }
    auto same = std::find_if(selected.begin(), selected.end(),
                             [&](const PythonTarget& p) { return p.version == chosen.version; });
    if (same == selected.end()) {
      selected.push_back(std::move(chosen));
    } else if (same->executable != chosen.executable) {
      // Cells are keyed by Python version; two interpreters of one version need two runs.
      throw UsageError(fmt::format("--python: {} and {} are both Python {}; check them in separate runs",
                                   same->executable, chosen.executable, chosen.version));
    }
  }
  return selected;
}

}  // namespace isocheck
