#pragma once
// A multi-phase module's declarations (PEP 489 slots): Py_mod_multiple_interpreters (3.12+,
// PEP 684) and Py_mod_gil (3.13+, PEP 703). The host reads them from the imported module's
// PyModuleDef; lint reads them from the file, without loading it (#14 item 4). Both name the
// values the same way, here.

#include <gelf.h>
#include <libelf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/elf_relocations.h"

namespace isocheck {

// The slot ids of CPython's Include/moduleobject.h: part of the stable ABI, so fixed.
inline constexpr int kSlotMultipleInterpreters = 3;  // Py_mod_multiple_interpreters
inline constexpr int kSlotGil = 4;                   // Py_mod_gil

// "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED", ...; "unknown value N" for what CPython does not define.
std::string multiple_interpreters_name(std::uintptr_t value);
// "Py_MOD_GIL_USED" / "Py_MOD_GIL_NOT_USED"; "unknown value N" otherwise.
std::string gil_name(std::uintptr_t value);

// The declarations found in a file. "absent": the module's slot table has no such slot
// (CPython's default applies: shared GIL only; the GIL is used).
struct StaticSlots {
  std::string multiple_interpreters = "absent";
  std::string gil = "absent";
};

// Reads (with the file's `relocations`, read_relocations) the slot table of the PyModuleDef that the entry point `PyInit_<module>` at
// `entry_address` hands to PyModuleDef_Init, from an x86-64 shared object. nullopt when that
// cannot be known from the file: a def or slot table filled in at run time (pybind11, nanobind),
// an entry point that does more than return PyModuleDef_Init(&def), a single-phase module, or
// another architecture. The def found must name `module` (its m_name), so that nothing is
// claimed from a look-alike.
std::optional<StaticSlots> read_static_slots(Elf* elf, const std::vector<Relocation>& relocations, GElf_Addr entry_address,
                                             const std::string& module);

}  // namespace isocheck
