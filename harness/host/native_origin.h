// Where a type's code and data live: facts the probe cannot get from Python, used to decide
// which classes belong to the module under test by where they were made, not by what their
// __module__ says (#13, #17 item 4).
#pragma once

#include <Python.h>

namespace isocheck::host {

// Adds _module_home(module), _type_homes(cls) and _runtime_homes() to the probe namespace NS.
// Each returns the path of a loaded shared object (as dladdr names it) or None:
//   _module_home: the object holding the module's PyModuleDef, i.e. the extension's own .so
//                 (libpython for a built-in module), or for a def in heap memory (nanobind)
//                 the object holding its exec/create slots', methods' or m_* functions;
//                 None for a module without a def.
//   _type_homes:  the objects holding the type itself (a static type) or the C functions
//                 it defines itself (a heap type's dealloc and the descriptors in its __dict__).
//   _runtime_homes: [libpython, the host executable] (one entry when CPython is linked in).
// Returns -1 with a Python exception set on failure.
int add_native_origin_functions(PyObject* ns);

}  // namespace isocheck::host
