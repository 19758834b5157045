#include "supervisor/culprit.h"

#include <fmt/format.h>

#include <filesystem>

namespace isocheck {

namespace {

// The object a symbolised frame is in: what follows its last " in ".
std::string_view object_of(std::string_view frame) {
  const size_t at = frame.rfind(" in ");
  return at == std::string_view::npos ? std::string_view{} : frame.substr(at + 4);
}

// Whether a shared object's file name is an extension module's: CPython's EXT_SUFFIX tags
// (".cpython-312-x86_64-linux-gnu.so", ".abi3.so"); libpython and system libraries carry none.
bool is_extension_object(std::string_view object) {
  return object.ends_with(".so") &&
         (object.find(".cpython-") != std::string_view::npos || object.find(".abi3.") != std::string_view::npos);
}

// "_decimal" for "_decimal.cpython-312-x86_64-linux-gnu.so".
std::string_view module_of(std::string_view object) { return object.substr(0, object.find('.')); }

}  // namespace

std::optional<std::string> crashing_dependency(const nlohmann::ordered_json& backtrace, std::string_view module_arg) {
  if (!backtrace.is_array()) return std::nullopt;
  const size_t equals = module_arg.find('=');
  const std::string_view name = module_arg.substr(0, equals);
  // Backtraces name objects by file name (forensics.h), so a FILE compares by its own.
  const std::string own_file = equals == std::string_view::npos
                                   ? std::string()
                                   : std::filesystem::path(module_arg.substr(equals + 1)).filename().string();
  const std::string_view own_module = name.substr(name.rfind('.') + 1);  // npos + 1 == 0
  for (const auto& frame : backtrace) {
    if (!frame.is_string()) continue;
    const std::string_view object = object_of(frame.get_ref<const std::string&>());
    if (!is_extension_object(object)) continue;
    const bool own = own_file.empty() ? module_of(object) == own_module : object == own_file;
    if (own) return std::nullopt;
    return std::string(module_of(object));
  }
  return std::nullopt;
}

void attribute_crash(HostVerdict& verdict, std::string_view module_arg) {
  if (verdict.outcome != Outcome::crash || !verdict.details.contains("backtrace")) return;
  const auto dependency = crashing_dependency(verdict.details["backtrace"], module_arg);
  if (!dependency) return;
  verdict.summary = fmt::format("crash in dependency `{}`: {}", *dependency, verdict.summary);
  verdict.details["crash_in_dependency"] = *dependency;
  verdict.details.erase("hints");
}

}  // namespace isocheck
