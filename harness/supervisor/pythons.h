// Which CPythons a run uses. The build writes bin/isocheck-hosts.json, one entry per host it
// built (cmake/IsocheckPythons.cmake); `--python` picks among them by version, or names an
// interpreter executable (a venv's python included) that is served by the host of its version.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "protocol/executor.h"
#include "model/model.h"

namespace isocheck {

// Reads the manifest; host paths are resolved relative to the manifest's directory.
// Throws UsageError when it is missing or unreadable.
std::vector<PythonTarget> load_host_manifest(const std::filesystem::path& file);

// "3.12.1, 3.13.0" for messages; "none" when empty.
std::string version_list(const std::vector<PythonTarget>& pythons);

class HostBuilder;

// Resolves --python requests ("3.13", "3.13.0", or an executable path) against the built hosts.
// No request: every built host. With a `builder` (an installed isocheck, supervisor/host_builder.h),
// a request no built host serves gets its host built: an executable, or a minor version
// ("3.13") whose python3.13 is on PATH. Throws UsageError naming the fix when a request cannot
// be served.
std::vector<PythonTarget> select_pythons(const std::vector<PythonTarget>& built,
                                         const std::vector<std::string>& requests, HostExecutor& executor,
                                         HostBuilder* builder = nullptr);

}  // namespace isocheck
