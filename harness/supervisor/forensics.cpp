#include "supervisor/forensics.h"

#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <fmt/format.h>

#include <unistd.h>

#include <charconv>
#include <map>
#include <memory>

namespace isocheck {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::optional<std::uintptr_t> parse_hex(std::string_view s) {
  if (s.starts_with("0x")) s.remove_prefix(2);
  std::uintptr_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// "7f0c...-7f0c... r-xp 00001000 08:01 1234   /path/lib.so"
std::optional<Mapping> parse_map_line(std::string_view line) {
  const size_t dash = line.find('-');
  const size_t sp1 = line.find(' ');
  if (dash == std::string_view::npos || sp1 == std::string_view::npos || dash > sp1) return std::nullopt;
  const size_t sp2 = line.find(' ', sp1 + 1);
  const size_t sp3 = sp2 == std::string_view::npos ? sp2 : line.find(' ', sp2 + 1);
  if (sp3 == std::string_view::npos) return std::nullopt;
  Mapping m;
  const auto start = parse_hex(line.substr(0, dash));
  const auto end = parse_hex(line.substr(dash + 1, sp1 - dash - 1));
  const auto offset = parse_hex(line.substr(sp2 + 1, sp3 - sp2 - 1));
  if (!start || !end || !offset) return std::nullopt;
  m.start = *start;
  m.end = *end;
  m.offset = *offset;
  const size_t slash = line.find('/');
  if (slash != std::string_view::npos) m.path = std::string(line.substr(slash));
  return m;
}

struct DwflDeleter {
  void operator()(Dwfl* d) const { dwfl_end(d); }
};

const Mapping* mapping_of(const std::vector<Mapping>& maps, std::uintptr_t addr) {
  for (const Mapping& m : maps) {
    if (addr >= m.start && addr < m.end) return &m;
  }
  return nullptr;
}

// isocheck's own frames are C++: show them as people write them.
std::string demangled(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> plain(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && plain ? std::string(plain.get()) : std::string(name);
}

std::string basename_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<CrashDump> parse_crash_dump(std::string_view text) {
  enum class Section { none, signal, native, maps, python, done } section = Section::none;
  CrashDump dump;
  bool seen = false;
  for (std::string_view line : lines_of(text)) {
    if (line.starts_with("=== ")) {
      if (line == "=== isocheck-forensics signal") {
        if (seen) break;  // only the first dump
        seen = true;
        section = Section::signal;
      } else if (line == "=== native-backtrace") {
        section = Section::native;
      } else if (line == "=== maps") {
        section = Section::maps;
      } else if (line == "=== python-traceback") {
        section = Section::python;
      } else if (line == "=== end") {
        dump.complete = true;
        section = Section::done;
      }
      continue;
    }
    switch (section) {
      case Section::signal: std::from_chars(line.data(), line.data() + line.size(), dump.signal); break;
      case Section::native:
        if (auto a = parse_hex(line)) dump.frames.push_back(*a);
        break;
      case Section::maps:
        if (auto m = parse_map_line(line)) dump.maps.push_back(std::move(*m));
        break;
      case Section::python: dump.python_traceback.append(line).append("\n"); break;
      default: break;
    }
  }
  if (!seen) return std::nullopt;
  return dump;
}

std::vector<std::string> symbolize(const CrashDump& dump) {
  static const Dwfl_Callbacks callbacks = {
      .find_elf = dwfl_build_id_find_elf,
      .find_debuginfo = dwfl_standard_find_debuginfo,
      .section_address = dwfl_offline_section_address,
      .debuginfo_path = nullptr,
  };
  std::unique_ptr<Dwfl, DwflDeleter> dwfl(dwfl_begin(&callbacks));
  std::map<std::string, Dwfl_Module*> modules;
  if (dwfl) {
    dwfl_report_begin(dwfl.get());
    // An object's load base is the start of its mapping at file offset 0.
    for (const Mapping& m : dump.maps) {
      if (m.offset != 0 || m.path.empty() || modules.contains(m.path)) continue;
      modules[m.path] = dwfl_report_elf(dwfl.get(), m.path.c_str(), m.path.c_str(), -1, m.start, false);
    }
    dwfl_report_end(dwfl.get(), nullptr, nullptr);
  }

  std::vector<std::string> out;
  constexpr size_t kHandlerFrames = 2;
  for (size_t i = kHandlerFrames; i < dump.frames.size(); ++i) {
    // Frames after the first are return addresses: look up the call instruction before them.
    const std::uintptr_t pc = dump.frames[i] - (i > kHandlerFrames ? 1 : 0);
    const Mapping* where = mapping_of(dump.maps, pc);
    std::string function = "??";
    std::string source;
    Dwfl_Module* mod = dwfl ? dwfl_addrmodule(dwfl.get(), pc) : nullptr;
    if (mod != nullptr) {
      if (const char* name = dwfl_module_addrname(mod, pc)) function = demangled(name);
      if (Dwfl_Line* line = dwfl_module_getsrc(mod, pc)) {
        int lineno = 0;
        if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
          source = fmt::format(" ({}:{})", file, lineno);
        }
      }
    }
    out.push_back(fmt::format("#{} {}{} in {}", i - kHandlerFrames, function, source,
                              where ? basename_of(where->path) : fmt::format("0x{:x}", pc)));
  }
  return out;
}

Symbolizer in_process_symbolizer() {
  return [](const CrashDump& dump, std::string_view) { return symbolize(dump); };
}

Symbolizer isolated_symbolizer(HostExecutor& executor, std::string driver) {
  return [&executor, driver](const CrashDump& dump, std::string_view raw) {
    std::string why;
    char path[] = "/tmp/isocheck-dump-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd >= 0) {
      const bool written = ::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size());
      ::close(fd);
      HostInvocation inv;
      inv.executable = driver;
      inv.args = {"__symbolize", path};
      inv.timeout = std::chrono::seconds(60);
      const HostRun run = written ? executor.run(inv) : HostRun{};
      ::unlink(path);
      if (run.started && !run.signaled && !run.timed_out && run.exit_code == 0) {
        std::vector<std::string> frames;
        for (std::string_view line : lines_of(run.stdout_tail)) {
          if (!line.empty()) frames.emplace_back(line);
        }
        return frames;
      }
      why = !written ? "cannot write the dump"
            : !run.started ? run.start_error
            : run.timed_out ? "timed out"
            : run.signaled ? "crashed with signal " + std::to_string(run.signal)
                           : "exited with status " + std::to_string(run.exit_code);
    } else {
      why = "no temporary file";
    }
    std::vector<std::string> frames;
    for (size_t i = 2; i < dump.frames.size(); ++i) frames.push_back(fmt::format("#{} 0x{:x}", i - 2, dump.frames[i]));
    frames.push_back("(not symbolised: the symboliser " + why + ")");
    return frames;
  };
}

std::string fatal_error_message(std::string_view stderr_tail) {
  constexpr std::string_view kMarker = "Fatal Python error: ";
  const size_t at = stderr_tail.find(kMarker);
  if (at == std::string_view::npos) return "";
  std::string_view rest = stderr_tail.substr(at + kMarker.size());
  return std::string(rest.substr(0, rest.find('\n')));
}

}  // namespace isocheck
