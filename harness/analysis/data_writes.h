#pragma once
// What a shared object's own code does with its data: which addresses it may write after load.
// lint uses it to tell a global that is only ever read (a table the compiler could not put in
// .rodata, e.g. a non-static one) from mutable state (#17 item 5).

#include <gelf.h>
#include <libelf.h>

#include <optional>
#include <vector>

#include "analysis/elf_relocations.h"

namespace isocheck {

class DataWrites {
 public:
  // Reads every executable section (x86-64 only); `relocations` are the file's (read_relocations).
  // nullopt when the code cannot be read completely, so that nothing is claimed from part of it.
  static std::optional<DataWrites> analyse(Elf* elf, const std::vector<Relocation>& relocations);

  // Whether code may write anything in [begin, end) after load: an instruction writes there
  // through a RIP-relative operand, or the address escapes (taken with lea, or stored in data
  // by a relocation), after which any code may write through it.
  bool may_write(GElf_Addr begin, GElf_Addr end) const;

 private:
  std::vector<GElf_Addr> touched_;  // sorted
};

}  // namespace isocheck
