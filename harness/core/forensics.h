// What a crashed (or hung) host wrote on its forensics fd (host/crash_handler.h), decoded and
// symbolised in the driver: the signal, a native backtrace with function names (and file:line
// where debug info exists, via elfutils libdw), and CPython's own dump of the Python traceback
// of every thread of the interpreter that was running.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isocheck {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  std::uintptr_t offset = 0;
  std::string path;
};

struct CrashDump {
  int signal = 0;
  std::vector<std::uintptr_t> frames;  // as written by the handler, innermost first
  std::vector<Mapping> maps;
  std::string python_traceback;
  bool complete = false;               // the handler reached its end marker
};

// The first dump in the stream (a crash dumps once; a timeout dump precedes the kill).
// nullopt when the handler wrote nothing.
std::optional<CrashDump> parse_crash_dump(std::string_view text);

// "#0 function (file.c:42) in lib.so" per frame, skipping the handler's own two frames
// (the handler and the kernel's signal trampoline). Never throws; unknown frames read "??".
std::vector<std::string> symbolize(const CrashDump& dump);

// "Fatal Python error: func: message" from a stderr tail, or empty.
std::string fatal_error_message(std::string_view stderr_tail);

}  // namespace isocheck
