// MODULE arguments: an importable dotted name, or NAME=FILE.so to load PyInit_NAME from FILE
// (how CPython's own tests load the variants in _testmultiphase; see nm -D).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model.h"

namespace isocheck {

// Validates one MODULE argument and returns it normalised (FILE made absolute).
// Throws UsageError: bad name, missing or unreadable file, or a file that is not an ELF
// shared object, a malformed or repeated Python selector.
//
// A module built once per CPython version (issue #17, item 8) is given one file per Python:
// NAME=3.12:FILE,3.13:FILE. A selector is a minor version ("3.13": any 3.13.x) or a release
// ("3.13.0"); the release wins over the minor. A value that does not start with a selector and
// a colon is one FILE for every Python, as before (so FILE may contain ',' or ':').
std::string normalise_module_arg(const std::string& arg);

// Validates one --path value, DIR or SELECTOR:DIR (a directory for that Python only), and
// returns it with DIR made absolute. Throws UsageError.
std::string normalise_path_arg(const std::string& arg);

// ("3.13", "DIR") of "3.13:DIR"; ("", value) for a value that does not start with a selector.
std::pair<std::string_view, std::string_view> split_python_selector(std::string_view value);

// Whether a selector ("3.13" or "3.13.0") names this Python.
bool python_selector_matches(std::string_view selector, const PythonTarget& python);

// The MODULE argument this Python's host is given: NAME, NAME=FILE, or for per-Python files the
// one this Python's selector picks; nullopt when the per-Python files name none for it.
std::optional<std::string> module_arg_for_python(const std::string& normalised_arg, const PythonTarget& python);

// The --path directories this Python's host is given: every unqualified one, and those whose
// selector names it, in the order given.
std::vector<std::string> paths_for_python(const std::vector<std::string>& normalised_paths,
                                          const PythonTarget& python);

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
