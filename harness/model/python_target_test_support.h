// Test support shared by the unit tests (header only): a PythonTarget as the host manifest would
// describe a built CPython, at made-up paths that no test touches on disk.
#pragma once

#include <string>
#include <utility>

#include "model/model.h"

namespace isocheck::testing {

inline PythonTarget fake_python(std::string version, std::string minor) {
  PythonTarget p;
  p.version = std::move(version);
  p.minor = std::move(minor);
  p.executable = "/opt/py/" + p.minor + "/bin/python3";
  p.host = "/build/bin/isocheck-host-" + p.minor;
  return p;
}

}  // namespace isocheck::testing
