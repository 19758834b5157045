// Looking a program up the way a shell does, for the few tools isocheck runs by name (gdb)
// and for naming the driver in repro commands.
#pragma once

#include <string>

namespace isocheck {

// The first executable `name` in a directory of $PATH, or "" when there is none.
std::string find_on_path(const std::string& name);

}  // namespace isocheck
