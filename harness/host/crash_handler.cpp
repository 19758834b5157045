#include "host/crash_handler.h"

#include <Python.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace isocheck::host {

namespace {

using DumpTracebackThreads = const char* (*)(int fd, PyInterpreterState* interp, PyThreadState* current);

int g_fd = -1;
DumpTracebackThreads g_dump_threads = nullptr;
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGUSR1};

void write_all(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(g_fd, data, size);
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void write_str(const char* s) { write_all(s, std::strlen(s)); }

// Async-signal-safe hex formatting.
void write_hex(uintptr_t value) {
  char buf[2 + 16 + 1];
  int pos = sizeof buf;
  buf[--pos] = '\n';
  do {
    buf[--pos] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value != 0);
  buf[--pos] = 'x';
  buf[--pos] = '0';
  write_all(buf + pos, sizeof buf - static_cast<size_t>(pos));
}

void write_int(int value) {
  char buf[16];
  int pos = sizeof buf;
  buf[--pos] = '\n';
  unsigned v = value < 0 ? 0u - static_cast<unsigned>(value) : static_cast<unsigned>(value);
  do {
    buf[--pos] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (value < 0) buf[--pos] = '-';
  write_all(buf + pos, sizeof buf - static_cast<size_t>(pos));
}

void copy_maps() {
  const int maps = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (maps < 0) return;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(maps, buf, sizeof buf)) > 0) write_all(buf, static_cast<size_t>(n));
  ::close(maps);
}

PyThreadState* current_thread_state() {
#if PY_VERSION_HEX >= 0x030D0000
  return PyThreadState_GetUnchecked();
#else
  return _PyThreadState_UncheckedGet();
#endif
}

void handler(int signum, siginfo_t*, void*) {
  const int saved_errno = errno;
  write_str("=== isocheck-forensics signal\n");
  write_int(signum);
  write_str("=== native-backtrace\n");
  void* frames[128];
  const int depth = ::backtrace(frames, 128);
  for (int i = 0; i < depth; ++i) write_hex(reinterpret_cast<uintptr_t>(frames[i]));
  write_str("=== maps\n");
  copy_maps();
  write_str("=== python-traceback\n");
  PyThreadState* tstate = current_thread_state();
  if (g_dump_threads != nullptr && tstate != nullptr) {
    const char* error = g_dump_threads(g_fd, nullptr, tstate);
    if (error != nullptr) {
      write_str(error);
      write_str("\n");
    }
  } else {
    write_str(g_dump_threads ? "no Python thread state on the crashing thread\n"
                             : "CPython's traceback dumper was not found in libpython\n");
  }
  write_str("=== end\n");
  if (signum != SIGUSR1) {
    // Die of the very signal: SIG_DFL, then the fault re-executes (or abort() re-raises).
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(signum, &dfl, nullptr);
    if (signum != SIGSEGV && signum != SIGBUS && signum != SIGILL && signum != SIGFPE) ::raise(signum);
  }
  errno = saved_errno;
}

// 3.12 exports _Py_DumpTracebackThreads; 3.13 keeps it a local symbol of libpython, so look it
// up in libpython's own symbol table and add the library's load address.
struct LibpythonSearch {
  std::string path;
  uintptr_t base = 0;
};

int find_libpython(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<LibpythonSearch*>(data);
  if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "libpython") != nullptr) {
    search->path = info->dlpi_name;
    search->base = info->dlpi_addr;
    return 1;
  }
  return 0;
}

DumpTracebackThreads find_dump_function() {
  if (void* sym = ::dlsym(RTLD_DEFAULT, "_Py_DumpTracebackThreads")) {
    return reinterpret_cast<DumpTracebackThreads>(sym);
  }
  LibpythonSearch search;
  ::dl_iterate_phdr(find_libpython, &search);
  if (search.path.empty() || elf_version(EV_CURRENT) == EV_NONE) return nullptr;
  const int fd = ::open(search.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  DumpTracebackThreads found = nullptr;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  for (Elf_Scn* scn = nullptr; elf != nullptr && found == nullptr && (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    const size_t count = shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
    for (size_t i = 0; data != nullptr && i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name != nullptr && std::strcmp(name, "_Py_DumpTracebackThreads") == 0 && sym.st_value != 0) {
        found = reinterpret_cast<DumpTracebackThreads>(search.base + sym.st_value);
        break;
      }
    }
  }
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  return found;
}

}  // namespace

void install_crash_handler(int fd) {
  g_fd = fd;
  g_dump_threads = find_dump_function();
  void* warm[4];
  ::backtrace(warm, 4);  // loads libgcc_s now: the first call may allocate

  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  ::sigaltstack(&ss, nullptr);

  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int signum : kSignals) {
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (signum == SIGUSR1 ? SA_RESTART : 0);
    ::sigaction(signum, &sa, nullptr);
  }
}

}  // namespace isocheck::host
