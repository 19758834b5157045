// Test support for the report writers' tests (header only; the unit binary globs *_test.cpp):
// the hand-made report behind the golden files, a hostile one for the injection tests, and
// golden-file comparison. ISOCHECK_UPDATE_GOLDEN=1 rewrites the golden files instead of
// comparing: read every changed file before committing it.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "model/model.h"
#include "protocol/temp_dir_test_support.h"

namespace isocheck::testing {

inline std::filesystem::path reports_test_data() { return ISOCHECK_REPORTS_TEST_DATA; }

inline CellResult make_cell(std::string module, std::string python, std::string config, std::string check,
                            Outcome outcome, std::string summary) {
  CellResult c;
  c.key = CellKey{std::move(module), std::move(python), std::move(config), std::move(check)};
  c.outcome = outcome;
  c.summary = std::move(summary);
  c.duration_ms = 12.5;
  return c;
}

// Two modules on two Pythons, every outcome at least once, the lint `-` column, a multi-line
// summary, and a crash with a backtrace, a traceback, a stderr tail and a repro command.
inline RunReport golden_report() {
  RunReport r;
  r.tool_version = "0.1.0";
  r.created = "2026-11-25T10:00:00Z";
  PythonTarget p312{"3.12.1", "3.12", "/opt/python/3.12.1/bin/python3.12", "isocheck-host-3.12", false, ""};
  PythonTarget p313{"3.13.0", "3.13", "/opt/python/3.13.0/bin/python3.13", "isocheck-host-3.13", false, ""};
  r.pythons = {p312, p313};
  r.modules = {"demo.good", "demo.bad"};
  for (const char* py : {"3.12.1", "3.13.0"}) {
    for (const char* config : {"main", "legacy", "isolated"}) {
      r.cells.push_back(make_cell("demo.good", py, config, "import", Outcome::pass, "imported"));
    }
    r.cells.push_back(make_cell("demo.good", py, "main", "heap-types", Outcome::skip, "the module defines no classes"));
    r.cells.push_back(make_cell("demo.good", py, "-", "lint", Outcome::pass, "no findings"));
  }
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "main", "import", Outcome::pass, "imported"));
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "legacy", "import", Outcome::pass, "imported"));
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "isolated", "import", Outcome::unsupported,
                              "module demo.bad does not support loading in subinterpreters"));
  CellResult reimport = make_cell("demo.bad", "3.12.1", "main", "reimport", Outcome::fail,
                                  "the two module objects share 1 object(s): demo.bad.counter (int)\n"
                                  "the new module object does not start fresh: bump() gave 2 where 1 was expected");
  reimport.details = {{"shared_objects", {{{"path", "demo.bad.counter"}, {"kind", "int"}}}}};
  r.cells.push_back(reimport);
  CellResult crash = make_cell("demo.bad", "3.12.1", "legacy", "teardown", Outcome::crash,
                               "fifo: SIGSEGV during \"teardown FIFO: destroy interpreter 3 of 3\"");
  crash.details = {{"signal", "SIGSEGV"},
                   {"backtrace", {"#0 meth_dealloc (Objects/methodobject.c:162) in libpython3.12.so.1.0",
                                  "#1 Py_EndInterpreter (Python/pylifecycle.c:2199) in libpython3.12.so.1.0"}},
                   {"python_traceback", "Current thread 0x00007f7cbc21cfc0 (most recent call first):\n  <no Python frame>\n"},
                   {"stderr_tail", "Fatal Python error: Segmentation fault\n"},
                   {"last_step", "teardown FIFO: destroy interpreter 3 of 3"}};
  crash.metrics = {{"interpreters", 3}};
  crash.repro = "isocheck run demo.bad --python 3.12 --check teardown --config legacy";
  r.cells.push_back(crash);
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "isolated", "teardown", Outcome::unsupported,
                              "module demo.bad does not support loading in subinterpreters"));
  CellResult hang = make_cell("demo.bad", "3.12.1", "isolated", "concurrent", Outcome::timeout,
                              "no verdict within 5 s (last step: \"import in thread 2\")");
  hang.repro = "isocheck run demo.bad --python 3.12 --check concurrent --config isolated";
  r.cells.push_back(hang);
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "main", "leaks", Outcome::warn,
                              "1.0 block(s) per exercise call, below the leak threshold"));
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "main", "reinit", Outcome::error,
                              "the host sent no verdict and exited 0 (an isocheck bug)"));
  r.cells.push_back(make_cell("demo.bad", "3.12.1", "-", "lint", Outcome::fail,
                              "PyInit_demo_bad uses single-phase init (PyModule_Create)"));
  r.cells.push_back(make_cell("demo.bad", "3.13.0", "main", "import", Outcome::pass, "imported"));
  r.cells.push_back(make_cell("demo.bad", "3.13.0", "legacy", "import", Outcome::pass, "imported"));
  r.cells.push_back(make_cell("demo.bad", "3.13.0", "isolated", "import", Outcome::unsupported,
                              "module demo.bad does not support loading in subinterpreters"));
  r.cells.push_back(make_cell("demo.bad", "3.13.0", "legacy", "teardown", Outcome::pass, "3 interpreters destroyed cleanly"));
  r.finish();
  return r;
}

// Text a hostile or broken module could put anywhere a report shows module text.
inline std::string hostile_text() {
  std::string s = "<script>alert(1)</script><img src=x onerror=alert(2)> ]]> & &amp; \"q\" 'a' ";
  s += std::string("NUL[") + '\0' + "] BEL[\a] ESC[\x1b[31m] CR[\r] TAB[\t] DEL[\x7f] C1[\xc2\x9b] ";
  s += "bad-utf8[\xff\xfe] nonchar[\xef\xbf\xbe] ";
  s += "\n::error::injected\n::warning title=x::y %0A %25 | a | b | `code` **bold** [link](http://example.com) ";
  s += "\n# heading\n- item\n@someone $x$ -->";
  return s;
}

inline RunReport hostile_report(const std::string& evil = hostile_text()) {
  RunReport r = golden_report();
  const std::string module = "evil" + evil;
  r.modules.push_back(module);
  CellResult crash = make_cell(module, "3.12.1", "isolated", "cycles", Outcome::crash, evil + std::string(1 << 20, 'A'));
  crash.details = {{"backtrace", {evil, evil}}, {"python_traceback", evil}, {"stdout_tail", evil},
                   {"stderr_tail", evil}, {evil, evil}};
  crash.repro = "isocheck run '" + module + "'";
  r.cells.push_back(crash);
  // Every other outcome once, each in its own cell of the isolated column on 3.13.0.
  const char* checks[] = {"import", "reimport", "cycles", "leaks", "isolation", "concurrent", "teardown"};
  size_t next = 0;
  for (Outcome o : kAllOutcomes) {
    if (o != Outcome::crash) r.cells.push_back(make_cell(module, "3.13.0", "isolated", checks[next++], o, evil));
  }
  r.finish();
  return r;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Compares `actual` with reports/testdata/`name`, or rewrites it under ISOCHECK_UPDATE_GOLDEN=1.
inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path = reports_test_data() / name;
  if (const char* update = std::getenv("ISOCHECK_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    write_text(path, actual);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with ISOCHECK_UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(read_text(path), actual) << "differs from " << path;
}

}  // namespace isocheck::testing

namespace isocheck::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (stderr too when the command redirects it)
};

// Runs a shell command line (tests only: every argument here is a fixed or temporary path).
inline CommandResult run_shell(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline bool have_program(const std::string& name) {
  return run_shell("command -v " + name + " >/dev/null 2>&1").exit_code == 0;
}

}  // namespace isocheck::testing
