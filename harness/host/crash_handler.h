// Crash forensics inside the host (issue: local debugging of crashes).
//
// A handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT (and SIGUSR1, which the driver
// sends before killing a host that timed out) writes to the forensics fd:
//   - the raw return addresses of the interrupted thread (backtrace(3)), symbolised later by
//     the driver with elfutils, so the handler does no symbol lookup of its own;
//   - /proc/self/maps, so the driver knows where each object was loaded;
//   - the Python traceback of every thread of the interpreter that was running, through
//     CPython's own _Py_DumpTracebackThreads (what faulthandler uses; found by dlsym, or in
//     libpython's symbol table where 3.13 keeps it local).
// Then it restores the default action, so the host still dies of the signal it got: forensics
// never turn a crash into something else. It runs on an alternate stack (stack overflows).
#pragma once

namespace isocheck::host {

// Installs the handlers; `fd` stays open for the life of the process. Call before
// Py_Initialize so that CPython's own faulthandler (off by default) is not involved.
void install_crash_handler(int fd);

}  // namespace isocheck::host
