#pragma once
// The dynamic relocations of a shared object: what the loader stores where. Read once per file
// by lint and handed to both of its code readers (core/data_writes: which addresses escape into
// data; core/module_slots: the pointers of a static PyModuleDef).

#include <gelf.h>
#include <libelf.h>

#include <optional>
#include <vector>

namespace isocheck {

struct Relocation {
  GElf_Addr offset = 0;  // where the loader stores
  bool relative = false;  // R_X86_64_RELATIVE: the object's own address, `target`
  // The address stored, when it is inside the object: the addend of a relative relocation, or
  // a defined symbol's value plus the addend. nullopt for a symbol another object defines.
  std::optional<GElf_Addr> target;
};

// Every entry of every SHT_RELA section (.rela.dyn, .rela.plt), in file order.
std::vector<Relocation> read_relocations(Elf* elf);

}  // namespace isocheck
