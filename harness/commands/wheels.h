// Wheels as MODULE arguments (issue #15): `isocheck run dist/pkg-1.0-cp313-cp313-manylinux_x86_64.whl`
// checks every extension module in the wheel under the Python its tag names, from a copy
// unpacked outside the checkout (nothing is installed).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/executor.h"
#include "model/model.h"
#include "supervisor/plan.h"

namespace isocheck {

// The parts of a wheel's file name (PEP 427: {distribution}-{version}(-{build})?-{python tag}-
// {abi tag}-{platform tag}.whl).
struct WheelName {
  std::string distribution;
  std::string version;
  std::string python_tag;  // "cp313", or a compressed set "cp312.cp313"
  std::string abi_tag;     // "cp313", "abi3", "none"
  std::string platform_tag;
};

// nullopt when `file_name` is not a wheel's name.
std::optional<WheelName> parse_wheel_name(std::string_view file_name);

// The CPython minor versions ("3.13"; "3.14d" for a debug ABI tag, cp314d) the wheel is built
// for; empty when any CPython can load it
// (the stable ABI, abi3: one build for every version from its tag on).
std::vector<std::string> wheel_pythons(const WheelName& name);

bool is_wheel_argument(std::string_view arg);

// Replaces each wheel among `options.modules` by the top-level modules and packages in it that
// hold extension modules, unpacked (by `python`'s zipfile module, through `executor`) into
// `cache_root`, and adds the unpacked directories to `options.paths` for the Pythons the wheel's
// tag names. Returns the Pythons the wheels name (empty when one of them suits any), for a run
// that does not choose its own. Throws UsageError for a file that is not a wheel or a wheel
// without extension modules.
// With `pure_wheels_as_paths` (a survey of a directory of wheels, whose pure-Python wheels are
// the others' dependencies), a wheel without extension modules only joins the paths.
std::vector<std::string> expand_wheels(RunOptions& options, const std::filesystem::path& cache_root,
                                       const std::string& python, HostExecutor& executor,
                                       bool pure_wheels_as_paths = false);

// The *.whl files directly in `dir`, sorted. Throws UsageError when it is not a directory or
// holds none.
std::vector<std::string> wheels_in(const std::filesystem::path& dir);

// ${XDG_CACHE_HOME:-$HOME/.cache}/isocheck/wheels
std::filesystem::path default_wheel_cache();

}  // namespace isocheck
