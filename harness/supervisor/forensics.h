// What a crashed (or hung) host wrote on its forensics fd (host/crash_handler.h), decoded and
// symbolised in the driver: the signal, a native backtrace with function names (and file:line
// where debug info exists, via elfutils libdw), and CPython's own dump of the Python traceback
// of every thread of the interpreter that was running.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/executor.h"

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

// How backtraces get their names. The driver symbolises in a child process of its own
// (isolated_symbolizer), so that libdw choking on a strange object cannot take the run down.
using Symbolizer = std::function<std::vector<std::string>(const CrashDump&, std::string_view raw_dump)>;

// Symbolises in this process.
Symbolizer in_process_symbolizer();

// Runs `driver __symbolize FILE` through `executor`; when that fails in any way, the frames
// are given as raw addresses with a note saying why.
Symbolizer isolated_symbolizer(HostExecutor& executor, std::string driver);

// "Fatal Python error: func: message" from a stderr tail, or empty.
std::string fatal_error_message(std::string_view stderr_tail);

}  // namespace isocheck
