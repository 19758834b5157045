#include "host/native_origin.h"

#include <dlfcn.h>

#include <set>
#include <string>

namespace isocheck::host {

namespace {

// The shared object an address belongs to, or "" when dladdr cannot say (an address in an
// anonymous mapping, e.g. a heap type's own memory).
std::string shared_object_of(const void* address) {
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

const void* as_address(auto function) { return reinterpret_cast<const void*>(function); }

// The C function a descriptor in a class __dict__ wraps. Only descriptors of the type's own
// slots and tables live in its __dict__ (type_ready fills the dict before it inherits slots),
// so these say where the type's own code is.
const void* descriptor_function(PyObject* value) {
  if (Py_IS_TYPE(value, &PyMethodDescr_Type) || Py_IS_TYPE(value, &PyClassMethodDescr_Type)) {
    return as_address(reinterpret_cast<PyMethodDescrObject*>(value)->d_method->ml_meth);
  }
  if (Py_IS_TYPE(value, &PyGetSetDescr_Type)) {
    PyGetSetDef* def = reinterpret_cast<PyGetSetDescrObject*>(value)->d_getset;
    return def->get != nullptr ? as_address(def->get) : as_address(def->set);
  }
  if (Py_IS_TYPE(value, &PyWrapperDescr_Type)) {
    return reinterpret_cast<PyWrapperDescrObject*>(value)->d_wrapped;
  }
  return nullptr;
}

PyObject* path_list(const std::set<std::string>& paths) {
  PyObject* list = PyList_New(0);
  if (list == nullptr) return nullptr;
  for (const std::string& path : paths) {
    PyObject* s = PyUnicode_DecodeFSDefault(path.c_str());
    if (s == nullptr || PyList_Append(list, s) < 0) {
      Py_XDECREF(s);
      Py_DECREF(list);
      return nullptr;
    }
    Py_DECREF(s);
  }
  return list;
}

PyObject* path_or_none(const std::string& path) {
  return path.empty() ? Py_NewRef(Py_None) : PyUnicode_DecodeFSDefault(path.c_str());
}

// The shared object of a module's def: where the def itself lives, or, for a def in heap
// memory (nanobind allocates its defs with PyMem_Calloc, src/nb_internals.cpp module_new),
// where the code it points to lives: its slots' functions (Py_mod_exec, Py_mod_create), its
// methods, m_traverse/m_clear/m_free. Slot values that are not functions
// (Py_mod_multiple_interpreters, Py_mod_gil) are small constants dladdr cannot place (#15).
std::string def_home(PyModuleDef* def) {
  if (std::string home = shared_object_of(def); !home.empty()) return home;
  for (PyModuleDef_Slot* slot = def->m_slots; slot != nullptr && slot->slot != 0; ++slot) {
    if (slot->slot != Py_mod_exec && slot->slot != Py_mod_create) continue;
    if (std::string home = shared_object_of(slot->value); !home.empty()) return home;
  }
  for (PyMethodDef* method = def->m_methods; method != nullptr && method->ml_name != nullptr; ++method) {
    if (std::string home = shared_object_of(as_address(method->ml_meth)); !home.empty()) return home;
  }
  for (const void* function : {as_address(def->m_traverse), as_address(def->m_clear), as_address(def->m_free)}) {
    if (std::string home = shared_object_of(function); !home.empty()) return home;
  }
  return "";
}

PyObject* module_home(PyObject*, PyObject* module) {
  if (!PyModule_Check(module)) return Py_NewRef(Py_None);
  PyModuleDef* def = PyModule_GetDef(module);
  if (def == nullptr) {
    PyErr_Clear();
    return Py_NewRef(Py_None);
  }
  return path_or_none(def_home(def));
}

PyObject* type_homes(PyObject*, PyObject* object) {
  if (!PyType_Check(object)) {
    PyErr_SetString(PyExc_TypeError, "_type_homes() takes a class");
    return nullptr;
  }
  auto* type = reinterpret_cast<PyTypeObject*>(object);
  std::set<std::string> homes;
  auto add = [&homes](const void* address) {
    if (std::string home = shared_object_of(address); !home.empty()) homes.insert(home);
  };
  if (!PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE)) {
    add(type);  // a static type is a C global of whoever defines it
  } else {
    add(as_address(type->tp_dealloc));
  }
  // PyType_GetDict, not tp_dict: a static builtin type keeps its dict per interpreter (3.12+).
  PyObject* dict = PyType_GetDict(type);
  if (dict == nullptr) return nullptr;
  PyObject* values = PyDict_Values(dict);
  Py_DECREF(dict);
  if (values == nullptr) return nullptr;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(values); ++i) add(descriptor_function(PyList_GET_ITEM(values, i)));
  Py_DECREF(values);
  return path_list(homes);
}

// libpython (found through a function: a data symbol such as PyType_Type may have been copied
// into the host executable by a copy relocation) and the host executable itself, which
// defines no class of any module.
PyObject* runtime_homes(PyObject*, PyObject*) {
  std::set<std::string> homes;
  for (const void* address : {as_address(&Py_GetVersion), as_address(&add_native_origin_functions)}) {
    if (std::string home = shared_object_of(address); !home.empty()) homes.insert(home);
  }
  return path_list(homes);
}

// Static: a PyMethodDef outlives every interpreter; each interpreter gets its own function
// objects bound to it (PyCFunction_New), never shared ones.
PyMethodDef kNativeOriginMethods[] = {
    {"_module_home", module_home, METH_O, nullptr},
    {"_type_homes", type_homes, METH_O, nullptr},
    {"_runtime_homes", runtime_homes, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

int add_native_origin_functions(PyObject* ns) {
  for (PyMethodDef* def = kNativeOriginMethods; def->ml_name != nullptr; ++def) {
    PyObject* function = PyCFunction_New(def, nullptr);
    if (function == nullptr) return -1;
    int status = PyDict_SetItemString(ns, def->ml_name, function);
    Py_DECREF(function);
    if (status < 0) return -1;
  }
  return 0;
}

}  // namespace isocheck::host
