// Whose crash is it? A cell can crash inside another extension module that the module under
// test imports: on CPython 3.12, _decimal and _datetime abort in isolated interpreters on their
// own, and every module importing them "crashed" there (#17 item 7). The symbolised backtrace
// (forensics.h: "#N function (file:line) in OBJECT") says which shared object the crashing
// code is in; the innermost frame in an extension module decides.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/host_protocol.h"

namespace isocheck {

// The short name ("_decimal") of the extension module whose code the innermost extension
// frame of `backtrace` is in, when that is not the module under test; nullopt when the
// crash is in the module's own code, or in no extension module at all (libpython, libc).
// `module_arg` is the cell's MODULE argument: NAME, or NAME=FILE.
std::optional<std::string> crashing_dependency(const nlohmann::ordered_json& backtrace, std::string_view module_arg);

// For a crash whose innermost extension frame is another module's: the summary starts with
// "crash in dependency `X`: ", details.crash_in_dependency names X, and a host hint (which is
// about the module under test) is dropped, since it would blame the wrong module. Other
// verdicts are left alone.
void attribute_crash(HostVerdict& verdict, std::string_view module_arg);

}  // namespace isocheck
