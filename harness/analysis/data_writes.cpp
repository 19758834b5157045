#include "analysis/data_writes.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <memory>

#include "analysis/x86_decoder.h"

namespace isocheck {

namespace {

// The addresses RIP-relative operands of the section's instructions write or take; false when
// a stretch of it does not decode (data in the code, or an instruction capstone does not know).
bool scan_code(csh handle, const uint8_t* code, size_t size, uint64_t address, std::vector<GElf_Addr>& touched) {
  cs_insn* insn = cs_malloc(handle);
  if (insn == nullptr) return false;
  const uint8_t* cursor = code;
  size_t left = size;
  uint64_t pc = address;
  while (left > 0) {
    if (!cs_disasm_iter(handle, &cursor, &left, &pc, insn)) {
      cs_free(insn, 1);
      return false;
    }
    const cs_x86& x86 = insn->detail->x86;
    for (uint8_t i = 0; i < x86.op_count; ++i) {
      const cs_x86_op& op = x86.operands[i];
      if (op.type != X86_OP_MEM || op.mem.base != X86_REG_RIP) continue;
      // A lea lets the address out; an operand capstone marks as read only is a read. Anything
      // else (a write, or access capstone does not know) counts as a write.
      const bool read_only = insn->id != X86_INS_LEA && op.access == CS_AC_READ;
      if (!read_only) touched.push_back(insn->address + insn->size + static_cast<int64_t>(op.mem.disp));
    }
  }
  cs_free(insn, 1);
  return true;
}

}  // namespace

std::optional<DataWrites> DataWrites::analyse(Elf* elf, const std::vector<Relocation>& relocations) {
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr || ehdr.e_machine != EM_X86_64) return std::nullopt;
  const X86Decoder handle = open_x86_64_decoder();
  if (!handle) return std::nullopt;
  DataWrites writes;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) == nullptr || header.sh_type != SHT_PROGBITS ||
        (header.sh_flags & SHF_EXECINSTR) == 0) {
      continue;
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr || data->d_size < header.sh_size) return std::nullopt;
    if (!scan_code(*handle, static_cast<const uint8_t*>(data->d_buf), header.sh_size, header.sh_addr,
                   writes.touched_)) {
      return std::nullopt;
    }
  }
  // Addresses the loader stores in data escape too.
  for (const Relocation& r : relocations) {
    if (r.target) writes.touched_.push_back(*r.target);
  }
  std::sort(writes.touched_.begin(), writes.touched_.end());
  return writes;
}

bool DataWrites::may_write(GElf_Addr begin, GElf_Addr end) const {
  const auto first = std::lower_bound(touched_.begin(), touched_.end(), begin);
  return first != touched_.end() && *first < end;
}

}  // namespace isocheck
