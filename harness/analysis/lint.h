// The `lint` check (spec/checks.md): reads the extension's shared object, without Python, and
// reports what its symbols say about isolation. It runs in the driver.
//
// Findings, each naming its section of the CPython HOWTO "Isolating Extension Modules":
//   fail  single-phase init: a PyInit_* entry point, PyModule_Create2 imported, PyModuleDef_Init
//         not (Isolated Module Objects)
//   fail  static types: PyTypeObject globals found in the debug info, or PyType_Ready imported
//         as evidence of them when there is no debug info (Heap Types; Changing Static Types to
//         Heap Types); PyType_Ready with debug info that shows no PyTypeObject global is a warn
//         (the module readies types it did not define, as CPython 3.12's math.trunc does)
//   warn  PyState_FindModule / PyState_AddModule imported (Module State Access from Functions)
//   warn  PyGILState_Ensure / PyGILState_Release imported (Managing Global State, PEP 684)
//   warn  writable global data objects of the module's own (Managing Global State); with DWARF
//         debug info, CPython definition tables (PyModuleDef, PyMethodDef arrays, ...,
//         Argument Clinic's _PyArg_Parser), `char *kwlist[]` keyword lists and docstrings are
//         left out; without it they cannot be told apart and are listed too
//
// Outcome: `fail` if any fail finding, else `warn` if any finding, else `pass`. A file that
// cannot be read, is not ELF, or is not a shared object gives `error`.
#pragma once

#include <string>
#include <string_view>

#include "protocol/host_protocol.h"

namespace isocheck {

// Reads the extension's ELF file and returns the `lint` verdict; never throws.
// details.findings: [{"severity": "fail"|"warn", "howto": "...", "what": "...", "fix": "...",
//                     "symbols": [...]}]
// details also holds "entry_points" (PyInit_*), "symbol_table" (".symtab" or ".dynsym"),
// "debug_info" (bool) and "skipped_definition_tables" (writable symbols left out as CPython
// definition tables, keyword lists or docstrings, with their type) and "notes" (limits of what
// the file showed: no PyInit_*, stripped .symtab; also appended to the summary).
HostVerdict lint_extension(const std::string& so_path);

// The last component of a dotted module name (a.b.c -> c).
std::string_view module_last_name(std::string_view module);

// The entry point an import of `module` calls (PEP 489): PyInit_ + the module's last name
// (a.b.c -> PyInit_c). ASCII names only; a non-ASCII name's is PyInit_ + its punycode.
std::string init_function_name(std::string_view module);

// Whether the shared object exports the entry point an import of `module` from it calls:
// PyInit_<last name of module> (or PEP 793's PyModExport_<name>). False for a native library
// shipped beside a package's extension modules (pyarrow's libarrow_python.so): its file name
// ends in an extension suffix, but nothing imports it as a module. True when the file cannot be
// read as ELF: the import cells then say what is wrong with it.
bool exports_module_entry_point(const std::string& so_path, const std::string& module);

}  // namespace isocheck
