// MODULE arguments: an importable dotted name, or NAME=FILE.so to load PyInit_NAME from FILE
// (how CPython's own tests load the variants in _testmultiphase; see nm -D).
#pragma once

#include <string>

namespace isocheck {

// Validates one MODULE argument and returns it normalised (FILE made absolute).
// Throws UsageError: bad name, missing or unreadable file, or a file that is not an ELF
// shared object.
std::string normalise_module_arg(const std::string& arg);

}  // namespace isocheck
