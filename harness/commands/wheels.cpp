#include "commands/wheels.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>
#include <system_error>

#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

// Unpacks argv[1] into argv[2] with zipfile, which drops absolute paths and ".." components of
// member names (so a hostile wheel cannot write outside the directory).
constexpr const char* kUnpackScript =
    "import sys, zipfile\n"
    "try:\n"
    "    with zipfile.ZipFile(sys.argv[1]) as z:\n"
    "        z.extractall(sys.argv[2])\n"
    "except (zipfile.BadZipFile, OSError) as e:\n"
    "    sys.exit(f'{type(e).__name__}: {e}')\n";

std::string last_line(const std::string& text) {
  std::string trimmed = text.substr(0, text.find_last_not_of("\n ") + 1);
  return trimmed.substr(trimmed.find_last_of('\n') + 1);
}

// The directory a wheel is unpacked into: named after the file and its size and time, so that
// a rebuilt wheel is unpacked afresh and an unchanged one is reused.
fs::path unpack_dir(const fs::path& cache_root, const fs::path& wheel) {
  std::error_code ec;
  const auto size = fs::file_size(wheel, ec);
  const auto mtime = static_cast<uint64_t>(fs::last_write_time(wheel, ec).time_since_epoch().count());
  return cache_root / fmt::format("{}-{}-{:x}", wheel.stem().string(), size, mtime);
}

// Unpacks into a temporary sibling, then renames it: a directory under its final name is whole.
fs::path unpack(const fs::path& wheel, const fs::path& cache_root, const std::string& python, HostExecutor& executor) {
  const fs::path dir = unpack_dir(cache_root, wheel);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir;
  fs::create_directories(cache_root, ec);
  if (ec) throw UsageError(fmt::format("{}: cannot create the wheel cache {}: {}", wheel.string(), cache_root.string(), ec.message()));
  const fs::path partial = dir.string() + fmt::format(".partial-{}", ::getpid());
  fs::remove_all(partial, ec);
  HostInvocation unzip;
  unzip.executable = python;
  unzip.args = {"-I", "-c", kUnpackScript, wheel.string(), partial.string()};
  const HostRun run = executor.run(unzip);
  if (!run.started || run.signaled || run.exit_code != 0) {
    fs::remove_all(partial, ec);
    const std::string why = !run.started ? run.start_error : last_line(run.stderr_tail);
    throw UsageError(fmt::format("{}: cannot unpack the wheel: {}", wheel.string(), why));
  }
  fs::rename(partial, dir, ec);
  if (ec && !fs::is_directory(dir)) {  // another run may have unpacked the same wheel meanwhile
    throw UsageError(fmt::format("{}: cannot move the unpacked wheel into {}: {}", wheel.string(), dir.string(), ec.message()));
  }
  fs::remove_all(partial, ec);
  return dir;
}

bool is_extension_file(const fs::path& file) { return file.extension() == ".so"; }

// The roots a wheel's files are installed from: the wheel itself, and its .data/purelib and
// .data/platlib directories (PEP 427).
std::vector<fs::path> install_roots(const fs::path& dir) {
  std::vector<fs::path> roots = {dir};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory() || entry.path().extension() != ".data") continue;
    for (const char* scheme : {"purelib", "platlib"}) {
      if (fs::is_directory(entry.path() / scheme)) roots.push_back(entry.path() / scheme);
    }
  }
  return roots;
}

// Top-level names under `root` that are, or contain, an extension module.
std::set<std::string> top_level_extension_names(const fs::path& root) {
  std::set<std::string> names;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(root);
    const std::string top = relative.begin()->string();
    if (it->is_directory() && (top.ends_with(".dist-info") || top.ends_with(".data"))) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || !is_extension_file(it->path())) continue;
    names.insert(top.substr(0, top.find('.')));  // "pkg", or "_mod" of "_mod.cpython-313-...so"
  }
  return names;
}

}  // namespace

std::optional<WheelName> parse_wheel_name(std::string_view file_name) {
  static const std::regex pattern(R"(^([^-]+)-([^-]+)(-[0-9][^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(file_name.begin(), file_name.end(), m, pattern)) return std::nullopt;
  return WheelName{m[1].str(), m[2].str(), m[4].str(), m[5].str(), m[6].str()};
}

std::vector<std::string> wheel_pythons(const WheelName& name) {
  if (name.abi_tag == "abi3" || name.abi_tag == "none") return {};
  std::vector<std::string> minors;
  static const std::regex cpython(R"(^cp([0-9])([0-9]+)$)");
  // A debug build's ABI flag is in the ABI tag only ("cp314-cp314d", PEP 3149): its files
  // carry that build's extension suffix, so only the debug host (key "3.14d") can load them.
  static const std::regex debug_abi(R"(^cp[0-9]+d$)");
  const std::string debug = std::regex_match(name.abi_tag, debug_abi) ? "d" : "";
  size_t start = 0;
  while (start <= name.python_tag.size()) {
    const size_t dot = std::min(name.python_tag.find('.', start), name.python_tag.size());
    const std::string tag = name.python_tag.substr(start, dot - start);
    std::smatch m;
    if (std::regex_match(tag, m, cpython)) minors.push_back(m[1].str() + "." + m[2].str() + debug);
    start = dot + 1;
  }
  return minors;
}

bool is_wheel_argument(std::string_view arg) { return arg.ends_with(".whl") && arg.find('=') == std::string_view::npos; }

std::vector<std::string> expand_wheels(RunOptions& options, const fs::path& cache_root, const std::string& python,
                                       HostExecutor& executor, bool pure_wheels_as_paths) {
  std::vector<std::string> modules;
  std::set<std::string> pythons;
  bool any_python = false;
  bool had_wheel = false;
  for (const std::string& arg : options.modules) {
    if (!is_wheel_argument(arg)) {
      modules.push_back(arg);
      continue;
    }
    had_wheel = true;
    const fs::path wheel = fs::absolute(arg).lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(wheel, ec)) throw UsageError(fmt::format("{}: no such wheel", arg));
    const std::optional<WheelName> name = parse_wheel_name(wheel.filename().string());
    if (!name) {
      throw UsageError(fmt::format("{}: not a wheel file name (NAME-VERSION-PYTHON-ABI-PLATFORM.whl, PEP 427)", arg));
    }
    const std::vector<std::string> minors = wheel_pythons(*name);
    const fs::path dir = unpack(wheel, cache_root, python, executor);
    std::set<std::string> names;
    for (const fs::path& root : install_roots(dir)) {
      const std::set<std::string> found = top_level_extension_names(root);
      if (found.empty() && !pure_wheels_as_paths) continue;
      names.insert(found.begin(), found.end());
      if (minors.empty()) {
        options.paths.push_back(root.string());
      } else {
        for (const std::string& minor : minors) options.paths.push_back(minor + ":" + root.string());
      }
    }
    if (names.empty() && pure_wheels_as_paths) continue;  // a dependency: its paths are enough
    if (names.empty()) throw UsageError(fmt::format("{}: the wheel contains no extension module", arg));
    for (const std::string& n : names) {
      if (std::find(modules.begin(), modules.end(), n) == modules.end()) modules.push_back(n);
    }
    any_python |= minors.empty();
    pythons.insert(minors.begin(), minors.end());
  }
  options.modules = std::move(modules);
  if (!had_wheel || any_python) return {};
  return {pythons.begin(), pythons.end()};
}

std::vector<std::string> wheels_in(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError(fmt::format("--wheels {}: not a directory", dir.string()));
  std::vector<std::string> wheels;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".whl") wheels.push_back(entry.path().string());
  }
  if (wheels.empty()) throw UsageError(fmt::format("--wheels {}: no .whl file in it", dir.string()));
  std::sort(wheels.begin(), wheels.end());
  return wheels;
}

fs::path default_wheel_cache() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return fs::path(xdg) / "isocheck" / "wheels";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : "/tmp") / ".cache" / "isocheck" / "wheels";
}

}  // namespace isocheck
