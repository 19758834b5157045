// MODULE arguments: an importable dotted name, or NAME=FILE.so to load PyInit_NAME from FILE
// (how CPython's own tests load the variants in _testmultiphase; see nm -D).
#pragma once

#include <string>

namespace isocheck {

// Validates one MODULE argument and returns it normalised (FILE made absolute).
// Throws UsageError: bad name, missing or unreadable file, or a file that is not an ELF
// shared object.
std::string normalise_module_arg(const std::string& arg);

// Why the extension file `so_path` cannot be imported as `module` (a dotted name) by CPython
// `python_minor` ("3.12"), or "" when nothing stops it. Only what the file itself shows:
//  - its ELF section data ends past the end of the file (truncated or corrupt; dlopen would
//    fail with "cannot read file data"),
//  - it exports no PyInit_<last name component> (CPython: "dynamic module does not define
//    module export function"),
//  - its name carries another version's EXT_SUFFIX tag (".cpython-313-..." under 3.12: the tag
//    CPython's own import system matches files by; such a file is built against another ABI).
// A file that cannot be opened gives "": the host's import says what is wrong with it.
std::string extension_file_problem(const std::string& so_path, const std::string& module,
                                   const std::string& python_minor);

}  // namespace isocheck
